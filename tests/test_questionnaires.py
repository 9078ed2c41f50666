"""What is due and what is urgent (PRODUCT.md section 11): the due rules on hand-made dates, in
the patient's time zone and around sessions, and GET /api/v1/instruments and /questionnaires/due.
"""

from datetime import UTC, date, datetime

import pytest
from helpers import PEG_ANSWERS, RED_FLAGS_NO, response_body, rmdq_answers, session_body
from sqlalchemy import select

from diary.core.extensions import db
from diary.instruments import shipped
from diary.models import User
from diary.services import questionnaires
from diary.services.questionnaires import due_keys

D = date.fromisoformat
TODAY = D("2026-03-10")


def dates(**latest):
    """response_dates for due_keys: each instrument's latest date, on or before TODAY too."""
    return {
        key: (max((day for day in days if day <= TODAY), default=None), max(days))
        for key, days in ((key, [D(text) for text in texts]) for key, texts in latest.items())
    }


@pytest.mark.parametrize(
    ("answered", "sessions", "last_session", "due"),
    [
        ({}, 0, None, ["peg", "red_flags", "rmdq"]),
        ({"peg": ["2026-03-04"]}, 0, None, ["rmdq"]),  # today - 6: in the week
        ({"peg": ["2026-03-03"]}, 0, None, ["peg", "red_flags", "rmdq"]),  # today - 7
        ({"peg": ["2026-03-10"]}, 0, None, ["rmdq"]),
        ({"peg": ["2026-03-11"]}, 0, None, ["peg", "red_flags", "rmdq"]),  # not in the week
        ({"peg": ["2026-03-03", "2026-03-11"]}, 0, None, ["peg", "red_flags", "rmdq"]),
        ({"red_flags": ["2026-03-09"]}, 0, None, ["peg", "red_flags", "rmdq"]),  # with peg
        ({"rmdq": ["2026-02-11"]}, 0, None, ["peg", "red_flags"]),  # today - 27
        ({"rmdq": ["2026-02-10"]}, 0, None, ["peg", "red_flags", "rmdq"]),  # today - 28
        ({"peg": ["2026-03-09"], "rmdq": ["2026-03-01"]}, 1, D("2026-03-08"), []),
        ({"peg": ["2026-03-09"], "rmdq": ["2026-03-01"]}, 2, D("2026-03-08"), ["pgic"]),
        (
            {"peg": ["2026-03-09"], "rmdq": ["2026-03-01"], "pgic": ["2026-03-08"]},
            2,
            D("2026-03-08"),
            [],
        ),
        (
            {"peg": ["2026-03-09"], "rmdq": ["2026-03-01"], "pgic": ["2026-03-07"]},
            3,
            D("2026-03-08"),
            ["pgic"],
        ),
        ({"pgic": ["2026-03-11"]}, 5, D("2026-03-10"), ["peg", "red_flags", "rmdq"]),
        ({}, 8, D("2026-03-10"), ["peg", "red_flags", "rmdq", "pgic"]),
    ],
)
def test_due_rules_by_hand(answered, sessions, last_session, due):
    assert due_keys(shipped(), TODAY, dates(**answered), sessions, last_session) == due


def _user(app, email="pat@example.com"):
    return db.session.scalar(select(User).where(User.email == email))


def _due(app, now):
    with app.app_context():
        return questionnaires.due_for(_user(app), now=now)


