"""Trends between acupuncture sessions: every number of PRODUCT.md section 7.

``load_trends`` reads a patient's data in a fixed number of queries (3, whatever the amount of
data); ``compute_trends`` is pure and works on plain tuples, so each definition is testable on
small hand-made cases. Numbers are computed unrounded and rounded to 2 decimals only on output.
"""

import json
from bisect import bisect_left
from collections import defaultdict, deque
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import String, select, type_coerce

from ..extensions import db
from ..models import AcupunctureSession, Entry
from ..timeutil import iso_instant, zone

MEASURES = ("overall", "back", "leg")
PRE_SESSION_WINDOW = timedelta(hours=72)
BASELINE_BEFORE_FIRST_SESSION = timedelta(days=7)
WINDOW_DAYS = 7  # the baseline fallback and the current window: a date and the six after/before
EPSILON = 1e-9  # guards the category boundaries against binary floating-point noise


class Point(NamedTuple):
    """The numbers of one entry."""

    recorded_at: datetime
    local_date: object
    overall: int
    back: int | None
    leg: int | None


class Tags(NamedTuple):
    """The lists of one entry (loaded for the range only)."""

    local_date: object
    locations: list
    pain_types: list
    triggers: list
    relievers: list


class SessionRow(NamedTuple):
    """The fields of a session that trends report."""

    id: str
    started_at: datetime
    local_date: object
    practitioner: str
    techniques: list
    pain_before: int | None
    pain_after: int | None


def _round(value):
    return None if value is None else round(value, 2)


def _mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def _dates(first, last):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


class _DayMeans:
    """Per-date means of each measure, the overall maximum and the entry count."""

    def __init__(self, points):
        sums = {m: defaultdict(int) for m in MEASURES}
        counts = {m: defaultdict(int) for m in MEASURES}
        self.entries = defaultdict(int)
        self.overall_max = {}
        for _, day, overall, back, leg in points:
            self.entries[day] += 1
            if overall > self.overall_max.get(day, -1):
                self.overall_max[day] = overall
            for m, value in (("overall", overall), ("back", back), ("leg", leg)):
                if value is not None:
                    sums[m][day] += value
                    counts[m][day] += 1
        self.mean = {m: {day: sums[m][day] / counts[m][day] for day in counts[m]} for m in MEASURES}

    def overall(self, day):
        """day_mean_overall(day), None without entries."""
        return self.mean["overall"].get(day)


def _days(day_means, date_from, date_to):
    """One row per date; ``rolling7`` is the exact mean of the last 7 dates' day means."""
    rows = []
    window = deque(
        (day_means.overall(date_from - timedelta(days=back)) for back in range(6, 0, -1)),
        maxlen=7,
    )
    for day in _dates(date_from, date_to):
        window.append(day_means.overall(day))
        present = [value for value in window if value is not None]
        rows.append(
            {
                "date": day.isoformat(),
                "overall": _round(day_means.mean["overall"].get(day)),
                "overall_max": day_means.overall_max.get(day),
                "back": _round(day_means.mean["back"].get(day)),
                "leg": _round(day_means.mean["leg"].get(day)),
                "entries": day_means.entries.get(day, 0),
                "rolling7": _round(sum(present) / len(present)) if present else None,
            }
        )
    return rows


def _relief_days(day_means, session, last_day, pre_session):
    """How many days pain stayed below the pre-session level (section 7)."""
    if pre_session is None:
        return None
    last_below = None
    for day in _dates(session.local_date + timedelta(days=1), last_day):
        mean = day_means.overall(day)
        if mean is None:
            continue
        if mean < pre_session:
            last_below = day
            continue
        break
    else:
        if last_below is None:
            return None  # no date after the session has entries
    if last_below is None:
        return 0
    return (last_below - session.local_date).days


