"""Trends between acupuncture sessions: every number of PRODUCT.md section 7 (and the
questionnaires of section 11), computed.

Pure: plain tuples and dates in, the trends document out, so each definition is testable on
small hand-made cases. Numbers are computed unrounded and rounded to 2 decimals only on output.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from math import fsum
from typing import NamedTuple

from ...core.timeutil import iso_instant, zone
from ...instruments import shipped

MEASURES = ("overall", "back", "leg")
PRE_SESSION_WINDOW = timedelta(hours=72)
BASELINE_BEFORE_FIRST_SESSION = timedelta(days=7)
WINDOW_DAYS = 7  # the baseline fallback and the current window: a date and the six after/before
MIN_WINDOW_DATES = 3  # fewer dates with the measure in either window: too early to judge
EPSILON = 1e-9  # guards the category boundaries against binary floating-point noise
LISTS = ("locations", "pain_types", "relievers", "triggers")


class Point(NamedTuple):
    """The numbers of one entry."""

    recorded_at: datetime
    local_date: object
    overall: int
    back: int | None
    leg: int | None
    sleep_quality: int | None = None
    interference: int | None = None
    medicated: bool = False  # any medications, or the reliever "medication"


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


class ResponseRow(NamedTuple):
    """The fields of a questionnaire response that trends report."""

    id: str
    instrument: str
    answered_at: datetime
    local_date: object
    score: float  # unrounded


def charted(instruments):
    """The instruments trends report: those with a meaningful-change rule (not red flags)."""
    return {key: item for key, item in instruments.items() if item.meaningful_change}


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


class Timeline(NamedTuple):
    """Entries in time order, as parallel lists.

    ``times`` holds whatever ``key`` makes of an aware instant: the instant itself, or on SQLite
    the stored text (fixed width, so it sorts like the instant and costs no parsing).
    """

    times: list
    overall: list
    back: list
    leg: list
    dates: list  # ISO local dates
    key: Callable

    @classmethod
    def from_points(cls, points):
        """``Point``s sorted by ``recorded_at``."""
        return cls(
            [p.recorded_at for p in points],
            [p.overall for p in points],
            [p.back for p in points],
            [p.leg for p in points],
            [p.local_date.isoformat() for p in points],
            lambda instant: instant,
        )

    def position(self, instant):
        """How many entries come before ``instant``."""
        return bisect_left(self.times, self.key(instant))

    def span(self, start, end):
        """The slice of positions with start <= time < end."""
        return slice(self.position(start), self.position(end))


DAY_EXTRAS = ("sleep_quality", "interference")  # means per day in ``days``, not measures


class DayStats:
    """Per-date sums of each measure, keyed by ISO date text: all section 7 needs of dates.

    Built from entries (``from_points``) or from per-date sums made by the database
    (``from_rows``); sums of integers are exact, so both give the very same means.
    """

    def __init__(self):
        self.entries = {}
        self.overall_max = {}
        self.sums = {m: {} for m in MEASURES + DAY_EXTRAS}
        self.counts = {m: {} for m in MEASURES + DAY_EXTRAS}
        self.medicated = {}  # day -> whether any entry of the day was medicated
        self.mean = {}

    @classmethod
    def from_points(cls, points):
        """Aggregate entries (``Point``s) by local date."""
        stats = cls()
        entries, overall_max = stats.entries, stats.overall_max
        for point in points:
            day = point.local_date.isoformat()
            entries[day] = entries.get(day, 0) + 1
            if point.overall > overall_max.get(day, -1):
                overall_max[day] = point.overall
            stats.medicated[day] = stats.medicated.get(day, False) or bool(point.medicated)
            for m in MEASURES + DAY_EXTRAS:
                value = getattr(point, m)
                if value is not None:
                    stats.sums[m][day] = stats.sums[m].get(day, 0) + value
                    stats.counts[m][day] = stats.counts[m].get(day, 0) + 1
        return stats.finish()

    @classmethod
    def from_rows(cls, rows):
        """Take one row per date: ``(day, entries, overall_sum, overall_max, back_sum,
        back_count, leg_sum, leg_count, sleep_sum, sleep_count, interference_sum,
        interference_count, medicated_count)``, the last five None outside the range (``days``
        shows only the range's dates; these columns are not in the covering index)."""
        stats = cls()
        sums, counts, medicated = stats.sums, stats.counts, stats.medicated
        for (
            day,
            entries,
            overall_sum,
            overall_max,
            back_sum,
            back_n,
            leg_sum,
            leg_n,
            sleep_sum,
            sleep_n,
            interference_sum,
            interference_n,
            medicated_n,
        ) in rows:
            stats.entries[day] = entries
            stats.overall_max[day] = overall_max
            sums["overall"][day], counts["overall"][day] = overall_sum, entries
            if back_n:
                sums["back"][day], counts["back"][day] = back_sum, back_n
            if leg_n:
                sums["leg"][day], counts["leg"][day] = leg_sum, leg_n
            if medicated_n is None:
                continue
            medicated[day] = bool(medicated_n)
            if sleep_n:
                sums["sleep_quality"][day], counts["sleep_quality"][day] = sleep_sum, sleep_n
            if interference_n:
                sums["interference"][day] = interference_sum
                counts["interference"][day] = interference_n
        return stats.finish()

    def finish(self):
        """Compute the day means once the sums are in."""
        self.mean = {
            m: {day: total / self.counts[m][day] for day, total in self.sums[m].items()}
            for m in MEASURES + DAY_EXTRAS
        }
        return self

    def overall(self, day):
        """day_mean_overall(day) for an ISO date text, None without entries."""
        return self.mean["overall"].get(day)

    def dates_with(self, measure, first, last):
        """How many dates ``first``..``last`` have an entry with ``measure``."""
        counts = self.counts[measure]
        return sum(1 for day in _dates(first, last) if day.isoformat() in counts)

    def window(self, measure, first, last):
        """The mean of ``measure`` over the entries dated ``first``..``last``, and their count."""
        total = count = 0
        sums, counts = self.sums[measure], self.counts[measure]
        for day in _dates(first, last):
            key = day.isoformat()
            if key in counts:
                total += sums[key]
                count += counts[key]
        return (total / count if count else None), count


def _days(day_stats, date_from, date_to):
    """One row per date; ``rolling7`` is the exact mean of the last 7 dates' day means."""
    means = day_stats.mean
    overall, back, leg = means["overall"], means["back"], means["leg"]
    sleep, interference = means["sleep_quality"], means["interference"]
    overall_max, entries = day_stats.overall_max, day_stats.entries
    ordinals = range(date_from.toordinal() - 6, date_to.toordinal() + 1)
    keys = [date.fromordinal(ordinal).isoformat() for ordinal in ordinals]
    day_means = [overall.get(key) for key in keys]  # the 6 dates before ``from`` come first
    rows = []
    for index in range(6, len(keys)):
        key, mean = keys[index], day_means[index]
        present = [value for value in day_means[index - 6 : index + 1] if value is not None]
        back_mean, leg_mean = back.get(key), leg.get(key)
        rows.append(
            {
                "date": key,
                "overall": None if mean is None else round(mean, 2),
                "overall_max": overall_max.get(key),
                "back": None if back_mean is None else round(back_mean, 2),
                "leg": None if leg_mean is None else round(leg_mean, 2),
                "entries": entries.get(key, 0),
                "rolling7": round(sum(present) / len(present), 2) if present else None,
                "sleep_quality": _round(sleep.get(key)),
                "interference": _round(interference.get(key)),
                "medicated": day_stats.medicated.get(key) if key in entries else None,
            }
        )
    return rows


def _end_of_day(day, tz_name):
    """The instant the day after ``day`` begins in the patient's time zone."""
    return datetime.combine(day + timedelta(days=1), time(0), zone(tz_name))


def _relief_days(day_stats, session, last_day, pre_session):
    """How many days pain stayed below the pre-session level (section 7)."""
    if pre_session is None:
        return None
    last_below = None
    for day in _dates(session.local_date + timedelta(days=1), last_day):
        mean = day_stats.overall(day.isoformat())
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


def _intervals(timeline, day_stats, sessions, listed, date_to, tz_name):
    end_of_to = _end_of_day(date_to, tz_name)
    position = {session.id: index for index, session in enumerate(sessions)}
    starts = {}  # session index -> position of its start in the timeline, computed once

    def start_of(index):
        if index not in starts:
            starts[index] = timeline.position(sessions[index].started_at)
        return starts[index]

    rows = []
    for session in listed:
        index = position[session.id]
        following = sessions[index + 1] if index + 1 < len(sessions) else None
        start = start_of(index)
        end = start_of(index + 1) if following else timeline.position(end_of_to)
        inside = timeline.overall[start:end]
        before = timeline.position(session.started_at - PRE_SESSION_WINDOW)
        pre_session = _mean(timeline.overall[before:start])
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


def _progress_for(timeline, day_stats, sessions, measure, date_to, tz_name):
    last = date_to.isoformat()
    dated = [day for day in day_stats.counts[measure] if day <= last]
    if not dated:
        return None
    baseline = None
    if sessions:
        start = sessions[0].started_at
        opens = start - BASELINE_BEFORE_FIRST_SESSION
        span = timeline.span(opens, start)
        window = getattr(timeline, measure)[span]
        values = [value for value in window if value is not None]
        dates = timeline.dates[span]
        baseline_days = len({day for day, v in zip(dates, window, strict=True) if v is not None})
        if values:
            tz = zone(tz_name)
            baseline = {
                "from": opens.astimezone(tz).date().isoformat(),
                "to": start.astimezone(tz).date().isoformat(),
                "mean": _mean(values),
                "entries": len(values),
            }
    if baseline is None:
        first = date.fromisoformat(min(day_stats.counts[measure]))
        last = first + timedelta(days=WINDOW_DAYS - 1)
        mean, count = day_stats.window(measure, first, last)
        baseline = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "mean": mean,
            "entries": count,
        }
        baseline_days = day_stats.dates_with(measure, first, last)
    latest = date.fromisoformat(max(dated))
    opens = latest - timedelta(days=WINDOW_DAYS - 1)
    mean, count = day_stats.window(measure, opens, latest)
    current = {"from": opens.isoformat(), "to": latest.isoformat(), "mean": mean, "entries": count}
    current_days = day_stats.dates_with(measure, opens, latest)

    if (
        current["from"] <= baseline["to"]
        or min(baseline_days, current_days) < MIN_WINDOW_DATES
    ):
        # Too early to judge (section 7): the windows overlap or hold too few dates.
        return {
            "baseline": {**baseline, "mean": _round(baseline["mean"])},
            "current": {**current, "mean": _round(current["mean"])},
            "absolute": None,
            "percent": None,
            "category": "too_early",
            "clinically_important": False,
        }
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


