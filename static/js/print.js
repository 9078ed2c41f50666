// The report's "Print / save as PDF" button (hidden without JavaScript: the browser's own print works).
const button = document.querySelector("[data-print]");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// Chart.js sizes canvases for the screen; fit them to the printed page, then back.
window.addEventListener("beforeprint", () => {
  for (const chart of window.diaryCharts || []) chart.resize(680, chart.canvas.parentElement.clientHeight);
});
window.addEventListener("afterprint", () => {
  for (const chart of window.diaryCharts || []) chart.resize();
});
