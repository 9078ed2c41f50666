"""PRODUCT.md section 7 on small hand-computed cases, through the pure ``compute_trends``."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from diary.services.trends import Point, SessionRow, Tags, compute_trends

D = date.fromisoformat


def at(text, tz="UTC"):
    """An aware instant from local ``YYYY-MM-DDTHH:MM`` in ``tz``."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def point(text, overall, back=None, leg=None, tz="UTC", **extra):
    """An entry's numbers; its local date is taken in ``tz``."""
    local = datetime.fromisoformat(text)
    return Point(at(text, tz), local.date(), overall, back, leg, **extra)


def session(sid, text, tz="UTC", before=None, after=None):
    """A session row."""
    local = datetime.fromisoformat(text)
    return SessionRow(sid, at(text, tz), local.date(), "Dr Lee", ["manual"], before, after)


def trends(points, sessions=(), date_from="2026-03-01", date_to="2026-03-10", tags=(), tz="UTC"):
    """compute_trends with sorted inputs."""
    return compute_trends(
        sorted(points),
        list(tags),
        sorted(sessions, key=lambda s: s.started_at),
        D(date_from),
        D(date_to),
        tz,
    )


def day(result, text):
    """The ``days`` row of a date."""
    return next(row for row in result["days"] if row["date"] == text)


