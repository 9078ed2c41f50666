"""Sleep, daily life and medication next to the pain line, and friendly dates (issue 12, 3 and 7).

The strip under the pain chart shares its date axis (same dates at the same x), says which way
is better for each measure, and has its data table. Pages, tables and charts write dates as
"Wed 25 Nov 2026", never ISO ``2026-11-25``.
"""

import re

import pytest

from diary.core.templating import friendly_date, friendly_range

from .cdn import AXE, package_file
from .conftest import PHONE

DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
PLACES = [pytest.param("/trends", id="trends"), pytest.param("report", id="report")]
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
TICK = re.compile(r"^(\d{1,2} [A-Z][a-z]{2}|[A-Z][a-z]{2} \d{4})$")
STRIP = """() => {
  const find = (id) => window.diaryCharts.find((chart) => chart.canvas.id === id);
  const strip = find("chart-daily-life");
  const pain = find("chart-timeline");
  const set = (start) => strip.data.datasets.find((dataset) => dataset.label.startsWith(start));
  const pairs = (dataset) => dataset.data.map((point) => [point.x.slice(0, 10), point.y]);
  const across = (chart) =>
    [chart.scales.x.min, chart.scales.x.max, chart.chartArea.left, chart.chartArea.right];
  return {
    days: JSON.parse(document.getElementById("trends-data").textContent).trends.days,
    sleep: pairs(set("Sleep")),
    interference: pairs(set("Pain in the way")),
    medicated: set("Took medication").data.map((point) => point.x.slice(0, 10)),
    legend: strip.legend.legendItems.map((item) => item.text),
    painAxis: across(pain),
    stripAxis: across(strip),
    scale: [strip.scales.y.min, strip.scales.y.max],
  };
}"""
# The tooltip of the pain chart's first point, as a reader hovering it sees it.
FIRST_POINT_TOOLTIP = """() => {
  const chart = window.diaryCharts.find((chart) => chart.canvas.id === "chart-timeline");
  const point = chart.getDatasetMeta(0).data[0];
  chart.tooltip.setActiveElements([{ datasetIndex: 0, index: 0 }], { x: point.x, y: point.y });
  chart.update("none");
  return { date: chart.data.datasets[0].data[0].x.slice(0, 10), title: chart.tooltip.title };
}"""
DATE_TICKS = """() => window.diaryCharts
  .filter((chart) => chart.scales.x?.type === "time")
  .flatMap((chart) => chart.scales.x.ticks.map((tick) => tick.label))"""
DAYS = """() => JSON.parse(document.getElementById("trends-data").textContent).trends.days"""
OPEN_TABLES = """() => {
  for (const details of document.querySelectorAll("details.data-table")) details.open = true;
}"""


def open_place(seeded, seeded_page, place, viewport=PHONE):
    """Trends as the demo patient, or the report as the practitioner, charts drawn."""
    is_report = place == "report"
    page = seeded_page(seeded.report if is_report else place, viewport, patient=not is_report)
    assert page.evaluate("() => document.body.dataset.charts") == "ready"
    return page


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("place", PLACES)
def test_sleep_daily_life_and_medication_under_the_pain_line(seeded, seeded_page, place, viewport):
    """The strip charts each day's values, medication days as marks, on the pain chart's axis."""
    page = open_place(seeded, seeded_page, place, viewport)
    strip = page.evaluate(STRIP)
    days = strip["days"]
    assert strip["sleep"] == [
        [d["date"], d["sleep_quality"]] for d in days if d["sleep_quality"] is not None
    ]
    assert strip["interference"] == [
        [d["date"], d["interference"]] for d in days if d["interference"] is not None
    ]
    assert strip["medicated"] == [d["date"] for d in days if d["medicated"]]
    assert strip["sleep"] and strip["interference"] and strip["medicated"]
    # The same dates sit at the same x in both charts.
    for pain, daily in zip(strip["painAxis"], strip["stripAxis"], strict=True):
        assert abs(pain - daily) <= 0.5, (strip["painAxis"], strip["stripAxis"])
    assert strip["scale"] == [0, 10]
    # Which way is better, in the legend and in the words above the chart.
    assert strip["legend"] == [
        "Sleep (10 = very well)",
        "Pain in the way of daily life (10 = completely)",
        "Took medication",
    ]
    hint = page.locator("#daily-life-heading + .hint").inner_text()
    assert "Sleep: higher is better" in hint and "Daily life: higher is worse" in hint


@pytest.mark.parametrize("place", PLACES)
def test_sleep_daily_life_and_medication_table(seeded, seeded_page, place):
    """Its data table lists every day with entries: sleep, daily life, medication Yes/No."""
    page = open_place(seeded, seeded_page, place)
    days = [d for d in page.evaluate(DAYS) if d["entries"]]
    page.evaluate(OPEN_TABLES)
    rows = page.locator("table:has(#daily-life-caption) tbody tr").all()
    assert len(rows) == len(days)

    def value(cell):
        return None if cell == "–" else float(cell)

    for row, day in zip(rows, days, strict=True):
        cells = row.locator("th, td").all_inner_texts()
        date, sleep, interference, medicated = cells
        assert date == friendly_date(day["date"])
        assert (value(sleep), value(interference)) == (day["sleep_quality"], day["interference"])
        assert medicated == ("Yes" if day["medicated"] else "No")


@pytest.mark.parametrize("place", PLACES)
def test_dates_are_friendly_on_the_page_and_in_the_charts(seeded, seeded_page, place):
    """The range, every table and the charts' axes and tooltips read "Wed 25 Nov 2026"."""
    page = open_place(seeded, seeded_page, place, DESKTOP)
    days = page.evaluate(DAYS)
    page.evaluate(OPEN_TABLES)
    main = page.locator("main")
    assert friendly_range(days[0]["date"], days[-1]["date"]) in main.inner_text()
    text = page.evaluate(
        """() => [...document.querySelector("main").children]
          .filter((block) => block.tagName !== "SCRIPT")
          .map((block) => block.innerText).join("\\n")"""
    )
    assert ISO_DATE.findall(text) == []
    first_day = next(d["date"] for d in days if d["entries"])
    assert main.locator("table:has(#daily-caption) tbody th").first.inner_text() == (
        friendly_date(first_day)
    )
    ticks = page.evaluate(DATE_TICKS)
    assert ticks and [tick for tick in ticks if not TICK.match(tick)] == []
    tooltip = page.evaluate(FIRST_POINT_TOOLTIP)
    assert tooltip["title"] == [friendly_date(tooltip["date"])]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("path", ["/trends", "/trends?days=365", "report", "report?days=all"])
def test_axe_finds_no_violations_on_the_chart_pages(seeded, seeded_page, path, viewport, scheme):
    """axe-core finds nothing to fix on Trends and the report, tables open, light and dark."""
    # The page's CSP forbids inline scripts, add_script_tag's way in: axe gets bypass_csp.
    options = {"bypass_csp": True, "color_scheme": scheme}
    if path.startswith("report"):
        page = seeded_page(path.replace("report", seeded.report), viewport, False, **options)
    else:
        page = seeded_page(path, viewport, **options)
    page.evaluate(OPEN_TABLES)
    page.add_script_tag(content=package_file(*AXE).read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => (await axe.run()).violations.map((violation) => `${violation.id}: ${
          violation.nodes.map((node) => node.target.join(" ")).join(", ")}`)"""
    )
    assert violations == []
