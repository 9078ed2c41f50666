"""Synthetic diaries as backup documents (the fast bulk path: POST /api/v1/import/backup).

A diary has two entries a day (morning and evening) and evenly spaced acupuncture sessions,
ending yesterday in the patient's time zone, with pain that eases after each session so the
trends have real intervals, relief runs and trigger differences to compute. Its
questionnaires (``questionnaires``) are answered as a patient in a course would: the PEG with
the red flags every week, the RMDQ every four weeks and the PGIC the evening of each session
from the second.
"""

import random
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

FORMAT, VERSION = "pain-diary-backup", 1
TIMEZONE = "Europe/London"

REGIONS = ("lower_back", "buttock", "hip", "thigh_back", "calf", "foot")
PAIN_TYPES = ("burning", "shooting", "aching", "tingling", "numbness", "stabbing")
TRIGGERS = ("sitting", "standing", "bending_forward", "driving", "desk_work", "lifting")
RELIEVERS = ("heat", "stretching", "walking", "rest", "medication")
TECHNIQUES = ("manual", "electroacupuncture", "distal_points", "cupping")
NOTES = ("", "", "", "", "Long drive.", "Slept badly.", "Good walk at lunch.")


def _iso(instant):
    """An aware datetime as the API writes it: UTC with a Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _clamp(value):
    return max(0, min(10, round(value)))


def entry_body(rng, entry_id=None, recorded_at=None, level=6.0):
    """One entry in the API shape (without the server's fields), pain around ``level``."""
    overall = _clamp(level + rng.uniform(-1.5, 1.5))
    locations = [{"region": "buttock", "side": "left"}]
    locations += [
        {"region": region, "side": rng.choice(("left", "both"))}
        for region in rng.sample(REGIONS[2:], k=rng.randint(0, 2))
    ]
    body = {
        "id": entry_id or str(uuid.uuid4()),
        "pain": {
            "overall": overall,
            "back": _clamp(overall - 1 + rng.choice((-1, 0, 1))),
            "leg": _clamp(overall + rng.choice((0, 1))),
        },
        "locations": locations,
        "pain_types": rng.sample(PAIN_TYPES, k=rng.randint(1, 3)),
        "triggers": rng.sample(TRIGGERS, k=rng.randint(0, 2)),
        "relievers": rng.sample(RELIEVERS, k=rng.randint(0, 2)),
        "medications": "Ibuprofen 400 mg" if overall >= 6 else "",
        "sleep_quality": _clamp(10 - overall + rng.choice((-1, 0, 1))),
        "interference": _clamp(overall - 1 + rng.choice((-1, 0, 1))),
        "notes": rng.choice(NOTES),
    }
    if recorded_at is not None:
        body["recorded_at"] = _iso(recorded_at)
    return body


def diary(days, sessions, end=None, timezone=TIMEZONE, seed=1):
    """Entries and sessions over ``days`` days ending ``end`` (default yesterday, UTC).

    Returns ``(entries, sessions, first_date, last_date)``; entries and sessions are in the API
    shape with their stored fields (``local_date``, ``version``, times), as a backup holds them.
    """
    rng = random.Random(seed)  # noqa: S311 - made-up diaries, not secrets
    tz = ZoneInfo(timezone)
    last = end or (datetime.now(UTC).date() - timedelta(days=1))
    first = last - timedelta(days=days - 1)
    spacing = days / max(sessions, 1)
    session_days = sorted({int(spacing * (k + 0.5)) for k in range(sessions)})

    def at(day, hour, minute):
        return datetime.combine(first + timedelta(days=day), time(hour, minute), tz)

    def stored(body, instant):
        body["local_date"] = instant.date().isoformat()
        body["version"] = 1
        body["created_at"] = body["updated_at"] = _iso(instant)
        return body

    session_rows = []
    for number, day in enumerate(session_days, start=1):
        started = at(day, 10, 0)
        before = rng.randint(5, 8)
        body = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "started_at": _iso(started),
            "number": number,
            "practitioner": "Dr Sam Lee",
            "techniques": rng.sample(TECHNIQUES, k=rng.randint(1, 3)),
            "points": "BL23, BL25, GB30, BL40",
            "pain_before": before,
            "pain_after": max(0, before - rng.randint(1, 3)),
            "notes": "",
        }
        session_rows.append(stored(body, started))

    entry_rows = []
    next_session = 0
    for day in range(days):
        while next_session < len(session_days) and session_days[next_session] < day:
            next_session += 1
        since = day - session_days[next_session - 1] if next_session else None
        # Pain dips for a few days after a session, then drifts back up.
        level = 6.5 if since is None else 4.0 + min(since, 6) * 0.4
        for hour in (8, 21):
            instant = at(day, hour, rng.randrange(0, 50))
            entry_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            entry_rows.append(stored(entry_body(rng, entry_id, instant, level), instant))
    return entry_rows, session_rows, first, last


