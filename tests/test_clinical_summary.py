"""The words a clinician reads first: the summary on Trends and the report, and "too early"."""

from helpers import entry_body, session_body


def test_a_new_patient_sees_not_enough_data_yet_with_the_reason(api):
    for hour in (8, 13, 20):
        api.post("/entries", entry_body(recorded_at=f"2026-03-02T{hour:02d}:00:00Z", notes=""))
    trends = api.get("/trends?from=2026-03-01&to=2026-03-02").get_json()
    assert trends["progress"]["overall"]["category"] == "too_early"
    html = api.client.get("/trends?from=2026-03-01&to=2026-03-02").get_data(as_text=True)
    assert "Not enough data yet" in html
    assert "overlap" in html and "more days" in html
    assert "minimal improvement" not in html.lower()


def test_too_early_names_the_thin_window(api):
    for day in (1, 2):
        api.post("/entries", entry_body(recorded_at=f"2026-03-0{day}T08:00:00Z", notes=""))
    for day in (20, 21, 22):
        api.post("/entries", entry_body(recorded_at=f"2026-03-{day}T08:00:00Z", notes=""))
    html = api.client.get("/trends?from=2026-03-01&to=2026-03-22").get_data(as_text=True)
    assert "baseline from 2 days of entries (3 needed)" in html


def test_the_summary_says_where_what_why_and_the_data_behind_it(api):
    for day in range(1, 11):
        api.post(
            "/entries",
            entry_body(
                recorded_at=f"2026-03-{day:02d}T08:00:00Z",
                pain={"overall": 7 if day % 2 else 4, "back": None, "leg": None},
                triggers=["sitting"] if day % 2 else [],
                relievers=["heat"],
                sleep_quality=3,
                interference=6,
                medications="Ibuprofen" if day <= 3 else "",
                notes="",
            ),
        )
    api.post("/sessions", session_body(started_at="2026-03-05T10:00:00Z"))
    html = api.client.get("/trends?from=2026-03-01&to=2026-03-10").get_data(as_text=True)
    assert "In brief" in html
    assert "Buttock (left) (10 days)" in html
    assert "Sitting: pain 7.0 on days with it, 4.0 without (5 days)" in html
    assert "Heat (10 d)" in html
    assert "the last one: pain 6 → 3" in html
    assert "Sleep quality" in html and "3.0/10 on average" in html
    assert "on 3 of 10 days with entries" in html
    assert "10 entries on 10 days" in html
