// The report's "Print / save as PDF" button (hidden without JavaScript: the browser's own print works).
const button = document.querySelector("[data-print]");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// Chart.js sizes canvases for the screen; fit them to the printed page, then back.
const PRINT_WIDTH = 680; // px: an A4 or Letter page less its margins

function contentHeight(box) {
  const style = getComputedStyle(box);
  return box.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
}

window.addEventListener("beforeprint", () => {
  for (const chart of window.diaryCharts || []) {
    chart.resize(PRINT_WIDTH, contentHeight(chart.canvas.parentElement));
  }
});
window.addEventListener("afterprint", () => {
  for (const chart of window.diaryCharts || []) chart.resize();
});
