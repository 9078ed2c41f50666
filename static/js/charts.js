// Charts for the trends page, the report and today's view, drawn from the JSON block the page
// carries (no inline script, so a strict Content-Security-Policy can follow). Every chart has a
// data table next to it; if Chart.js cannot load, the tables are opened instead. Words and dates
// are in the page's language (js_messages("charts"), <html lang>).
import { formatDate, formatNumber, lang, t } from "/static/js/i18n.js";

// Colours come from charts.css's custom properties, so a dark theme can change them there. The
// series colours read on light and dark paper alike; paper is always light, so print uses these.
const LIGHT = {
  overall: "#1f7f89",
  rolling: "#1c2a30",
  back: "#8a5cc4",
  leg: "#d0502a",
  session: "#b35c00",
  sessionInk: "#ffffff",
  bar: "#2f8791",
  barMuted: "#7d9299",
  sleep: "#3b74c4",
  interference: "#b8468f",
  medicated: "#3d8b4a",
  text: "#52646b",
  grid: "#e1e8ea",
};
const VARIABLES = {
  overall: "--chart-overall",
  rolling: "--chart-rolling",
  back: "--chart-back",
  leg: "--chart-leg",
  session: "--chart-session",
  sessionInk: "--chart-session-ink",
  bar: "--chart-bar",
  barMuted: "--chart-bar-muted",
  sleep: "--chart-sleep",
  interference: "--chart-interference",
  medicated: "--chart-medicated",
  text: "--chart-text",
  grid: "--chart-grid",
};
const colours = { ...LIGHT };

function readPalette() {
  const style = getComputedStyle(document.documentElement);
  const palette = {};
  for (const [key, name] of Object.entries(VARIABLES)) {
    palette[key] = style.getPropertyValue(name).trim() || LIGHT[key];
  }
  return palette;
}

// Scriptable: Chart.js asks again on each update, so a palette change needs only an update.
const colour = (key) => () => colours[key];

function usePalette(palette) {
  Object.assign(colours, palette);
  window.Chart.defaults.color = colours.text;
  window.Chart.defaults.borderColor = colours.grid;
}

// Dates: the pages say "Wed 25 Nov 2026" in English (diary/core/templating.py), and the
// charts the same; other languages write the same parts their own way (Intl, in <html lang>).
const DAY_MS = 24 * 60 * 60 * 1000;
const FULL_DAY = { weekday: "short", day: "numeric", month: "short", year: "numeric" };
const DAY_MONTH = { day: "numeric", month: "short" };
const MONTH_YEAR = { month: "short", year: "numeric" };
const ENGLISH = lang().toLowerCase().startsWith("en");

const ENGLISH_FORMATS = new Map(); // one Intl format per options: making one costs the most

function parts(options, value) {
  let format = ENGLISH_FORMATS.get(options);
  if (!format) ENGLISH_FORMATS.set(options, (format = new Intl.DateTimeFormat("en", options)));
  return Object.fromEntries(format.formatToParts(value).map((part) => [part.type, part.value]));
}

function friendlyDay(value) {
  if (!ENGLISH) return formatDate(value, FULL_DAY);
  const { weekday, day, month, year } = parts(FULL_DAY, value);
  return `${weekday} ${day} ${month} ${year}`;
}

function tickLabel(value, unit) {
  const options = unit === "month" ? MONTH_YEAR : DAY_MONTH;
  if (!ENGLISH) return formatDate(value, options);
  const { day, month, year } = parts(options, value);
  return unit === "month" ? `${month} ${year}` : `${day} ${month}`;
}

function readData(id) {
  const block = document.getElementById(id);
  return block ? JSON.parse(block.textContent) : null;
}

const noon = (date) => `${date}T12:00:00`;

// Every chart on a date axis gets a left axis of this width, so the pain chart and the strip
// under it put each date at the same x.
const AXIS_WIDTH = 48;
const fixedWidth = (scale) => {
  scale.width = AXIS_WIDTH;
};

// The axis starts at the first entry or session in the range (the range itself stays as asked):
// a year's preset with ten weeks of diary would otherwise squeeze them into the right sixth.
function firstDataDate(trends) {
  const firstEntry = trends.days.find((day) => day.entries > 0);
  const dates = [firstEntry?.date, trends.sessions[0]?.local_date].filter(Boolean).sort();
  return dates[0] || trends.range.from;
}

