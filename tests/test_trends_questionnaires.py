"""Trends' ``questionnaires`` (PRODUCT.md section 11) on hand-computed cases, through the pure
``compute_trends``, and through the API (the trends cache sees a new response at once)."""

from datetime import UTC, date, datetime

import pytest
from helpers import RED_FLAGS_NO, response_body, rmdq_answers

from diary.services.trends import ResponseRow, compute_trends

D = date.fromisoformat


def row(instrument, answered_at, score, local_date=None, rid=None):
    """A response row: answered at ``answered_at`` (UTC), dated that day unless told."""
    instant = datetime.fromisoformat(answered_at).replace(tzinfo=UTC)
    local = D(local_date) if local_date else instant.date()
    return ResponseRow(rid or f"{instrument}-{answered_at}", instrument, instant, local, score)


def questionnaires(rows, date_from="2026-03-05", date_to="2026-03-20"):
    """The ``questionnaires`` of a trends document over these responses (sorted as the
    database sorts them: by answered_at, then id)."""
    ordered = sorted(rows, key=lambda r: (r.answered_at, r.id))
    document = compute_trends([], [], [], D(date_from), D(date_to), "UTC", ordered)
    return document["questionnaires"]


PEG_ROWS = [
    row("peg", "2026-03-01T09:00", 20 / 3),  # the baseline, before the range
    row("peg", "2026-03-08T20:00", 4),  # the same date, later: this one is the point
    row("peg", "2026-03-08T09:00", 5),
    row("peg", "2026-03-15T09:00", 14 / 3),
    row("peg", "2026-03-25T09:00", 1),  # after `to`: neither a point nor the latest
]


def test_no_responses_means_null_for_each_charted_instrument():
    assert questionnaires([]) == {"peg": None, "rmdq": None, "pgic": None}


def test_red_flags_are_never_charted():
    rows = [row("red_flags", "2026-03-08T09:00", 1)]
    assert questionnaires(rows) == {"peg": None, "rmdq": None, "pgic": None}


def test_peg_points_baseline_latest_and_a_30_percent_improvement():
    assert questionnaires(PEG_ROWS)["peg"] == {
        "points": [{"date": "2026-03-08", "score": 4}, {"date": "2026-03-15", "score": 4.67}],
        "baseline": 6.67,
        "latest": 4.67,
        "change": -2.0,
        "percent": -30.0,  # (14/3 - 20/3) / (20/3): exactly 30 %, counted as meaningful
        "meaningful": True,
    }


def test_latest_is_the_last_response_on_or_before_to():
    peg = questionnaires(PEG_ROWS, "2026-03-05", "2026-03-10")["peg"]
    assert peg["points"] == [{"date": "2026-03-08", "score": 4}]
    assert (peg["latest"], peg["change"], peg["percent"]) == (4, -2.67, -40.0)
    assert peg["meaningful"] is True


def test_points_are_only_in_range_but_the_baseline_is_the_first_response_ever():
    peg = questionnaires(PEG_ROWS, "2026-03-14", "2026-03-31")["peg"]
    assert peg["points"] == [
        {"date": "2026-03-15", "score": 4.67},
        {"date": "2026-03-25", "score": 1},
    ]
    assert (peg["baseline"], peg["latest"], peg["change"], peg["percent"]) == (
        6.67,
        1,
        -5.67,
        -85.0,
    )


def test_null_when_no_response_is_dated_on_or_before_to():
    assert questionnaires(PEG_ROWS, "2026-02-01", "2026-02-28")["peg"] is None


def test_a_single_response_is_its_own_baseline_and_never_meaningful():
    peg = questionnaires([row("peg", "2026-03-08T09:00", 6)])["peg"]
    assert peg == {
        "points": [{"date": "2026-03-08", "score": 6}],
        "baseline": 6,
        "latest": 6,
        "change": 0,
        "percent": 0,
        "meaningful": False,
    }


def test_a_baseline_of_0_has_no_percent_and_is_never_meaningful():
    peg = questionnaires([row("peg", "2026-03-06T09:00", 0), row("peg", "2026-03-09T09:00", 3)])
    assert peg["peg"]["percent"] is None and peg["peg"]["change"] == 3
    assert peg["peg"]["meaningful"] is False


def test_worse_is_not_meaningful():
    peg = questionnaires([row("peg", "2026-03-06T09:00", 4), row("peg", "2026-03-09T09:00", 7)])
    assert (peg["peg"]["change"], peg["peg"]["percent"], peg["peg"]["meaningful"]) == (
        3,
        75.0,
        False,
    )


@pytest.mark.parametrize(
    ("baseline", "latest", "change", "percent", "meaningful"),
    [
        (14, 9, -5, -35.71, True),  # 5 points
        (14, 10, -4, -28.57, False),  # neither 5 points nor 30 %
        (10, 7, -3, -30.0, True),  # 30 %
        (4, 0, -4, -100.0, True),
        (0, 0, 0, None, False),
    ],
)
def test_rmdq_five_points_or_thirty_percent(baseline, latest, change, percent, meaningful):
    rows = [row("rmdq", "2026-03-06T09:00", baseline), row("rmdq", "2026-03-18T09:00", latest)]
    rmdq = questionnaires(rows)["rmdq"]
    assert (rmdq["change"], rmdq["percent"], rmdq["meaningful"]) == (change, percent, meaningful)


