"""The database path of trends (per-date sums in SQL, only the session windows' entries in
Python) gives exactly what the pure definitions give on every entry and questionnaire response,
on SQLite and PostgreSQL."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from diary.core.extensions import db
from diary.core.timeutil import zone
from diary.models import AcupunctureSession, Entry, QuestionnaireResponse, User
from diary.services.trends import (
    Point,
    ResponseRow,
    SessionRow,
    Tags,
    compute_trends,
    load_trends,
)

TZ = "America/Denver"
START = date(2026, 1, 1)


def _diary(rng, user_id):
    """~120 days with gaps, 0-4 entries a day at any hour, nulls, tags, and 9 sessions, some
    before the first entry and one after the last."""
    tz = zone(TZ)
    entries = []
    for offset in range(120):
        for _ in range(rng.choice((0, 0, 1, 1, 2, 4))):
            local = datetime.combine(START + timedelta(days=offset), datetime.min.time())
            local += timedelta(minutes=rng.randrange(24 * 60))
            instant = local.replace(tzinfo=tz).astimezone(UTC)
            entries.append(
                Entry(
                    id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    user_id=user_id,
                    recorded_at=instant,
                    local_date=instant.astimezone(tz).date(),
                    overall=rng.randrange(11),
                    back=rng.choice((None, rng.randrange(11))),
                    leg=rng.choice((None, None, rng.randrange(11))),
                    sleep_quality=rng.choice((None, rng.randrange(11))),
                    interference=rng.choice((None, None, rng.randrange(11))),
                    medications=rng.choice(("", "", "", "Ibuprofen")),
                    locations=rng.sample(
                        [
                            {"region": "lower_back", "side": "both"},
                            {"region": "calf", "side": "left"},
                        ],
                        rng.randrange(3),
                    ),
                    pain_types=rng.sample(["aching", "burning", "shooting"], rng.randrange(3)),
                    triggers=rng.sample(["sitting", "lifting", "poor_sleep"], rng.randrange(3)),
                    relievers=rng.sample(["heat", "walking", "medication"], rng.randrange(3)),
                )
            )
    sessions = []
    for offset in (-10, -3, 5, 12, 20, 33, 50, 90, 130):
        local = datetime.combine(START + timedelta(days=offset), datetime.min.time())
        local += timedelta(hours=rng.randrange(7, 20))
        instant = local.replace(tzinfo=tz).astimezone(UTC)
        sessions.append(
            AcupunctureSession(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                user_id=user_id,
                started_at=instant,
                local_date=instant.astimezone(tz).date(),
                techniques=["manual"],
                pain_before=rng.choice((None, 6)),
            )
        )
    responses = []
    for offset in range(-5, 125, 3):
        instrument = rng.choice(("peg", "rmdq", "pgic", "red_flags", "peg"))
        local = datetime.combine(START + timedelta(days=offset), datetime.min.time())
        instant = (local + timedelta(minutes=rng.randrange(24 * 60))).replace(tzinfo=tz)
        instant = instant.astimezone(UTC)
        responses.append(
            QuestionnaireResponse(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                user_id=user_id,
                instrument=instrument,
                instrument_version="1",
                answered_at=instant,
                local_date=instant.astimezone(tz).date(),
                answers={},
                score=rng.choice((0, 0.0, rng.randrange(25) / 3, 2.0)),
                urgent=False,
            )
        )
    return entries, sessions, responses


RANGES = [
    ("2026-01-01", "2026-04-30"),  # everything
    ("2026-02-10", "2026-03-05"),  # the middle: sessions before and after the range
    ("2025-12-01", "2025-12-31"),  # before any entry, with sessions in it
    ("2026-04-15", "2026-06-30"),  # the end: the last session after the last entry
    ("2026-01-21", "2026-01-21"),  # a single day with a session
    ("2027-01-01", "2027-03-01"),  # after everything
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_database_sums_give_what_the_definitions_give(app, api, seed):
    rng = random.Random(seed)  # noqa: S311 - test data
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "pat@example.com"))
        user.timezone = TZ
        entries, sessions, responses = _diary(rng, user.id)
        db.session.add_all(entries + sessions + responses)
        db.session.commit()
        responses.sort(key=lambda r: (r.answered_at, r.id))
        answered = [
            ResponseRow(r.id, r.instrument, r.answered_at, r.local_date, r.score)
            for r in responses
        ]
        entries.sort(key=lambda e: (e.recorded_at, e.id))
        sessions.sort(key=lambda s: (s.started_at, s.id))
        points = [
            Point(
                e.recorded_at,
                e.local_date,
                e.overall,
                e.back,
                e.leg,
                e.sleep_quality,
                e.interference,
                bool(e.medications) or "medication" in e.relievers,
            )
            for e in entries
        ]
        rows = [
            SessionRow(
                s.id,
                s.started_at,
                s.local_date,
                s.practitioner,
                s.techniques,
                s.pain_before,
                s.pain_after,
            )
            for s in sessions
        ]
        for first, last in RANGES:
            date_from, date_to = date.fromisoformat(first), date.fromisoformat(last)
            tags = [
                Tags(e.local_date, e.locations, e.pain_types, e.triggers, e.relievers)
                for e in entries
                if date_from <= e.local_date <= date_to
            ]
            expected = compute_trends(points, tags, rows, date_from, date_to, TZ, answered)
            assert load_trends(user, date_from, date_to) == expected, (first, last)
            assert any(expected["questionnaires"].values()) or last < "2026-01-01"
            assert expected["progress"]["overall"] is not None or first == "2025-12-01"