def _intervals(points, day_means, sessions, listed, date_to, tz_name):
    times = [point.recorded_at for point in points]
    end_of_to = datetime.combine(date_to + timedelta(days=1), time(0), zone(tz_name))
    position = {session.id: index for index, session in enumerate(sessions)}
    rows = []
    for session in listed:
        index = position[session.id]
        following = sessions[index + 1] if index + 1 < len(sessions) else None
        start = session.started_at
        end = following.started_at if following else end_of_to
        inside = [p.overall for p in points[bisect_left(times, start) : bisect_left(times, end)]]
        before = points[bisect_left(times, start - PRE_SESSION_WINDOW) : bisect_left(times, start)]
        pre_session = _mean(p.overall for p in before)
        last_day = following.local_date - timedelta(days=1) if following else date_to
        rows.append(
            {
                "session_id": session.id,
                "number": index + 1,
                "entries": len(inside),
                "mean_overall": _round(_mean(inside)),
                "min_overall": min(inside) if inside else None,
                "max_overall": max(inside) if inside else None,
                "days": (following.local_date - session.local_date).days if following else None,
                "pre_session": _round(pre_session),
                "relief_days": _relief_days(day_means, session, last_day, pre_session),
            }
        )
    return rows


def _category(reduction_percent, baseline, current):
    if baseline == 0:
        return "no_change" if current == 0 else "worse"
    if reduction_percent >= 50 - EPSILON:
        return "substantial"
    if reduction_percent >= 30 - EPSILON:
        return "moderate"
    if reduction_percent >= 10 - EPSILON:
        return "minimal"
    if reduction_percent <= -10 + EPSILON:
        return "worse"
    return "no_change"


def _window(points, measure, first, last):
    values = [
        getattr(p, measure)
        for p in points
        if first <= p.local_date <= last and getattr(p, measure) is not None
    ]
    return _mean(values), len(values)


def _progress_for(points, sessions, measure, date_to, tz_name):
    with_measure = [p for p in points if getattr(p, measure) is not None]
    up_to = [p.local_date for p in with_measure if p.local_date <= date_to]
    if not up_to:
        return None
    baseline = None
    if sessions:
        start = sessions[0].started_at
        opens = start - BASELINE_BEFORE_FIRST_SESSION
        values = [getattr(p, measure) for p in with_measure if opens <= p.recorded_at < start]
        if values:
            tz = zone(tz_name)
            baseline = {
                "from": opens.astimezone(tz).date().isoformat(),
                "to": start.astimezone(tz).date().isoformat(),
                "mean": _mean(values),
                "entries": len(values),
            }
    if baseline is None:
        first = min(p.local_date for p in with_measure)
        last = first + timedelta(days=WINDOW_DAYS - 1)
        mean, count = _window(with_measure, measure, first, last)
        baseline = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "mean": mean,
            "entries": count,
        }
    latest = max(up_to)
    opens = latest - timedelta(days=WINDOW_DAYS - 1)
    mean, count = _window(with_measure, measure, opens, latest)
    current = {"from": opens.isoformat(), "to": latest.isoformat(), "mean": mean, "entries": count}

    absolute = current["mean"] - baseline["mean"]
    percent = None if baseline["mean"] == 0 else absolute * 100 / baseline["mean"]
    reduction = None if percent is None else -percent
    important = -absolute >= 2 - EPSILON or (reduction is not None and reduction >= 30 - EPSILON)
    return {
        "baseline": {**baseline, "mean": _round(baseline["mean"])},
        "current": {**current, "mean": _round(current["mean"])},
        "absolute": _round(absolute),
        "percent": _round(percent),
        "category": _category(reduction, baseline["mean"], current["mean"]),
        "clinically_important": important,
    }


def _frequencies(tags, day_means):
    location_days = defaultdict(set)
    key_days = {name: defaultdict(set) for name in ("pain_types", "relievers", "triggers")}
    days_with_entries = set()
    for entry in tags:
        days_with_entries.add(entry.local_date)
        for item in entry.locations:
            location_days[(item["region"], item["side"])].add(entry.local_date)
        for name in key_days:
            for key in getattr(entry, name):
                key_days[name][key].add(entry.local_date)

    def ranked(days_by_key):
        return sorted(days_by_key.items(), key=lambda item: (-len(item[1]), item[0]))

    triggers = []
    for key, days in ranked(key_days["triggers"]):
        without = days_with_entries - days
        triggers.append(
            {
                "key": key,
                "days": len(days),
                "mean_with": _round(_mean(day_means.overall(day) for day in days)),
                "mean_without": _round(_mean(day_means.overall(day) for day in without)),
            }
        )
    return {
        "locations": [
            {"region": region, "side": side, "days": len(days)}
            for (region, side), days in ranked(location_days)
        ],
        "pain_types": [
            {"key": key, "days": len(days)} for key, days in ranked(key_days["pain_types"])
        ],
        "relievers": [
            {"key": key, "days": len(days)} for key, days in ranked(key_days["relievers"])
        ],
        "triggers": triggers,
    }