def at(text):
    """An aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_week_is_counted_in_the_patients_time_zone(app, api):
    assert api.patch("/me", {"timezone": "America/Los_Angeles"}).status_code == 200
    # 07:00 UTC on the 10th is 23:00 on the 9th in Los Angeles (UTC-8 in January).
    peg = response_body(answered_at="2026-01-10T07:00:00Z")
    assert api.post("/responses", peg).get_json()["local_date"] == "2026-01-09"
    # 23:30 on the 15th there: the week is the 9th-15th and holds the PEG.
    assert _due(app, at("2026-01-16T07:30:00")) == ["rmdq"]
    # 00:30 on the 16th there: the week is the 10th-16th; in UTC it would still hold it.
    assert _due(app, at("2026-01-16T08:30:00")) == ["peg", "red_flags", "rmdq"]


def test_a_zone_ahead_of_utc_moves_the_dates_too(app, api):
    api.patch("/me", {"timezone": "Pacific/Kiritimati"})  # UTC+14
    api.post("/responses", response_body(answered_at="2026-03-01T11:00:00Z"))  # 2 March there
    assert _due(app, at("2026-03-08T09:59:00")) == ["rmdq"]  # 23:59 on 8 March there
    assert _due(app, at("2026-03-08T10:00:00")) == ["peg", "red_flags", "rmdq"]  # 9 March


def test_pgic_is_due_after_the_second_session_until_answered_that_day_or_later(app, api):
    api.patch("/me", {"timezone": "Pacific/Kiritimati"})
    for text in ("2026-03-01T09:00:00Z", "2026-03-03T09:00:00Z"):
        api.post("/responses", response_body(answered_at=text))
    rmdq = response_body(
        instrument="rmdq", answers=rmdq_answers(0), answered_at="2026-03-01T09:00:00Z"
    )
    api.post("/responses", rmdq)
    now = at("2026-03-06T12:00:00")
    api.post("/sessions", session_body(started_at="2026-03-02T10:00:00Z"))
    assert _due(app, now) == []  # one session
    # 11:00 UTC on the 5th is 01:00 on the 6th in Kiritimati: the session's date is the 6th.
    second = api.post("/sessions", session_body(started_at="2026-03-05T11:00:00Z")).get_json()
    assert second["local_date"] == "2026-03-06"
    assert _due(app, now) == ["pgic"]
    # An answer just before the session (23:00 on the 5th there) does not count...
    before = {"instrument": "pgic", "answers": {"change": 3}}
    api.post("/responses", {**before, "answered_at": "2026-03-05T09:00:00Z"})
    assert _due(app, now) == ["pgic"]
    # ... one on the session's date does.
    api.post("/responses", {**before, "answered_at": "2026-03-05T11:30:00Z"})
    assert _due(app, now) == []


def test_due_through_the_api_in_the_order_to_ask(api):
    assert api.get("/questionnaires/due").get_json() == {"due": ["peg", "red_flags", "rmdq"]}
    api.post("/responses", {"instrument": "peg", "answers": PEG_ANSWERS})
    assert api.get("/questionnaires/due").get_json() == {"due": ["rmdq"]}


def test_due_for_page_names_and_times_each(app, api):
    with app.app_context():
        assert questionnaires.due_for_page(_user(app)) == [
            {"key": "peg", "title": shipped()["peg"].title, "minutes": 1},
            {"key": "red_flags", "title": shipped()["red_flags"].title, "minutes": 1},
            {"key": "rmdq", "title": shipped()["rmdq"].title, "minutes": 4},
        ]


def test_an_urgent_answer_stays_for_14_days(app, api):
    yes = response_body(
        instrument="red_flags",
        answers={**RED_FLAGS_NO, "saddle_numbness": True},
        answered_at="2026-03-01T09:00:00Z",
    )
    api.post("/responses", yes)
    no = response_body(
        instrument="red_flags", answers=RED_FLAGS_NO, answered_at="2026-03-02T09:00:00Z"
    )
    api.post("/responses", no)
    with app.app_context():
        user = _user(app)
        found = questionnaires.urgent_response(user, now=at("2026-03-15T08:59:00"))
        assert found["id"] == yes["id"] and found["urgent"] is True
        assert questionnaires.urgent_response(user, now=at("2026-03-15T09:00:01")) is None


def test_red_flag_checks_count_a_range_and_name_each_yes(app, api, other_api):
    def red_flags(answered_at, **yes):
        body = response_body(
            instrument="red_flags", answers={**RED_FLAGS_NO, **yes}, answered_at=answered_at
        )
        assert api.post("/responses", body).status_code == 201

    red_flags("2026-02-28T23:30:00Z")  # still 28 February in London: before the range
    red_flags("2026-03-02T09:00:00Z", both_legs=True, bladder=True)
    red_flags("2026-03-09T09:00:00Z")
    red_flags("2026-03-16T09:00:00Z", sexual=True)
    red_flags("2026-04-01T09:00:00Z", bowel=True)  # after the range
    api.post("/responses", response_body(answered_at="2026-03-09T09:00:00Z"))  # a PEG
    other_yes = {**RED_FLAGS_NO, "saddle_numbness": True}
    other_api.post("/responses", response_body(instrument="red_flags", answers=other_yes))
    with app.app_context():
        found = questionnaires.red_flag_checks(_user(app).id, D("2026-03-01"), D("2026-03-31"))
    assert found == {
        "checks": 3,
        "yes": [
            {
                "local_date": D("2026-03-02"),
                "answered_at": at("2026-03-02T09:00:00"),
                "signs": ["bladder", "both_legs"],  # in the instrument's order
            },
            {
                "local_date": D("2026-03-16"),
                "answered_at": at("2026-03-16T09:00:00"),
                "signs": ["sexual"],
            },
        ],
    }


def test_the_instruments_list_everything_a_client_needs(api):
    answer = api.get("/instruments").get_json()
    assert [item["key"] for item in answer["instruments"]] == ["peg", "red_flags", "rmdq", "pgic"]
    peg, red_flags, rmdq, pgic = answer["instruments"]
    assert set(peg) >= {"key", "title", "version", "recall", "citation", "items"}
    assert peg["recall"] == "the past week" and "Krebs" in peg["citation"]
    assert peg["items"][0] == {
        "key": "pain",
        "text": "What number best describes your pain on average in the past week?",
        "type": "integer",
        "min": 0,
        "max": 10,
        "options": [
            {"value": 0, "label": "No pain"},
            {"value": 10, "label": "Pain as bad as you can imagine"},
        ],
    }
    assert [item["key"] for item in rmdq["items"]] == [f"q{n}" for n in range(1, 25)]
    assert red_flags["items"][1]["options"] == [
        {"value": True, "label": "Yes"},
        {"value": False, "label": "No"},
    ]
    assert pgic["items"][0]["type"] == "choice" and pgic["items"][0]["min"] is None
    assert [option["value"] for option in pgic["items"][0]["options"]] == list(range(1, 8))


def test_due_and_instruments_need_a_login(client):
    for path in ("/api/v1/instruments", "/api/v1/questionnaires/due"):
        assert client.get(path).status_code == 401



def test_a_response_dated_after_today_is_not_in_the_last_week(app, api):
    """Seen from a day before it was answered (a phone's clock, a zone moved west), a PEG
    dated tomorrow is not in today - 6 ... today: the PEG is still due."""
    api.post("/responses", response_body(answered_at="2026-03-11T09:00:00Z"))
    assert _due(app, at("2026-03-10T12:00:00")) == ["peg", "red_flags", "rmdq"]
    assert _due(app, at("2026-03-11T12:00:00")) == ["rmdq"]


def test_verdicts_say_baseline_to_latest_in_words():
    trends = {
        "peg": {
            "points": [],
            "baseline": 6.33,
            "latest": 3.67,
            "change": -2.67,
            "percent": -42.11,
            "meaningful": True,
        },
        "rmdq": {
            "points": [],
            "baseline": 6,
            "latest": 9,
            "change": 3,
            "percent": 50.0,
            "meaningful": False,
        },
        "pgic": {
            "points": [],
            "baseline": None,
            "latest": 2,
            "change": None,
            "percent": None,
            "meaningful": True,
        },
    }
    found = questionnaires.verdicts(trends, shipped())
    assert [(item["key"], item["words"], item["threshold"]) for item in found] == [
        ("peg", "PEG 6.33 \u2192 3.67, \u221242.11 %: a meaningful improvement", 4.43),
        ("rmdq", "RMDQ 6 \u2192 9, +50 %: not a meaningful change yet", 4.2),
        ("pgic", "PGIC: much improved (a meaningful improvement)", None),
    ]
    no_change = {**trends["pgic"], "latest": 4, "meaningful": False}
    no_data = {"peg": None, "rmdq": None, "pgic": no_change}
    assert [item["words"] for item in questionnaires.verdicts(no_data, shipped())] == [
        "PGIC: no change (not a responder)"
    ]