def test_days_cover_the_range_with_nulls_on_empty_days():
    result = trends([point("2026-03-02T08:00", 4)], date_from="2026-03-01", date_to="2026-03-03")
    assert [row["date"] for row in result["days"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert day(result, "2026-03-01") == {
        "date": "2026-03-01",
        "overall": None,
        "overall_max": None,
        "back": None,
        "leg": None,
        "entries": 0,
        "rolling7": None,
        "sleep_quality": None,
        "interference": None,
        "medicated": None,
    }
    assert result["range"] == {"from": "2026-03-01", "to": "2026-03-03"}


def test_several_entries_a_day_and_nulls_in_back_and_leg():
    points = [
        point("2026-03-02T08:00", 3, back=2),
        point("2026-03-02T13:00", 6, leg=7),
        point("2026-03-02T21:00", 4, back=5),
    ]
    row = day(trends(points), "2026-03-02")
    assert row["overall"] == pytest.approx(4.33)  # (3 + 6 + 4) / 3, rounded only on output
    assert row["overall_max"] == 6
    assert row["back"] == 3.5  # only the two entries that recorded back pain
    assert row["leg"] == 7
    assert row["entries"] == 3


def test_sleep_interference_and_medication_per_day():
    points = [
        point("2026-03-02T08:00", 5, sleep_quality=3, interference=6),
        point("2026-03-02T20:00", 6, sleep_quality=None, interference=7, medicated=True),
        point("2026-03-03T08:00", 4, sleep_quality=8),
        point("2026-03-04T08:00", 4, sleep_quality=6, interference=2),
        point("2026-03-04T21:00", 3, sleep_quality=7, interference=3),
    ]
    result = trends(points, date_from="2026-03-01", date_to="2026-03-04")
    assert [
        (row["sleep_quality"], row["interference"], row["medicated"]) for row in result["days"]
    ] == [
        (None, None, None),  # no entries: unknown, not "not medicated"
        (3, 6.5, True),  # sleep from the one entry that has it; any medicated entry counts
        (8, None, False),
        (6.5, 2.5, False),
    ]

def test_rolling7_is_a_mean_of_day_means_and_counts_days_before_from():
    points = [
        point("2026-02-24T08:00", 9),  # eight days before 03-04: outside its window
        point("2026-02-26T08:00", 2),  # before `from`, inside the window of 03-01..03-04
        point("2026-03-01T08:00", 4),
        point("2026-03-01T20:00", 8),  # day mean 6: the day counts once, not twice
        point("2026-03-04T08:00", 7),
    ]
    result = trends(points, date_from="2026-03-01", date_to="2026-03-05")
    assert day(result, "2026-03-01")["rolling7"] == pytest.approx((9 + 2 + 6) / 3, abs=0.005)
    assert day(result, "2026-03-02")["rolling7"] == pytest.approx(5.67)  # [02-24, 03-02]
    assert day(result, "2026-03-03")["rolling7"] == 4.0  # 02-24 left the window: (2 + 6) / 2
    assert day(result, "2026-03-04")["rolling7"] == 5.0  # (2 + 6 + 7) / 3
    assert day(result, "2026-03-05")["rolling7"] == 6.5  # 02-26 left too: (6 + 7) / 2
    assert day(result, "2026-03-05")["overall"] is None


def test_sessions_in_range_keep_their_global_number():
    sessions = [
        session("a", "2026-02-20T10:00", before=7, after=5),
        session("b", "2026-03-03T10:00", before=6, after=3),
        session("c", "2026-03-20T10:00"),
    ]
    result = trends([], sessions)
    assert result["sessions"] == [
        {
            "id": "b",
            "number": 2,
            "started_at": "2026-03-03T10:00:00Z",
            "local_date": "2026-03-03",
            "practitioner": "Dr Lee",
            "techniques": ["manual"],
            "pain_before": 6,
            "pain_after": 3,
        },
    ]
    assert [interval["session_id"] for interval in result["intervals"]] == ["b"]


def test_interval_reaches_to_the_next_session_even_beyond_to():
    sessions = [session("s1", "2026-03-02T10:00"), session("s2", "2026-03-12T10:00")]
    points = [
        point("2026-02-28T09:00", 8),  # 73 hours before: not pre-session
        point("2026-02-28T11:00", 7),  # 71 hours before: pre-session
        point("2026-03-02T09:59", 9),  # pre-session, not in the interval
        point("2026-03-02T10:00", 5),  # at the start: in the interval
        point("2026-03-04T08:00", 4),
        point("2026-03-11T08:00", 6),  # after `to`, before the next session: still in
        point("2026-03-12T10:00", 9),  # the next session's start: out
    ]
    [interval] = trends(points, sessions, date_to="2026-03-10")["intervals"]
    assert interval == {
        "session_id": "s1",
        "number": 1,
        "entries": 3,
        "mean_overall": 5.0,
        "min_overall": 4,
        "max_overall": 6,
        "days": 10,
        "pre_session": 8.0,
        "relief_days": 9,
    }


def test_open_interval_ends_with_the_day_to_in_the_profile_zone():
    tz = "America/Denver"
    sessions = [session("s1", "2026-03-02T10:00", tz)]
    points = [
        point("2026-03-03T23:30", 4, tz=tz),  # 05:30Z on 03-04, still 03-03 in Denver
        point("2026-03-04T00:30", 7, tz=tz),  # the next local day: after `to`
    ]
    result = trends(points, sessions, date_from="2026-03-01", date_to="2026-03-03", tz=tz)
    [interval] = result["intervals"]
    assert interval["entries"] == 1 and interval["mean_overall"] == 4.0
    assert interval["days"] is None
    assert day(result, "2026-03-03")["overall"] == 4.0


def test_session_before_any_entry():
    [interval] = trends([point("2026-03-09T08:00", 5)], [session("s1", "2026-03-01T10:00")])[
        "intervals"
    ]
    assert interval["pre_session"] is None and interval["relief_days"] is None
    assert interval["entries"] == 1


def test_session_with_no_entries_at_all():
    [interval] = trends([], [session("s1", "2026-03-01T10:00")])["intervals"]
    assert interval["entries"] == 0
    assert interval["mean_overall"] is None and interval["min_overall"] is None
    assert interval["pre_session"] is None and interval["relief_days"] is None


def _relief(points, sessions, date_to="2026-03-20"):
    return trends(points, sessions, date_to=date_to)["intervals"][0]["relief_days"]


PRE = [point("2026-03-01T20:00", 6)]  # pre-session level 6 for a session on 03-02 10:00
S1 = session("s1", "2026-03-02T10:00")


def test_relief_counts_the_unbroken_run_below_skipping_empty_dates():
    points = PRE + [
        point("2026-03-02T20:00", 9),  # the session's own date is not walked
        point("2026-03-03T08:00", 3),
        point("2026-03-05T08:00", 5),  # 03-04 has no entries: skipped, the run goes on
        point("2026-03-06T08:00", 6),  # not below (equal): the run ends on 03-05
        point("2026-03-07T08:00", 2),  # below again, but the run is broken
    ]
    assert _relief(points, [S1]) == 3


def test_relief_that_never_starts_is_zero():
    assert _relief(PRE + [point("2026-03-03T08:00", 7), point("2026-03-04T08:00", 2)], [S1]) == 0


def test_relief_uses_the_day_mean():
    points = PRE + [point("2026-03-03T08:00", 3), point("2026-03-03T20:00", 8)]  # mean 5.5
    assert _relief(points, [S1]) == 1


def test_relief_is_cut_by_the_next_session():
    sessions = [S1, session("s2", "2026-03-06T10:00")]
    points = PRE + [point(f"2026-03-0{d}T08:00", 2) for d in range(3, 10)]
    assert _relief(points, sessions) == 3  # 03-03..03-05: the day before the next session


def test_relief_walks_beyond_to_until_the_next_session():
    sessions = [S1, session("s2", "2026-03-09T10:00")]
    points = PRE + [point(f"2026-03-0{d}T08:00", 2) for d in range(3, 9)]
    assert _relief(points, sessions, date_to="2026-03-04") == 6


def test_relief_without_a_later_session_stops_at_to():
    points = PRE + [point(f"2026-03-0{d}T08:00", 2) for d in range(3, 10)]
    assert _relief(points, [S1], date_to="2026-03-05") == 3


def test_relief_is_null_when_no_date_after_the_session_has_entries():
    sessions = [S1, session("s2", "2026-03-05T10:00")]
    points = PRE + [point("2026-03-05T08:00", 1)]  # on the next session's date: not walked
    assert _relief(points, sessions) is None


def progress(points, sessions=(), date_to="2026-03-31", measure="overall"):
    """The progress object of one measure."""
    return trends(points, sessions, date_from="2026-03-01", date_to=date_to)["progress"][measure]


def test_baseline_is_the_week_before_the_first_session():
    points = [
        point("2026-03-01T09:59", 9),  # 7 days + 1 minute before: outside
        point("2026-03-01T10:00", 8),
        point("2026-03-07T08:00", 6),
        point("2026-03-08T09:00", 7),
        point("2026-03-08T11:00", 1),  # after the session starts
        point("2026-03-20T08:00", 4),
        point("2026-03-21T08:00", 3),
        point("2026-03-22T08:00", 2),
    ]
    result = progress(points, [session("s1", "2026-03-08T10:00")])
    assert result["baseline"] == {
        "from": "2026-03-01",
        "to": "2026-03-08",
        "mean": 7.0,
        "entries": 3,
    }
    assert result["current"] == {
        "from": "2026-03-16",
        "to": "2026-03-22",
        "mean": 3.0,
        "entries": 3,
    }
    assert result["absolute"] == -4.0
    assert result["percent"] == pytest.approx(-57.14)
    assert result["category"] == "substantial"
    assert result["clinically_important"] is True


def test_baseline_falls_back_to_the_first_week_of_entries():
    points = [
        point("2026-03-02T08:00", 6),
        point("2026-03-08T08:00", 8),  # first date + 6: inside
        point("2026-03-09T08:00", 1),  # first date + 7: outside
    ]
    result = progress(points, [session("s1", "2026-03-25T10:00")], date_to="2026-03-09")
    assert result["baseline"] == {
        "from": "2026-03-02",
        "to": "2026-03-08",
        "mean": 7.0,
        "entries": 2,
    }
    assert result["current"]["from"] == "2026-03-03" and result["current"]["to"] == "2026-03-09"
    assert result["current"]["mean"] == 4.5  # 8 and 1
    no_sessions = progress(points, date_to="2026-03-09")
    assert no_sessions["baseline"] == result["baseline"]


def test_progress_ignores_from_and_entries_after_to():
    points = [
        point("2026-02-01T08:00", 8),
        point("2026-03-05T08:00", 4),
        point("2026-03-30T08:00", 0),
    ]
    result = trends(points, date_from="2026-03-10", date_to="2026-03-12")["progress"]["overall"]
    assert result["baseline"]["from"] == "2026-02-01" and result["baseline"]["mean"] == 8.0
    assert result["current"] == {
        "from": "2026-02-27",
        "to": "2026-03-05",
        "mean": 4.0,
        "entries": 1,
    }


def test_progress_is_null_for_a_measure_without_entries_up_to_to():
    points = [point("2026-03-02T08:00", 5, back=4), point("2026-04-02T08:00", 5, leg=3)]
    result = trends(points, date_to="2026-03-31")["progress"]
    assert result["leg"] is None and result["back"]["baseline"]["mean"] == 4.0


def test_back_and_leg_windows_use_only_entries_with_the_measure():
    points = [
        point("2026-03-01T08:00", 5, leg=8),
        point("2026-03-02T08:00", 5),
        point("2026-03-20T08:00", 3, leg=4),
        point("2026-03-25T08:00", 2),  # latest overall, but no leg value
    ]
    leg = progress(points, measure="leg")
    assert leg["baseline"]["mean"] == 8.0 and leg["baseline"]["entries"] == 1
    assert leg["current"] == {"from": "2026-03-14", "to": "2026-03-20", "mean": 4.0, "entries": 1}


@pytest.mark.parametrize(
    ("baseline", "current", "percent", "category", "important"),
    [
        (10, 5, -50.0, "substantial", True),
        (10, 6, -40.0, "moderate", True),
        (10, 7, -30.0, "moderate", True),
        (10, 8, -20.0, "minimal", True),  # 2 points
        (10, 9, -10.0, "minimal", False),
        (5, 5, 0.0, "no_change", False),
        (10, 10, 0.0, "no_change", False),
        (5, 6, 20.0, "worse", False),
        (3, 2, -33.33, "moderate", True),  # 1 point, but 30 % or more
        (4, 2, -50.0, "substantial", True),
        (0, 0, None, "no_change", False),
        (0, 3, None, "worse", False),
    ],
)
def test_categories_and_clinical_importance(baseline, current, percent, category, important):
    points = [point(f"2026-03-0{day}T08:00", baseline) for day in (1, 2, 3)]
    points += [point(f"2026-03-{day}T08:00", current) for day in (18, 19, 20)]
    result = progress(points)
    assert result["percent"] == (pytest.approx(percent) if percent is not None else None)
    assert result["category"] == category
    assert result["clinically_important"] is important


def test_category_boundaries_between_whole_points():
    # baseline 7.5 (7 and 8) -> current 6.75 is exactly a 10 % reduction: minimal, not no_change
    points = [
        point("2026-03-01T08:00", 7),
        point("2026-03-02T08:00", 8),
        point("2026-03-03T08:00", 7),
        point("2026-03-03T09:00", 8),
        point("2026-03-19T08:00", 6),
        point("2026-03-20T09:00", 7),
        point("2026-03-21T08:00", 7),
        point("2026-03-21T09:00", 7),
    ]
    result = progress(points)
    assert result["baseline"]["mean"] == 7.5 and result["current"]["mean"] == 6.75
    assert result["percent"] == -10.0 and result["category"] == "minimal"
    points = [point(f"2026-03-0{day}T08:00", 5) for day in (1, 2, 3)] + [
        point("2026-03-18T08:00", 5),
        point("2026-03-19T08:00", 6),
        point("2026-03-20T08:00", 5),
        point("2026-03-20T09:00", 6),
    ]
    assert progress(points)["category"] == "worse"  # 5 -> 5.5: +10 %


def test_too_early_when_the_windows_overlap():
    """A few days of entries: the baseline week and the latest week are the same days."""
    points = [point(f"2026-03-0{day}T08:00", 8 - day) for day in (1, 2, 3, 4, 5)]
    result = progress(points, date_to="2026-03-05")
    assert result["baseline"] == {"from": "2026-03-01", "to": "2026-03-07", "mean": 5.0,
                                  "entries": 5}
    assert result["current"]["from"] == "2026-02-27"  # on or before the baseline's end
    assert result["absolute"] is None and result["percent"] is None
    assert result["category"] == "too_early" and result["clinically_important"] is False


def test_too_early_with_a_baseline_from_fewer_than_three_dates():
    """Two morning-and-evening days before the first session are not a baseline."""
    points = [
        point("2026-03-06T08:00", 8),
        point("2026-03-06T20:00", 8),
        point("2026-03-07T08:00", 8),
        *(point(f"2026-03-{day}T08:00", 2) for day in (20, 21, 22)),
    ]
    result = progress(points, [session("s1", "2026-03-08T10:00")])
    assert result["baseline"]["entries"] == 3 and result["baseline"]["mean"] == 8.0
    assert result["category"] == "too_early" and result["percent"] is None
    points.append(point("2026-03-05T08:00", 8))  # a third date: now a verdict
    assert progress(points, [session("s1", "2026-03-08T10:00")])["category"] == "substantial"


def test_too_early_with_a_latest_week_from_fewer_than_three_dates():
    points = [point(f"2026-03-0{day}T08:00", 8) for day in (1, 2, 3)]
    points += [point("2026-03-20T08:00", 2), point("2026-03-20T20:00", 2)]
    result = progress(points)
    assert result["current"] == {"from": "2026-03-14", "to": "2026-03-20", "mean": 2.0,
                                 "entries": 2}
    assert result["category"] == "too_early" and result["absolute"] is None
    points.append(point("2026-03-16T08:00", 2))
    points.append(point("2026-03-18T08:00", 2))
    result = progress(points)
    assert result["category"] == "substantial" and result["absolute"] == -6.0


def tags(text, locations=(), pain_types=(), triggers=(), relievers=()):
    """An entry's lists for the frequencies."""
    return Tags(
        D(text),
        [dict(zip(("region", "side"), loc, strict=True)) for loc in locations],
        list(pain_types),
        list(triggers),
        list(relievers),
    )


def test_frequencies_count_distinct_days_and_sort_by_days_then_key():
    points = [
        point("2026-03-02T08:00", 8),
        point("2026-03-02T20:00", 6),
        point("2026-03-03T08:00", 3),
        point("2026-03-04T08:00", 5),
    ]
    entry_tags = [
        tags(
            "2026-03-02",
            [("calf", "left"), ("buttock", "left")],
            ["burning"],
            ["sitting"],
            ["heat"],
        ),
        tags("2026-03-02", [("calf", "left")], ["burning", "aching"], ["sitting", "driving"]),
        tags("2026-03-03", [("buttock", "left"), ("buttock", "both")], ["aching"], [], ["heat"]),
        tags("2026-03-04", [], [], ["driving"], []),
    ]
    result = trends(points, tags=entry_tags, date_from="2026-03-01", date_to="2026-03-04")
    assert result["locations"] == [
        {"region": "buttock", "side": "left", "days": 2},
        {"region": "buttock", "side": "both", "days": 1},
        {"region": "calf", "side": "left", "days": 1},
    ]
    assert result["pain_types"] == [{"key": "aching", "days": 2}, {"key": "burning", "days": 1}]
    assert result["relievers"] == [{"key": "heat", "days": 2}]
    assert result["triggers"] == [
        # driving on 03-02 (mean 7) and 03-04 (5); without: 03-03 (3)
        {"key": "driving", "days": 2, "mean_with": 6.0, "mean_without": 3.0},
        # sitting on 03-02 (7); without: 03-03 (3) and 03-04 (5)
        {"key": "sitting", "days": 1, "mean_with": 7.0, "mean_without": 4.0},
    ]


def test_a_trigger_on_every_day_has_no_mean_without():
    result = trends([point("2026-03-02T08:00", 4)], tags=[tags("2026-03-02", triggers=["stress"])])
    assert result["triggers"] == [
        {"key": "stress", "days": 1, "mean_with": 4.0, "mean_without": None}
    ]


def test_key_order_of_the_document():
    result = trends([])
    assert list(result) == [
        "range",
        "days",
        "sessions",
        "intervals",
        "progress",
        "locations",
        "pain_types",
        "relievers",
        "triggers",
        "questionnaires",
    ]
    assert result["progress"] == {"overall": None, "back": None, "leg": None}
    assert result["questionnaires"] == {"peg": None, "rmdq": None, "pgic": None}
    assert timedelta(days=len(result["days"]) - 1) == D("2026-03-10") - D("2026-03-01")