def progress_of(day_stats, timeline, first_session_start, measure, date_to, tz_name):
    """One measure's ``progress`` (section 7) from partial data, as the trends document has it.

    ``day_stats`` must hold every date of the baseline fallback window (the first date with the
    measure and the 6 after) and of the current window (the latest date on or before ``date_to``
    with the measure and the 6 before); ``timeline`` every entry of the 7 days before the first
    session (``first_session_start``, None without sessions). The practitioner's dashboard
    loads just that for all its patients at once.
    """
    sessions = []
    if first_session_start is not None:
        sessions = [SessionRow("", first_session_start, None, "", [], None, None)]
    return _progress_for(timeline, day_stats, sessions, measure, date_to, tz_name)


def _tag_key(name, item):
    return (item["region"], item["side"]) if name == "locations" else item


def _tag_days(tags):
    """{list name: {key: ISO dates}} from ``Tags``."""
    found = {name: defaultdict(set) for name in LISTS}
    for entry in tags:
        day = entry.local_date.isoformat()
        for name in LISTS:
            target = found[name]
            for item in getattr(entry, name):
                target[_tag_key(name, item)].add(day)
    return found


def _day_mean(day_stats, days):
    """The mean of the day means of ``days``; exactly summed, so the order of a set is moot."""
    values = [day_stats.overall(day) for day in days]
    return fsum(values) / len(values) if values else None