def compute_trends(points, tags, sessions, date_from, date_to, tz_name):
    """The trends document for [date_from, date_to].

    ``points``: every entry of the patient, sorted by ``recorded_at``; ``tags``: the entries with
    ``local_date`` in range; ``sessions``: every session of the patient, sorted by start time.
    """
    day_means = _DayMeans(points)
    listed = [s for s in sessions if date_from <= s.local_date <= date_to]
    numbers = {session.id: index for index, session in enumerate(sessions, start=1)}
    return {
        "range": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "days": _days(day_means, date_from, date_to),
        "sessions": [
            {
                "id": s.id,
                "number": numbers[s.id],
                "started_at": iso_instant(s.started_at),
                "local_date": s.local_date.isoformat(),
                "practitioner": s.practitioner,
                "techniques": list(s.techniques),
                "pain_before": s.pain_before,
                "pain_after": s.pain_after,
            }
            for s in listed
        ],
        "intervals": _intervals(points, day_means, sessions, listed, date_to, tz_name),
        "progress": {m: _progress_for(points, sessions, m, date_to, tz_name) for m in MEASURES},
        **_frequencies(tags, day_means),
    }


def _decoder():
    """Turn raw column values into Python ones, decoding each distinct JSON text only once.

    On SQLite the columns are read as plain text (``_raw``) and parsed here: a patient's lists
    repeat a lot, and per-row type processing was most of the time for five years of entries.
    """
    cache, dates = {}, {}

    def lists(value):
        if not isinstance(value, str):
            return value
        parsed = cache.get(value)
        if parsed is None:
            parsed = cache[value] = json.loads(value)
        return parsed

    def instant(value):
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def day(value):
        if not isinstance(value, str):
            return value
        parsed = dates.get(value)
        if parsed is None:
            parsed = dates[value] = date.fromisoformat(value)
        return parsed

    return lists, instant, day


def load_trends(user, date_from, date_to):
    """Read the patient's entries and sessions (3 queries) and compute the trends."""
    sqlite = db.engine.dialect.name == "sqlite"

    def raw(column):
        return type_coerce(column, String) if sqlite else column

    lists, instant, day = _decoder()
    points = [
        Point(instant(recorded), day(local), overall, back, leg)
        for recorded, local, overall, back, leg in db.session.execute(
            select(
                raw(Entry.recorded_at), raw(Entry.local_date), Entry.overall, Entry.back, Entry.leg
            )
            .where(Entry.user_id == user.id)
            .order_by(Entry.recorded_at, Entry.id)
        )
    ]
    tags = [
        Tags(day(local), lists(locations), lists(pain_types), lists(triggers), lists(relievers))
        for local, locations, pain_types, triggers, relievers in db.session.execute(
            select(
                raw(Entry.local_date),
                raw(Entry.locations),
                raw(Entry.pain_types),
                raw(Entry.triggers),
                raw(Entry.relievers),
            ).where(
                Entry.user_id == user.id,
                Entry.local_date >= date_from,
                Entry.local_date <= date_to,
            )
        )
    ]
    sessions = [
        SessionRow(*row)
        for row in db.session.execute(
            select(
                AcupunctureSession.id,
                AcupunctureSession.started_at,
                AcupunctureSession.local_date,
                AcupunctureSession.practitioner,
                AcupunctureSession.techniques,
                AcupunctureSession.pain_before,
                AcupunctureSession.pain_after,
            )
            .where(AcupunctureSession.user_id == user.id)
            .order_by(AcupunctureSession.started_at, AcupunctureSession.id)
        )
    ]
    return compute_trends(points, tags, sessions, date_from, date_to, user.timezone)
