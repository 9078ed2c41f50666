// Charts for the trends page and today's view, drawn from the JSON block the page carries
// (no inline script, so a strict Content-Security-Policy can follow). Every chart has a data
// table next to it; if Chart.js cannot load, the tables are opened instead.

const COLOURS = {
  overall: "#0f5c63",
  rolling: "#1c2a30",
  back: "#7a4fa0",
  leg: "#b3361e",
  session: "#a35200",
  bar: "#2f7f88",
  barMuted: "#9fb4ba",
};

function readData(id) {
  const block = document.getElementById(id);
  return block ? JSON.parse(block.textContent) : null;
}

const noon = (date) => `${date}T12:00:00`;

function sessionMarkers(sessions) {
  const markers = {};
  for (const session of sessions) {
    markers[`session${session.number}`] = {
      type: "line",
      xMin: noon(session.local_date),
      xMax: noon(session.local_date),
      borderColor: COLOURS.session,
      borderWidth: 2,
      borderDash: [4, 3],
      label: {
        display: true,
        content: `#${session.number}`,
        position: "start",
        backgroundColor: COLOURS.session,
        color: "#fff",
        font: { size: 11, weight: "bold" },
        padding: 3,
      },
    };
  }
  return markers;
}

const painAxis = {
  min: 0,
  max: 10,
  ticks: { stepSize: 2 },
  title: { display: true, text: "Pain (0–10)" },
};

function timeAxis(range) {
  return {
    type: "time",
    min: `${range.from}T00:00:00`,
    max: `${range.to}T23:59:59`,
    time: { unit: "day", tooltipFormat: "EEE d MMM yyyy", displayFormats: { day: "d MMM" } },
    ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 },
  };
}

function series(days, key) {
  return days.filter((day) => day[key] !== null).map((day) => ({ x: noon(day.date), y: day[key] }));
}

function timeline(canvas, trends, compact = false) {
  const days = trends.days;
  const datasets = [
    {
      label: "Daily pain",
      data: series(days, "overall"),
      borderColor: COLOURS.overall,
      backgroundColor: COLOURS.overall,
      pointRadius: compact ? 3 : 2.5,
      borderWidth: 1,
      spanGaps: false,
    },
  ];
  if (!compact) {
    datasets.push({
      label: "7-day average",
      data: series(days, "rolling7"),
      borderColor: COLOURS.rolling,
      pointRadius: 0,
      borderWidth: 3,
      tension: 0.3,
    });
    for (const key of ["back", "leg"]) {
      const points = series(days, key);
      if (points.length) {
        datasets.push({
          label: key === "back" ? "Back pain" : "Leg pain",
          data: points,
          borderColor: COLOURS[key],
          backgroundColor: COLOURS[key],
          borderDash: [6, 4],
          pointRadius: 0,
          borderWidth: 1.5,
          hidden: false,
        });
      }
    }
  }
  return new window.Chart(canvas, {
    type: "line",
    data: { datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      parsing: true,
      scales: { x: timeAxis(trends.range), y: painAxis },
      plugins: {
        legend: { display: !compact, labels: { boxWidth: 14 } },
        annotation: { annotations: sessionMarkers(trends.sessions) },
      },
    },
  });
}

function bars(canvas, labels, datasets, options = {}) {
  return new window.Chart(canvas, {
    type: "bar",
    data: { labels, datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      ...options,
      plugins: { legend: { display: datasets.length > 1, labels: { boxWidth: 14 } } },
    },
  });
}

function horizontal(canvas, labels, datasets, axisTitle, max) {
  const container = canvas.parentElement;
  container.style.height = `${Math.max(120, labels.length * (datasets.length > 1 ? 44 : 30) + 60)}px`;
  return bars(canvas, labels, datasets, {
    indexAxis: "y",
    scales: { x: { beginAtZero: true, max, title: { display: true, text: axisTitle } } },
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
  if (canvas("chart-intervals")) {
    const names = trends.intervals.map((interval) => `#${interval.number}`);
    await nextTask();
    charts.push(
      bars(canvas("chart-intervals"), names, [
        {
          type: "line",
          label: "Level before (3 days)",
          data: trends.intervals.map((interval) => interval.pre_session),
          borderColor: COLOURS.session,
          backgroundColor: COLOURS.session,
          pointRadius: 4,
          borderWidth: 2,
        },
        {
          label: "Average until next session",
          data: trends.intervals.map((interval) => interval.mean_overall),
          backgroundColor: COLOURS.bar,
        },
      ], { scales: { y: painAxis } }),
    );
    await nextTask();
    charts.push(
      bars(canvas("chart-relief"), names, [
        {
          label: "Relief days",
          data: trends.intervals.map((interval) => interval.relief_days),
          backgroundColor: COLOURS.overall,
        },
      ], { scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Days of relief" } } } }),
    );
  }
  if (canvas("chart-locations")) {
    const items = trends.locations;
    await nextTask();
    charts.push(horizontal(canvas("chart-locations"),
      items.map((item) => labels.locations[`${item.region}:${item.side}`] || item.region),
      [{ label: "Days", data: items.map((item) => item.days), backgroundColor: COLOURS.leg }], "Days"));
  }
  if (canvas("chart-pain-types")) {
    const items = trends.pain_types;
    await nextTask();
    charts.push(horizontal(canvas("chart-pain-types"),
      items.map((item) => labels.pain_types[item.key] || item.key),
      [{ label: "Days", data: items.map((item) => item.days), backgroundColor: COLOURS.bar }], "Days"));
  }
  if (canvas("chart-triggers")) {
    const items = trends.triggers;
    await nextTask();
    charts.push(horizontal(canvas("chart-triggers"),
      items.map((item) => labels.triggers[item.key] || item.key),
      [
        { label: "Pain on days with it", data: items.map((item) => item.mean_with), backgroundColor: COLOURS.leg },
        { label: "Pain on days without", data: items.map((item) => item.mean_without), backgroundColor: COLOURS.barMuted },
      ], "Average pain (0–10)", 10));
  }
  if (canvas("chart-today")) {
    await nextTask();
    charts.push(timeline(canvas("chart-today"), trends, true));
  }
  return charts;
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
    await drawTrends(payload, charts);
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
