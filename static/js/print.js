// The report's "Print / save as PDF" button (hidden without JavaScript: the browser's own print
// works), and the line at the top of every printed page: charts.css prints --running-head in
// the page's margin box, and the patient's name and range can only come from the page.
const button = document.querySelector("[data-print]");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

const head = document.querySelector("[data-running-head]");
if (head) {
  // A CSS string: quotes and backslashes escaped, line breaks as spaces.
  const text = head.dataset.runningHead.replace(/[\\"]/g, "\\$&").replace(/[\n\r\f]/g, " ");
  document.documentElement.style.setProperty("--running-head", `"${text}"`);
}