def _frequencies(found, day_stats, date_from, date_to):
    """The four frequency lists from {list name: {key: ISO dates with it}} (section 7)."""
    first, last = date_from.isoformat(), date_to.isoformat()
    days_with_entries = {day for day in day_stats.entries if first <= day <= last}

    def ranked(days_by_key):
        return sorted(days_by_key.items(), key=lambda item: (-len(item[1]), item[0]))

    return {
        "locations": [
            {"region": region, "side": side, "days": len(days)}
            for (region, side), days in ranked(found["locations"])
        ],
        "pain_types": [
            {"key": key, "days": len(days)} for key, days in ranked(found["pain_types"])
        ],
        "relievers": [{"key": key, "days": len(days)} for key, days in ranked(found["relievers"])],
        "triggers": [
            {
                "key": key,
                "days": len(days),
                "mean_with": _round(_day_mean(day_stats, days)),
                "mean_without": _round(_day_mean(day_stats, days_with_entries - days)),
            }
            for key, days in ranked(found["triggers"])
        ],
    }


def _questionnaire(instrument, rows, date_from, date_to):
    """Section 11's trend of one instrument from its responses (sorted by ``answered_at``):
    None when none is dated on or before ``to``."""
    up_to = [row for row in rows if row.local_date <= date_to]
    if not up_to:
        return None
    by_date = {}
    for row in rows:
        if date_from <= row.local_date <= date_to:
            by_date[row.local_date] = row.score  # later answers replace earlier ones
    latest = up_to[-1]
    points = [{"date": day.isoformat(), "score": _round(by_date[day])} for day in sorted(by_date)]
    if instrument.is_responder_rule:
        return {
            "points": points,
            "baseline": None,
            "latest": _round(latest.score),
            "change": None,
            "percent": None,
            "meaningful": instrument.meaningful(None, latest.score),
        }
    first = rows[0]
    change = latest.score - first.score
    return {
        "points": points,
        "baseline": _round(first.score),
        "latest": _round(latest.score),
        "change": _round(change),
        "percent": None if first.score == 0 else _round(change * 100 / first.score),
        "meaningful": latest.id != first.id and instrument.meaningful(first.score, latest.score),
    }


