"""Trends between acupuncture sessions: every number of PRODUCT.md section 7.

``load_trends`` reads a patient's data in a fixed number of queries (3, whatever the amount of
data); ``compute_trends`` is pure and works on plain tuples, so each definition is testable on
small hand-made cases. Numbers are computed unrounded and rounded to 2 decimals only on output.
"""

import json
import threading
from bisect import bisect_left
from collections import OrderedDict, defaultdict, deque
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import String, and_, func, or_, select, type_coerce

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


class DayStats:
    """Per-date sums of each measure: everything section 7 needs that works on dates.

    Built from entries (``from_points``) or from per-date aggregates computed by the database
    (``from_rows``); sums of integers are exact, so both give the very same means.
    """

    def __init__(self):
        self.entries = {}
        self.overall_max = {}
        self.sums = {m: {} for m in MEASURES}
        self.counts = {m: {} for m in MEASURES}
        self.mean = {}

    @classmethod
    def from_points(cls, points):
        """Aggregate entries (``Point``s) by local date."""
        stats = cls()
        entries, overall_max = stats.entries, stats.overall_max
        for _, day, overall, back, leg in points:
            entries[day] = entries.get(day, 0) + 1
            if overall > overall_max.get(day, -1):
                overall_max[day] = overall
            for m, value in (("overall", overall), ("back", back), ("leg", leg)):
                if value is not None:
                    stats.sums[m][day] = stats.sums[m].get(day, 0) + value
                    stats.counts[m][day] = stats.counts[m].get(day, 0) + 1
        return stats.finish()

    @classmethod
    def from_rows(cls, rows):
        """Take ``(day, entries, overall_sum, overall_max, back_sum, back_count, leg_sum,
        leg_count)`` rows, one per date."""
        stats = cls()
        sums, counts = stats.sums, stats.counts
        for day, entries, overall_sum, overall_max, back_sum, back_n, leg_sum, leg_n in rows:
            stats.entries[day] = entries
            stats.overall_max[day] = overall_max
            sums["overall"][day], counts["overall"][day] = overall_sum, entries
            if back_n:
                sums["back"][day], counts["back"][day] = back_sum, back_n
            if leg_n:
                sums["leg"][day], counts["leg"][day] = leg_sum, leg_n
        return stats.finish()

    def finish(self):
        """Compute the day means once the sums are in."""
        self.mean = {
            m: {day: total / self.counts[m][day] for day, total in self.sums[m].items()}
            for m in MEASURES
        }
        return self

    def overall(self, day):
        """day_mean_overall(day), None without entries."""
        return self.mean["overall"].get(day)

    def window(self, measure, first, last):
        """The mean of ``measure`` over the entries dated ``first``..``last``, and their count."""
        total = count = 0
        sums, counts = self.sums[measure], self.counts[measure]
        for day in _dates(first, last):
            if day in counts:
                total += sums[day]
                count += counts[day]
        return (total / count if count else None), count


def _days(day_stats, date_from, date_to):
    """One row per date; ``rolling7`` is the exact mean of the last 7 dates' day means."""
    rows = []
    window = deque(
        (day_stats.overall(date_from - timedelta(days=back)) for back in range(6, 0, -1)),
        maxlen=7,
    )
    for day in _dates(date_from, date_to):
        window.append(day_stats.overall(day))
        present = [value for value in window if value is not None]
        rows.append(
            {
                "date": day.isoformat(),
                "overall": _round(day_stats.mean["overall"].get(day)),
                "overall_max": day_stats.overall_max.get(day),
                "back": _round(day_stats.mean["back"].get(day)),
                "leg": _round(day_stats.mean["leg"].get(day)),
                "entries": day_stats.entries.get(day, 0),
                "rolling7": _round(sum(present) / len(present)) if present else None,
            }
        )
    return rows


def _relief_days(day_stats, session, last_day, pre_session):
    """How many days pain stayed below the pre-session level (section 7)."""
    if pre_session is None:
        return None
    last_below = None
    for day in _dates(session.local_date + timedelta(days=1), last_day):
        mean = day_stats.overall(day)
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


def _intervals(points, day_stats, sessions, listed, date_to, tz_name):
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
                "relief_days": _relief_days(day_stats, session, last_day, pre_session),
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


def _progress_for(points, day_stats, sessions, measure, date_to, tz_name):
    dated = [day for day in day_stats.counts[measure] if day <= date_to]
    if not dated:
        return None
    baseline = None
    if sessions:
        start = sessions[0].started_at
        opens = start - BASELINE_BEFORE_FIRST_SESSION
        times = [point.recorded_at for point in points]
        window = points[bisect_left(times, opens) : bisect_left(times, start)]
        values = [getattr(p, measure) for p in window if getattr(p, measure) is not None]
        if values:
            tz = zone(tz_name)
            baseline = {
                "from": opens.astimezone(tz).date().isoformat(),
                "to": start.astimezone(tz).date().isoformat(),
                "mean": _mean(values),
                "entries": len(values),
            }
    if baseline is None:
        first = min(day_stats.counts[measure])
        last = first + timedelta(days=WINDOW_DAYS - 1)
        mean, count = day_stats.window(measure, first, last)
        baseline = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "mean": mean,
            "entries": count,
        }
    latest = max(dated)
    opens = latest - timedelta(days=WINDOW_DAYS - 1)
    mean, count = day_stats.window(measure, opens, latest)
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


def _frequencies(tags, day_stats):
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
                "mean_with": _round(_mean(day_stats.overall(day) for day in days)),
                "mean_without": _round(_mean(day_stats.overall(day) for day in without)),
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
    return _document(
        DayStats.from_points(points), points, tags, sessions, date_from, date_to, tz_name
    )