RED_FLAG_ITEMS = ("saddle_numbness", "bladder", "bowel", "both_legs", "sexual")
RMDQ_ORDER = (13, 2, 18, 20, 10, 11, 3, 12, 16, 21, 9, 17, 23, 6, 14, 1, 4, 5, 7, 8)


def questionnaires(sessions, first, last, timezone=TIMEZONE, seed=1, red_flag_weeks=()):
    """Questionnaire responses for a diary from ``first`` to ``last`` (dates) with ``sessions``
    (``diary``'s rows), in the API shape a backup holds: a weekly PEG falling from about 7 to
    3 with the red flags (yes to bladder and both legs in ``red_flag_weeks``, else all no), an
    RMDQ every 28 days from 16 statements down to 6, a PGIC after each session from the
    second, moving from "no change" to "much improved"."""
    rng = random.Random(seed)  # noqa: S311 - made-up answers, not secrets
    tz = ZoneInfo(timezone)
    days = (last - first).days + 1

    def response(instrument, answers, instant):
        return {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "instrument": instrument,
            "answered_at": _iso(instant),
            "local_date": instant.astimezone(tz).date().isoformat(),
            "answers": answers,
            "version": 1,
            "created_at": _iso(instant),
            "updated_at": _iso(instant),
        }

    def at(day, hour, minute):
        return datetime.combine(first + timedelta(days=day), time(hour, minute), tz)

    rows = []
    for week in range(-(-days // 7)):
        eased = week / max(days / 7 - 1, 1)
        pain = _clamp(7 - 4 * eased + rng.uniform(-0.7, 0.7))
        peg = {item: _clamp(pain - rng.choice((0, 1, 1))) for item in ("enjoyment", "activity")}
        rows.append(response("peg", {"pain": pain, **peg}, at(7 * week, 9, 0)))
        yes = {"bladder", "both_legs"} if week in red_flag_weeks else set()
        flags = {item: item in yes for item in RED_FLAG_ITEMS}
        rows.append(response("red_flags", flags, at(7 * week, 9, 1)))
    for number, day in enumerate(range(0, days, 28)):
        ticked = set(RMDQ_ORDER[: max(6, 16 - 2 * number)])
        answers = {f"q{n}": n in ticked for n in range(1, 25)}
        rows.append(response("rmdq", answers, at(day, 9, 5)))
    for number, session in enumerate(sessions[1:], start=2):
        moved = (number - 2) / max(len(sessions) - 2, 1)
        evening = datetime.fromisoformat(session["started_at"]).astimezone(tz) + timedelta(hours=8)
        rows.append(response("pgic", {"change": 4 - round(2 * moved)}, evening))
    return sorted(rows, key=lambda row: row["answered_at"])


def backup_document(entries, sessions, timezone=TIMEZONE, responses=()):
    """A backup document holding ``entries``, ``sessions`` and questionnaire ``responses``."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(datetime.now(UTC)),
        "profile": {"email": "", "display_name": "", "timezone": timezone},
        "vocabulary": {},
        "entries": entries,
        "sessions": sessions,
        "responses": list(responses),
    }


def date_range(first, last):
    """``from``/``to`` query parameters covering [first, last]."""
    return f"from={first.isoformat()}&to={last.isoformat()}"