def _questionnaires(responses, instruments, date_from, date_to):
    """``questionnaires``: each charted instrument's trend (section 11)."""
    known = charted(instruments)
    rows = {key: [] for key in known}
    for row in responses:
        if row.instrument in rows:
            rows[row.instrument].append(row)
    return {
        key: _questionnaire(instrument, rows[key], date_from, date_to)
        for key, instrument in known.items()
    }


def compute_trends(
    points, tags, sessions, date_from, date_to, tz_name, responses=(), instruments=None
):
    """The trends document for [date_from, date_to].

    ``points``: every entry of the patient, sorted by ``recorded_at``; ``tags``: the entries with
    ``local_date`` in range; ``sessions``: every session of the patient, sorted by start time;
    ``responses``: every questionnaire response (``ResponseRow``), sorted by ``answered_at``
    then id; ``instruments``: the instruments by key (default: the shipped ones).
    """
    return _document(
        DayStats.from_points(points),
        Timeline.from_points(points),
        _tag_days(tags),
        sessions,
        date_from,
        date_to,
        tz_name,
        responses,
        shipped() if instruments is None else instruments,
    )


def _document(
    day_stats,
    timeline,
    found,
    sessions,
    date_from,
    date_to,
    tz_name,
    responses=(),
    instruments=None,
):
    """The trends document from per-date sums, a timeline, the range's tag days and the
    questionnaire responses.

    ``timeline`` must hold at least every entry of the first session's baseline window and of
    each listed session's pre-session window and interval.
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
        "intervals": _intervals(timeline, day_stats, sessions, listed, date_to, tz_name),
        "progress": {
            m: _progress_for(timeline, day_stats, sessions, m, date_to, tz_name) for m in MEASURES
        },
        **_frequencies(found, day_stats, date_from, date_to),
        "questionnaires": _questionnaires(
            responses, shipped() if instruments is None else instruments, date_from, date_to
        ),
    }


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
            else _end_of_day(date_to, tz_name)
        )
        spans.append((sessions[indexes[0]].started_at - PRE_SESSION_WINDOW, end))
    return spans