def _document(day_stats, points, tags, sessions, date_from, date_to, tz_name):
    """The trends document from per-date sums and the entries the session windows need.

    ``points`` must hold, sorted by ``recorded_at``, at least every entry of the first session's
    baseline window and of each listed session's pre-session window and interval.
    """
    listed = [s for s in sessions if date_from <= s.local_date <= date_to]
    numbers = {session.id: index for index, session in enumerate(sessions, start=1)}
    return {
        "range": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "days": _days(day_stats, date_from, date_to),
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
        "intervals": _intervals(points, day_stats, sessions, listed, date_to, tz_name),
        "progress": {
            m: _progress_for(points, day_stats, sessions, m, date_to, tz_name) for m in MEASURES
        },
        **_frequencies(tags, day_stats),
    }


def _decoder():
    """Turn raw column values into Python ones, decoding each distinct text only once.

    On SQLite the columns are read as plain text (``_raw``) and parsed here: a patient's lists
    and dates repeat a lot, and per-row type processing was most of the time for five years.
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


def _spans(sessions, date_from, date_to, tz_name):
    """The ``recorded_at`` spans whose entries the session windows need: the first session's
    baseline window, and the listed sessions' pre-session windows and intervals."""
    if not sessions:
        return []
    first = sessions[0].started_at
    spans = [(first - BASELINE_BEFORE_FIRST_SESSION, first)]
    indexes = [i for i, s in enumerate(sessions) if date_from <= s.local_date <= date_to]
    if indexes:
        after_last = indexes[-1] + 1
        end = (
            sessions[after_last].started_at
            if after_last < len(sessions)
            else datetime.combine(date_to + timedelta(days=1), time(0), zone(tz_name))
        )
        spans.append((sessions[indexes[0]].started_at - PRE_SESSION_WINDOW, end))
    return spans


def load_trends(user, date_from, date_to):
    """Read what the range needs (at most 4 queries, whatever the amount of data) and compute.

    The database sums the entries per date; only the entries inside the session windows and the
    range's lists travel to Python.
    """
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"

    def raw(column):
        return type_coerce(column, String) if sqlite else column

    lists, instant, day = _decoder()
    sessions = [
        SessionRow(
            sid, instant(started), day(local), practitioner, lists(techniques), before, after
        )
        for sid, started, local, practitioner, techniques, before, after in connection.execute(
            select(
                AcupunctureSession.id,
                raw(AcupunctureSession.started_at),
                raw(AcupunctureSession.local_date),
                AcupunctureSession.practitioner,
                raw(AcupunctureSession.techniques),
                AcupunctureSession.pain_before,
                AcupunctureSession.pain_after,
            )
            .where(AcupunctureSession.user_id == user.id)
            .order_by(AcupunctureSession.started_at, AcupunctureSession.id)
        ).all()
    ]
    day_stats = DayStats.from_rows(
        (day(local), *sums)
        for local, *sums in connection.execute(
            select(
                raw(Entry.local_date),
                func.count(),
                func.sum(Entry.overall),
                func.max(Entry.overall),
                func.sum(Entry.back),
                func.count(Entry.back),
                func.sum(Entry.leg),
                func.count(Entry.leg),
            )
            .where(Entry.user_id == user.id)
            .group_by(Entry.local_date)
        ).all()
    )
    points = []
    spans = _spans(sessions, date_from, date_to, user.timezone)
    if spans:
        points = [
            Point(instant(recorded), day(local), overall, back, leg)
            for recorded, local, overall, back, leg in connection.execute(
                select(
                    raw(Entry.recorded_at),
                    raw(Entry.local_date),
                    Entry.overall,
                    Entry.back,
                    Entry.leg,
                )
                .where(
                    Entry.user_id == user.id,
                    or_(
                        *(
                            and_(Entry.recorded_at >= opens, Entry.recorded_at < closes)
                            for opens, closes in spans
                        )
                    ),
                )
                .order_by(Entry.recorded_at, Entry.id)
            ).all()
        ]
    tags = [
        Tags(day(local), lists(locations), lists(pain_types), lists(triggers), lists(relievers))
        for local, locations, pain_types, triggers, relievers in connection.execute(
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
        ).all()
    ]
    return _document(day_stats, points, tags, sessions, date_from, date_to, user.timezone)


class TrendsCache:
    """This process's most recently used trends documents, keyed by patient, data tag and range.

    A patient's data tag changes with every change to their entries or sessions
    (``models.retag``), so a stale document is never found again: it just ages out. Documents
    are shared between requests and must not be changed.
    """

    def __init__(self, size):
        self.size = size
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The cached item, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key, item):
        """Keep ``item``, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class _Cached:
    __slots__ = ("document", "body")

    def __init__(self, document):
        self.document = document
        self.body = None  # the JSON response body, made on first use


def _cached(user, date_from, date_to):
    cache = current_app.extensions.get("diary.trends_cache")
    if cache is None:
        return _Cached(load_trends(user, date_from, date_to))
    key = (user.id, user.data_tag, user.timezone, date_from, date_to)
    item = cache.get(key)
    if item is None:
        item = _Cached(load_trends(user, date_from, date_to))
        cache.put(key, item)
    return item


def trends_for(user, date_from, date_to):
    """The trends document, computed once per state of the patient's diary (read only)."""
    return _cached(user, date_from, date_to).document


def trends_response(user, date_from, date_to):
    """The trends document as a JSON response, serialised once per state of the diary."""
    item = _cached(user, date_from, date_to)
    if item.body is None:
        item.body = current_app.json.response(item.document).get_data()
    return current_app.response_class(item.body, mimetype=current_app.json.mimetype)