function timeAxis(trends) {
  const first = firstDataDate(trends);
  const days = (Date.parse(trends.range.to) - Date.parse(first)) / DAY_MS + 1;
  const unit = days > 200 ? "month" : days > 60 ? "week" : "day";
  return {
    type: "time",
    min: `${first}T00:00:00`,
    max: `${trends.range.to}T23:59:59`,
    time: { unit, isoWeekday: true },
    ticks: {
      maxRotation: 0,
      autoSkip: true,
      maxTicksLimit: 6,
      color: colour("text"),
      callback: (value) => tickLabel(value, unit),
    },
    grid: { color: colour("grid") },
  };
}

const tooltip = { callbacks: { title: (items) => (items.length ? friendlyDay(items[0].parsed.x) : "") } };

// Session markers: a dashed line per session. Labels ("#3") are placed once the axis is known:
// sessions closer than their labels share one ("#3–5"), so labels never overlap.
const LABEL_FONT = { size: 11, weight: "bold" };
const LABEL_PADDING = 3;
const LABEL_GAP = 4;

function sessionLines(sessions, withLabels) {
  const lines = {};
  for (const session of sessions) {
    lines[`session${session.number}`] = {
      type: "line",
      xMin: noon(session.local_date),
      xMax: noon(session.local_date),
      borderColor: colour("session"),
      borderWidth: withLabels ? 2 : 1.5,
      borderDash: [4, 3],
      label: {
        display: false,
        content: `#${session.number}`,
        position: "end",
        backgroundColor: colour("session"),
        color: colour("sessionInk"),
        font: LABEL_FONT,
        padding: LABEL_PADDING,
        xAdjust: 0,
      },
    };
  }
  return lines;
}

function labelText(group) {
  return group.first === group.last ? `#${group.first}` : `#${group.first}–${group.last}`;
}

// Groups of consecutive sessions whose labels would touch, each with its label's centre.
function labelGroups(points, measure, left, right) {
  const width = (group) => measure(labelText(group)) + 2 * LABEL_PADDING;
  const centre = (group) => {
    const half = width(group) / 2;
    const middle = (group.xs[0] + group.xs[group.xs.length - 1]) / 2;
    // Kept off the chart's edges, where the plugin clips what crosses them.
    return Math.min(Math.max(middle, left + half + LABEL_GAP / 2), right - half - LABEL_GAP / 2);
  };
  const groups = points.map((point) => ({ first: point.number, last: point.number, xs: [point.x] }));
  for (let i = 0; i < groups.length - 1; ) {
    const [a, b] = [groups[i], groups[i + 1]];
    if (centre(b) - width(b) / 2 < centre(a) + width(a) / 2 + LABEL_GAP) {
      groups.splice(i, 2, { first: a.first, last: b.last, xs: [...a.xs, ...b.xs] });
      i = Math.max(0, i - 1); // the wider label may now touch the one before
    } else {
      i += 1;
    }
  }
  return groups.map((group) => ({ ...group, text: labelText(group), centre: centre(group) }));
}

function labelSessions(chart, sessions, width = chart.width) {
  const area = chart.chartArea;
  const scale = chart.scales.x;
  if (!area || !scale || !sessions.length) return;
  // On a resize the layout is not redone yet: the axis keeps its width, the area the rest.
  const left = area.left;
  const right = width - (chart.width - area.right);
  const x = (value) => left + ((Date.parse(value) - scale.min) / (scale.max - scale.min)) * (right - left);
  const ctx = chart.ctx;
  ctx.save();
  ctx.font = `${LABEL_FONT.weight} ${LABEL_FONT.size}px ${window.Chart.defaults.font.family}`;
  const measure = (text) => ctx.measureText(text).width;
  const points = sessions.map((session) => ({ number: session.number, x: x(noon(session.local_date)) }));
  const groups = labelGroups(points, measure, left, right);
  ctx.restore();
  const lines = chart.config.options.plugins.annotation.annotations;
  for (const line of Object.values(lines)) {
    line.label.display = false;
    line.z = 0;
  }
  for (const group of groups) {
    // The label hangs on the group's line nearest its centre, shifted onto the centre.
    const host = points
      .filter((point) => point.number >= group.first && point.number <= group.last)
      .reduce((best, point) => (Math.abs(point.x - group.centre) < Math.abs(best.x - group.centre) ? point : best));
    const line = lines[`session${host.number}`];
    line.z = 1; // drawn after the other lines, so none crosses a label
    Object.assign(line.label, { display: true, content: group.text, xAdjust: group.centre - host.x });
  }
}

const painAxis = () => ({
  min: 0,
  max: 10,
  ticks: { stepSize: 2, color: colour("text") },
  grid: { color: colour("grid") },
  title: { display: true, text: t("charts.pain_axis"), color: colour("text") },
  afterFit: fixedWidth,
});