@pytest.mark.parametrize(
    ("answers", "latest", "meaningful"),
    [
        ([2], 2, True),  # a single response: judged all the same
        ([1], 1, True),
        ([4, 3], 3, False),
        ([4, 2], 2, True),
        ([2, 5], 5, False),
    ],
)
def test_pgic_is_meaningful_when_the_latest_answer_is_1_or_2(answers, latest, meaningful):
    rows = [row("pgic", f"2026-03-{6 + n:02d}T09:00", value) for n, value in enumerate(answers)]
    pgic = questionnaires(rows)["pgic"]
    assert (pgic["baseline"], pgic["change"], pgic["percent"]) == (None, None, None)
    assert (pgic["latest"], pgic["meaningful"]) == (latest, meaningful)
    assert [point["score"] for point in pgic["points"]] == answers


def test_the_local_date_decides_the_range_not_the_utc_day():
    # Answered late on the 20th in UTC, but on the 21st where the patient is (UTC+14).
    rows = [
        row("peg", "2026-03-06T09:00", 6),
        row("peg", "2026-03-20T23:30", 3, local_date="2026-03-21"),
    ]
    peg = questionnaires(rows)["peg"]
    assert peg["latest"] == 6 and peg["points"] == [{"date": "2026-03-06", "score": 6}]


def test_several_on_one_date_keep_the_latest_by_answered_at_whatever_the_id():
    rows = [
        row("peg", "2026-03-08T21:00", 2, rid="a"),
        row("peg", "2026-03-08T07:00", 8, rid="z"),
    ]
    assert questionnaires(rows)["peg"]["points"] == [{"date": "2026-03-08", "score": 2}]


# --- through the API --------------------------------------------------------------------------


def _trends(api, query="from=2026-03-01&to=2026-03-31"):
    return api.get(f"/trends?{query}").get_json()["questionnaires"]


def test_trends_answer_questionnaires_and_see_each_change_at_once(api):
    assert _trends(api) == {"peg": None, "rmdq": None, "pgic": None}  # cached now
    first = response_body(answers={"pain": 7, "enjoyment": 7, "activity": 6})
    api.post("/responses", first)
    assert _trends(api)["peg"]["points"] == [{"date": "2026-03-02", "score": 6.67}]
    later = response_body(
        answered_at="2026-03-16T09:00:00Z", answers={"pain": 4, "enjoyment": 4, "activity": 5}
    )
    api.post("/responses", later)
    peg = _trends(api)["peg"]
    assert (peg["baseline"], peg["latest"], peg["change"], peg["percent"]) == (
        6.67,
        4.33,
        -2.33,
        -35.0,
    )
    assert peg["meaningful"] is True
    api.put(f"/responses/{later['id']}", {**later, "answers": {**later["answers"], "pain": 9}})
    assert _trends(api)["peg"]["latest"] == 6
    api.delete(f"/responses/{later['id']}")
    assert _trends(api)["peg"]["latest"] == 6.67
    api.post("/responses", response_body(instrument="rmdq", answers=rmdq_answers(12)))
    api.post("/responses", response_body(instrument="red_flags", answers=RED_FLAGS_NO))
    assert _trends(api)["rmdq"]["latest"] == 12


def test_the_share_report_trends_hold_the_same_questionnaires(api, app):
    api.post("/responses", response_body(instrument="pgic", answers={"change": 2}))
    assert api.post("/me/confirm", {"password": "correct horse battery"}).status_code == 204
    token = api.post("/shares", {"label": "Dr Lee"}).get_json()["token"]
    query = "from=2026-03-01&to=2026-03-31"
    shared = app.test_client().get(f"/s/{token}/trends?{query}")
    own = api.get(f"/trends?{query}")
    assert shared.get_data() == own.get_data()
    assert shared.get_json()["questionnaires"]["pgic"]["meaningful"] is True


def test_another_patients_responses_never_reach_my_trends(api, other_api):
    other_api.post("/responses", response_body())
    assert _trends(api) == {"peg": None, "rmdq": None, "pgic": None}
    assert _trends(other_api)["peg"]["latest"] == 6


def test_the_report_shows_the_questionnaires_and_every_red_flag_yes(api, app):
    from helpers import entry_body

    api.post("/entries", entry_body(recorded_at="2026-03-02T08:00:00Z"))
    api.post("/responses", response_body(answered_at="2026-03-02T09:00:00Z"))
    assert api.post("/me/confirm", {"password": "correct horse battery"}).status_code == 204
    token = api.post("/shares", {"label": "Dr Lee"}).get_json()["token"]
    report = app.test_client().get(f"/s/{token}?from=2026-03-01&to=2026-03-31")
    page = report.get_data(as_text=True)
    assert 'id="report-questionnaires-heading"' in page and "PEG 6 → 6" in page
    assert "Warning signs reported" not in page
    api.post(
        "/responses",
        response_body(
            instrument="red_flags",
            answered_at="2026-03-04T09:00:00Z",
            answers={**RED_FLAGS_NO, "bladder": True, "both_legs": True},
        ),
    )
    api.post("/responses", response_body(instrument="red_flags", answers=RED_FLAGS_NO))
    page = app.test_client().get(f"/s/{token}?from=2026-03-01&to=2026-03-31").get_data(
        as_text=True
    )
    assert "Warning signs reported" in page
    assert '<time datetime="2026-03-04">' in page
    assert "New trouble passing urine, or leaking urine?" in page
    assert "pain, numbness or weakness in both legs" in page
