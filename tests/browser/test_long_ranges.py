"""Long ranges (issue 12, 6): the 6-month, 1-year and All presets on Trends and the report.

The date axis starts at the first data in the range (the JSON range stays as asked), and session
labels stay legible when sessions are close: close ones share a label ("#4–7"), none overlap.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import PASSWORD, Api, register

from diary.core.timeutil import local_today

from .conftest import PHONE

DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
CLOSE_EMAIL = "close@example.com"
TIMEZONE = "Europe/London"
# Days before today: weekly, then twice weekly, then three days running, then one more.
CLOSE_SESSION_DAYS = [60, 53, 46, 42, 39, 35, 32, 20, 19, 18, 5]
ENTRY_EVERY_DAYS, ENTRY_SPAN_DAYS = 3, 300
TIMELINE = """() => {
  const chart = window.diaryCharts.find((chart) => chart.canvas.id === "chart-timeline");
  const trends = JSON.parse(document.getElementById("trends-data").textContent).trends;
  const plugin = window["chartjs-plugin-annotation"];
  const labels = plugin.getAnnotations(chart)
    .filter((line) => line.label && line.label.options.display)
    .map((line) => ({
      text: String(line.label.options.content),
      left: line.label.x, right: line.label.x2, top: line.label.y, bottom: line.label.y2,
    }));
  return {
    range: trends.range,
    first: trends.days.find((day) => day.entries > 0)?.date,
    firstSession: trends.sessions[0]?.local_date,
    sessions: trends.sessions.map((session) => session.number),
    axisMin: chart.scales.x.min,
    area: { left: chart.chartArea.left, right: chart.chartArea.right },
    labels,
  };
}"""
LOCAL_MIDNIGHT = "(day) => new Date(`${day}T00:00:00`).getTime()"


@pytest.fixture(scope="module")
def close_sessions(module_app, seeded, browser):
    """A patient with 300 days of entries and sessions as close as three days running; the
    report's path and a logged-in browser state."""
    client = module_app.test_client()
    assert register(client, CLOSE_EMAIL, timezone=TIMEZONE).status_code == 303
    api = Api(client)
    today = local_today(TIMEZONE)
    # Never in the future (refused): before 08:30 in London today's entry is a minute ago.
    now = datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None, second=0, microsecond=0)
    for back in range(ENTRY_SPAN_DAYS, -1, -ENTRY_EVERY_DAYS):
        day = today - timedelta(days=back)
        at = min(datetime.combine(day, time(8, 30)), now - timedelta(minutes=1))
        body = {"recorded_at": at.isoformat(timespec="minutes"), "pain": {"overall": 3 + back % 5}}
        assert api.post("/entries", body).status_code == 201
    for back in CLOSE_SESSION_DAYS:
        day = today - timedelta(days=back)
        created = api.post("/sessions", {"started_at": f"{day}T10:00", "pain_before": 6})
        assert created.status_code == 201
    created = api.post("/shares", {"label": "Clinic"})  # just signed up: the password is fresh
    assert created.status_code == 201, created.get_json()
    token = created.get_json()["token"]
    context = browser.new_context(base_url=seeded.url)
    page = context.new_page()
    page.goto("/login")
    page.locator("#email").fill(CLOSE_EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    state = context.storage_state()
    context.close()
    return {"report": f"/s/{token}", "state": state}


def label_numbers(text):
    """The session numbers a label names: ``#4`` or ``#4–7``."""
    first, _, last = text.lstrip("#").partition("–")
    return set(range(int(first), int(last or first) + 1))


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("where", ["trends", "report"])
@pytest.mark.parametrize("preset", ["182", "365", "all"])
def test_axis_starts_at_the_first_data_and_the_range_stays(
    seeded, seeded_page, preset, where, viewport
):
    """Ten weeks of diary fill the chart whatever the preset; the JSON keeps the range asked."""
    path = f"/trends?days={preset}" if where == "trends" else f"{seeded.report}?days={preset}"
    page = seeded_page(path, viewport, patient=where == "trends")
    state = page.evaluate(TIMELINE)
    first, last = (date.fromisoformat(state["range"][end]) for end in ("from", "to"))
    if preset != "all":
        assert (last - first).days == int(preset) - 1
    data_starts = min(day for day in (state["first"], state["firstSession"]) if day)
    assert data_starts > state["range"]["from"] or preset == "all"
    assert state["axisMin"] == page.evaluate(LOCAL_MIDNIGHT, data_starts)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("where", ["trends", "report"])
@pytest.mark.parametrize("preset", ["182", "365", "all"])
def test_session_labels_never_overlap(seeded, seeded_page, close_sessions, preset, where, viewport):
    """Sessions days apart share a label; every session in range is named by one label, and
    the labels sit inside the chart without touching each other."""
    on_trends = where == "trends"
    path = f"/trends?days={preset}" if on_trends else f"{close_sessions['report']}?days={preset}"
    login_state = close_sessions["state"] if on_trends else None
    page = seeded_page(path, viewport, patient=False, storage_state=login_state)
    state = page.evaluate(TIMELINE)
    labels = sorted(state["labels"], key=lambda label: label["left"])
    assert labels, state
    named = [number for label in labels for number in label_numbers(label["text"])]
    assert sorted(named) == state["sessions"], labels
    for label in labels:
        assert state["area"]["left"] - 0.5 <= label["left"], label
        assert label["right"] <= state["area"]["right"] + 0.5, label
    for before, after in zip(labels, labels[1:], strict=False):
        assert before["right"] < after["left"], (before, after)