function series(days, key) {
  return days.filter((day) => day[key] !== null).map((day) => ({ x: noon(day.date), y: day[key] }));
}

function legend(show = true) {
  return { display: show, labels: { boxWidth: 14, color: colour("text") } };
}

function timeline(canvas, trends, compact = false) {
  const days = trends.days;
  const dense = (Date.parse(trends.range.to) - Date.parse(firstDataDate(trends))) / DAY_MS > 120;
  const datasets = [
    {
      label: t("charts.daily_pain"),
      data: series(days, "overall"),
      borderColor: colour("overall"),
      backgroundColor: colour("overall"),
      pointRadius: compact ? 3 : dense ? 1.5 : 2.5,
      borderWidth: 1,
      spanGaps: false,
    },
  ];
  if (!compact) {
    datasets.push({
      label: t("charts.rolling"),
      data: series(days, "rolling7"),
      borderColor: colour("rolling"),
      backgroundColor: colour("rolling"),
      pointRadius: 0,
      borderWidth: 3,
      tension: 0.3,
    });
    for (const key of ["back", "leg"]) {
      const points = series(days, key);
      if (points.length) {
        datasets.push({
          label: t(`charts.${key}`),
          data: points,
          borderColor: colour(key),
          backgroundColor: colour(key),
          borderDash: [6, 4],
          pointRadius: 0,
          borderWidth: 1.5,
        });
      }
    }
  }
  const chart = new window.Chart(canvas, {
    type: "line",
    data: { datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      parsing: true,
      layout: { padding: { right: 8 } },
      scales: { x: timeAxis(trends), y: painAxis() },
      plugins: {
        legend: legend(!compact),
        tooltip,
        annotation: { annotations: sessionLines(trends.sessions, true) },
      },
      onResize: (resized, size) => labelSessions(resized, trends.sessions, size.width),
    },
  });
  labelSessions(chart, trends.sessions);
  chart.update("none");
  return chart;
}

// Sleep (higher is better), interference with daily life (higher is worse) and medication days,
// on the pain chart's date axis: a strip to read under the pain line.
function dailyLife(canvas, trends) {
  const days = trends.days;
  const medication = t("charts.medication");
  const medicated = days.filter((day) => day.medicated).map((day) => ({ x: noon(day.date), y: medication }));
  const line = (key, colourKey) => ({
    data: series(days, key),
    borderColor: colour(colourKey),
    backgroundColor: colour(colourKey),
    pointRadius: 1.5,
    borderWidth: 1.5,
    spanGaps: false,
    yAxisID: "y",
  });
  return new window.Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        { label: t("charts.sleep_legend"), name: t("charts.sleep"), ...line("sleep_quality", "sleep") },
        {
          label: t("charts.interference_legend"),
          name: t("charts.interference"),
          ...line("interference", "interference"),
          borderDash: [5, 3],
        },
        {
          label: t("charts.took_medication"),
          data: medicated,
          yAxisID: "medication",
          showLine: false,
          pointStyle: "rect",
          pointRadius: 3.5,
          borderColor: colour("medicated"),
          backgroundColor: colour("medicated"),
        },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      layout: { padding: { right: 8 } },
      scales: {
        x: timeAxis(trends),
        // Stacked axes: the medication row above the 0–10 lines, on one date axis.
        medication: {
          type: "category",
          labels: [medication],
          position: "left",
          stack: "daily-life",
          stackWeight: 1,
          offset: true,
          ticks: { display: false },
          grid: { display: false },
          afterFit: fixedWidth,
        },
        y: {
          min: 0,
          max: 10,
          position: "left",
          stack: "daily-life",
          stackWeight: 4,
          ticks: { stepSize: 5, color: colour("text") },
          grid: { color: colour("grid") },
          title: { display: true, text: t("charts.scale"), color: colour("text") },
          afterFit: fixedWidth,
        },
      },
      plugins: {
        legend: { display: true, labels: { boxWidth: 14, color: colour("text"), usePointStyle: false } },
        tooltip: {
          callbacks: {
            ...tooltip.callbacks,
            label: (item) => (item.dataset.yAxisID === "medication"
              ? t("charts.took_medication")
              : t("charts.value", { name: item.dataset.name, value: formatNumber(item.parsed.y) })),
          },
        },
        annotation: { annotations: sessionLines(trends.sessions, false) },
      },
    },
  });
}

// A questionnaire's scores (PEG, RMDQ, PGIC) on the date axis, with the session markers and a
// dashed line at the score where the change from the first answers becomes meaningful. A choice
// (the PGIC) is drawn as points named by its answers.
function questionnaire(canvas, trends) {
  const { questionnaire: key, name, line } = canvas.dataset;
  const answers = JSON.parse(canvas.dataset.answers || "{}");
  const named = Object.keys(answers).length > 0;
  const points = trends.questionnaires[key].points.map((point) => ({ x: noon(point.date), y: point.score }));
  const axis = timeAxis(trends);
  const first = trends.questionnaires[key].points[0];
  if (first && `${first.date}T00:00:00` < axis.min) axis.min = `${first.date}T00:00:00`;
  const datasets = [
    {
      label: name,
      data: points,
      borderColor: colour("overall"),
      backgroundColor: colour("overall"),
      pointRadius: named ? 5 : 3.5,
      showLine: !named,
      borderWidth: 2,
    },
  ];
  if (canvas.dataset.threshold !== "") {
    const threshold = Number(canvas.dataset.threshold);
    datasets.push({
      label: line,
      data: [{ x: axis.min, y: threshold }, { x: axis.max, y: threshold }],
      borderColor: colour("rolling"),
      backgroundColor: "transparent", // the legend shows a dashed outline, like the line
      borderDash: [6, 4],
      borderWidth: 2,
      pointRadius: 0,
    });
  }
  const [low, high] = [Number(canvas.dataset.low), Number(canvas.dataset.high)];
  const chart = new window.Chart(canvas, {
    type: "line",
    data: { datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      layout: { padding: { right: 8 } },
      scales: {
        x: axis,
        y: {
          min: low,
          max: high,
          ticks: { stepSize: high - low > 12 ? 4 : named ? 1 : 2, color: colour("text") },
          grid: { color: colour("grid") },
          title: { display: true, text: t("charts.score_axis", { name, low, high }), color: colour("text") },
          afterFit: fixedWidth,
        },
      },
      plugins: {
        legend: legend(datasets.length > 1),
        tooltip: {
          filter: (item) => item.datasetIndex === 0,
          callbacks: {
            ...tooltip.callbacks,
            label: (item) => (named
              ? t("charts.answer", { answer: answers[item.parsed.y], score: item.parsed.y })
              : t("charts.value", { name, value: formatNumber(item.parsed.y) })),
          },
        },
        annotation: { annotations: sessionLines(trends.sessions, true) },
      },
      onResize: (resized, size) => labelSessions(resized, trends.sessions, size.width),
    },
  });
  labelSessions(chart, trends.sessions);
  chart.update("none");
  return chart;
}

function bars(canvas, labels, datasets, options = {}) {
  return new window.Chart(canvas, {
    type: "bar",
    data: { labels, datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      ...options,
      plugins: { legend: legend(datasets.length > 1) },
    },
  });
}

function horizontal(canvas, labels, datasets, axisTitle, max) {
  const container = canvas.parentElement;
  const perLabel = datasets.length > 1 ? 44 : 30;
  container.style.height = `${Math.max(120, labels.length * perLabel + 60)}px`;
  // Printed bars are thinner: charts.css sizes the printed box from this.
  container.style.setProperty("--print-height", `${Math.max(100, labels.length * perLabel * 0.6 + 56)}px`);
  return bars(canvas, labels, datasets, {
    indexAxis: "y",
    scales: {
      x: { beginAtZero: true, max, title: { display: true, text: axisTitle }, grid: { color: colour("grid") } },
      // Every label, however little room the printed chart gives it.
      y: { grid: { color: colour("grid") }, ticks: { autoSkip: false } },
    },
  });
}

// Each chart is drawn in a task of its own, so the page stays responsive while they draw
// (one long task for all of them was most of the page's blocking time).
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function drawTrends(payload, charts = []) {
  const { trends, labels } = payload;
  const canvas = (id) => document.getElementById(id);
  if (canvas("chart-timeline")) {
    charts.push(timeline(canvas("chart-timeline"), trends));
  }
  if (canvas("chart-daily-life")) {
    await nextTask();
    charts.push(dailyLife(canvas("chart-daily-life"), trends));
  }
  if (canvas("chart-intervals")) {
    const names = trends.intervals.map((interval) => `#${interval.number}`);
    await nextTask();
    charts.push(
      bars(canvas("chart-intervals"), names, [
        {
          type: "line",
          label: t("charts.level_before"),
          data: trends.intervals.map((interval) => interval.pre_session),
          borderColor: colour("session"),
          backgroundColor: colour("session"),
          pointRadius: 4,
          borderWidth: 2,
        },
        {
          label: t("charts.average_until_next"),
          data: trends.intervals.map((interval) => interval.mean_overall),
          backgroundColor: colour("bar"),
        },
      ], { scales: { y: painAxis(), x: { grid: { color: colour("grid") } } } }),
    );
    await nextTask();
    charts.push(
      bars(canvas("chart-relief"), names, [
        {
          label: t("charts.relief_days"),
          data: trends.intervals.map((interval) => interval.relief_days),
          backgroundColor: colour("overall"),
        },
      ], {
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: t("charts.days_of_relief") }, grid: { color: colour("grid") } },
          x: { grid: { color: colour("grid") } },
        },
      }),
    );
  }
  if (canvas("chart-locations")) {
    const items = trends.locations;
    await nextTask();
    charts.push(horizontal(canvas("chart-locations"),
      items.map((item) => labels.locations[`${item.region}:${item.side}`] || item.region),
      [{ label: t("charts.days"), data: items.map((item) => item.days), backgroundColor: colour("leg") }], t("charts.days")));
  }
  if (canvas("chart-pain-types")) {
    const items = trends.pain_types;
    await nextTask();
    charts.push(horizontal(canvas("chart-pain-types"),
      items.map((item) => labels.pain_types[item.key] || item.key),
      [{ label: t("charts.days"), data: items.map((item) => item.days), backgroundColor: colour("bar") }], t("charts.days")));
  }
  if (canvas("chart-triggers")) {
    const items = trends.triggers;
    await nextTask();
    charts.push(horizontal(canvas("chart-triggers"),
      items.map((item) => labels.triggers[item.key] || item.key),
      [
        { label: t("charts.with_it"), data: items.map((item) => item.mean_with), backgroundColor: colour("leg") },
        { label: t("charts.without_it"), data: items.map((item) => item.mean_without), backgroundColor: colour("barMuted") },
      ], t("charts.average_pain"), 10));
  }
  for (const chart of document.querySelectorAll("canvas[data-questionnaire]")) {
    await nextTask();
    charts.push(questionnaire(chart, trends));
  }
  if (canvas("chart-today")) {
    await nextTask();
    charts.push(timeline(canvas("chart-today"), trends, true));
  }
  return charts;
}

// Printing: paper is light whatever the screen's theme, and each canvas is drawn at the size
// charts.css gives its printed box (--print-width, --print-height), sharp at twice the pixels.
// Chromium fires beforeprint while the screen layout still applies, so the sizes come from CSS.
const PRINT_PIXEL_RATIO = 2;

function printSize(chart) {
  const style = getComputedStyle(chart.canvas.parentElement);
  const size = (name) => parseFloat(style.getPropertyValue(name));
  return [size("--print-width"), size("--print-height")];
}

function watchPrinting(charts) {
  addEventListener("beforeprint", () => {
    usePalette(LIGHT);
    for (const chart of charts) {
      chart.options.devicePixelRatio = PRINT_PIXEL_RATIO;
      const [width, height] = printSize(chart);
      if (width > 0 && height > 0) chart.resize(width, height);
      chart.update("none");
    }
  });
  addEventListener("afterprint", () => {
    usePalette(readPalette());
    for (const chart of charts) {
      chart.options.devicePixelRatio = window.devicePixelRatio;
      chart.resize();
      chart.update("none");
    }
  });
  // A theme change while the page is open (the system's dark mode at dusk) recolours the charts.
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    usePalette(readPalette());
    for (const chart of charts) chart.update("none");
  });
}

function showTablesInstead() {
  for (const chart of document.querySelectorAll(".chart")) chart.hidden = true;
  for (const details of document.querySelectorAll("details.data-table")) details.open = true;
  const note = document.querySelector("[data-chart-fallback]");
  if (note) note.hidden = false;
}

function loadScript({ src, integrity }) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.integrity = integrity;
    script.crossOrigin = "anonymous";
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

function pluginsReady() {
  const adapter = window.Chart._adapters && window.Chart._adapters._date;
  return Boolean(window["chartjs-plugin-annotation"]) && adapter && adapter.prototype._id === "date-fns";
}

async function start(payload) {
  const charts = [];
  try {
    if (typeof window.Chart !== "function") throw new Error("Chart.js did not load");
    const self = document.querySelector("script[data-chart-plugins]");
    await Promise.all(JSON.parse(self.dataset.chartPlugins).map(loadScript));
    if (!pluginsReady()) throw new Error("a Chart.js plugin did not load");
    usePalette(readPalette());
    await drawTrends(payload, charts);
    watchPrinting(charts);
    window.diaryCharts = charts;
    document.body.dataset.charts = "ready";
  } catch (error) {
    for (const chart of charts) chart.destroy();
    showTablesInstead();
    document.body.dataset.charts = "tables";
  }
}

const payload = readData("trends-data");
if (payload) start(payload);
