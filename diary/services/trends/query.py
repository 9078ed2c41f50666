"""The trends document from the database, in 5 queries whatever the amount of data.

The database sums the scores of each date before the range from an index alone; the range's
entries travel to Python once, as plain columns, for both their per-date sums and the dates of
each distinct list, and the scores of the entries inside the session windows by time (a test
checks this agrees with the pure ``compute_trends`` on random diaries).
"""

import json
from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import (
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)

from ...core.extensions import db
from ...instruments import instruments
from ...models import AcupunctureSession, Entry, QuestionnaireResponse
from .compute import (
    LISTS,
    DayStats,
    ResponseRow,
    SessionRow,
    Timeline,
    _document,
    _spans,
    _tag_key,
    charted,
)

# The reliever "medication" in an entry's JSON list (a custom key cannot be the same word).
MEDICATION_RELIEVER = cast(Entry.relievers, Text).like('%"medication"%')


def dates_with(user_id, measure, first, last):
    """How many local dates ``first``..``last`` (ISO text or dates) hold an entry with
    ``measure`` (for the words of a "too early" progress verdict)."""
    column = getattr(Entry, measure)
    return db.session.scalar(
        select(func.count(func.distinct(Entry.local_date))).where(
            Entry.user_id == user_id,
            Entry.local_date >= _as_date(first),
            Entry.local_date <= _as_date(last),
            column.is_not(None),
        )
    )


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def first_date(user_id):
    """The earliest local date of any entry or session of the patient, or None."""
    return _edge_date(user_id, func.min, min)


def last_date(user_id):
    """The latest local date of any entry or session of the patient, or None."""
    return _edge_date(user_id, func.max, max)


def _edge_date(user_id, aggregate, pick):
    dates = [
        db.session.scalar(select(aggregate(model.local_date)).where(model.user_id == user_id))
        for model in (Entry, AcupunctureSession)
    ]
    dates = [value for value in dates if value is not None]
    return pick(dates) if dates else None


def _instant(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _list(value):
    return json.loads(value) if isinstance(value, str) else value


def _outside_days_query(in_range, day_text):
    """One row per date of the patient outside the range: the count, sums and maximum of the
    scores, from the ``local_date`` index alone (progress's baseline may lie before ``from``).

    The rows have ``DayStats.from_rows``' shape, the last five columns None (``days`` shows
    only the range's dates).
    """
    patient, *dates = in_range
    return (
        select(
            day_text(Entry.local_date),
            func.count(),
            func.sum(Entry.overall),
            func.max(Entry.overall),
            func.sum(Entry.back),
            func.count(Entry.back),
            func.sum(Entry.leg),
            func.count(Entry.leg),
            *(null() for _ in range(5)),
        )
        .where(patient, not_(and_(*dates)))
        .group_by(Entry.local_date)
    )


def _range_query(in_range, day_text):
    """The range's entries, by date: the scores, the medication flag and the four lists.

    One pass over their rows gives both the per-date sums and each list's dates
    (``_range_days_and_lists``); grouping them in the database took five passes (one per list
    and one for the sums), each visiting every row of the range again.
    """
    return (
        select(
            day_text(Entry.local_date),
            Entry.overall,
            Entry.back,
            Entry.leg,
            Entry.sleep_quality,
            Entry.interference,
            case((or_(Entry.medications != "", MEDICATION_RELIEVER), 1), else_=0),
            *(cast(getattr(Entry, name), Text) for name in LISTS),
        )
        .where(*in_range)
        .order_by(Entry.local_date)
    )


def _range_days_and_lists(rows):
    """From the range's entries (``_range_query``): one ``DayStats.from_rows`` row per date, and
    for each list (in ``LISTS`` order) its distinct texts with the dates they were logged on."""
    days = {}
    lists = tuple(defaultdict(list) for _ in LISTS)
    locations, pain_types, relievers, triggers = lists  # LISTS' order, as the query's columns
    for day, overall, back, leg, sleep, interference, medicated, *texts in rows:
        sums = days.get(day)
        if sums is None:
            sums = days[day] = [day, 0, 0, overall, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        # Unrolled on purpose: this runs once per entry of the range, and loops over the four
        # scores and the four lists made five years about 1 ms (3 %) slower, measured.
        sums[1] += 1
        sums[2] += overall
        if overall > sums[3]:
            sums[3] = overall
        if back is not None:
            sums[4] += back
            sums[5] += 1
        if leg is not None:
            sums[6] += leg
            sums[7] += 1
        if sleep is not None:
            sums[8] += sleep
            sums[9] += 1
        if interference is not None:
            sums[10] += interference
            sums[11] += 1
        sums[12] += medicated
        locations[texts[0]].append(day)
        pain_types[texts[1]].append(day)
        relievers[texts[2]].append(day)
        triggers[texts[3]].append(day)
    return days.values(), lists


def _windows_query(patient, raw, day_text, with_rest):
    """The entries of the session windows by time: instant, scores and, only in the first
    span (the baseline window, the one place their dates are read), the local date.

    The instant and scores are in the ``recorded_at`` index: without the date, the other
    span's entries (most of them) are read from the index alone, never from the table.
    """

    def between(start, end):
        return and_(Entry.recorded_at >= bindparam(start), Entry.recorded_at < bindparam(end))

    def part(date_column, *where):
        return select(
            raw(Entry.recorded_at).label("recorded_at"),
            Entry.overall,
            Entry.back,
            Entry.leg,
            date_column,
        ).where(patient, *where)

    in_baseline = between("baseline_from", "baseline_to")
    baseline = part(day_text(Entry.local_date), in_baseline)
    if not with_rest:
        return baseline.order_by(Entry.recorded_at)
    rest = part(cast(null(), String), between("rest_from", "rest_to"), not_(in_baseline))
    return union_all(baseline, rest).order_by(literal_column("recorded_at"))


class _Queries:
    """The trends statements of one database dialect, built once: the patient, the range and
    the session windows are bound parameters.

    Built on every request, the statements cost their construction and their cache keys: about
    1.5 ms of a five-year request, before any row is read.
    """

    def __init__(self, dialect):
        if dialect.name == "sqlite":

            def raw(column):
                return type_coerce(column, String)

            day_text = raw
            self.key = Entry.recorded_at.type.dialect_impl(dialect).bind_processor(dialect)
        else:

            def raw(column):
                return column

            def day_text(column):
                return func.to_char(column, "YYYY-MM-DD")

            def key(instant):
                return instant

            self.key = key
        patient = Entry.user_id == bindparam("user_id")
        in_range = (
            patient,
            Entry.local_date >= bindparam("date_from"),
            Entry.local_date <= bindparam("date_to"),
        )
        self.sessions = (
            select(
                AcupunctureSession.id,
                raw(AcupunctureSession.started_at),
                day_text(AcupunctureSession.local_date),
                AcupunctureSession.practitioner,
                raw(AcupunctureSession.techniques),
                AcupunctureSession.pain_before,
                AcupunctureSession.pain_after,
            )
            .where(AcupunctureSession.user_id == bindparam("user_id"))
            .order_by(AcupunctureSession.started_at, AcupunctureSession.id)
        )
        self.outside_days = _outside_days_query(in_range, day_text)
        self.range = _range_query(in_range, day_text)
        self.windows = {
            with_rest: _windows_query(patient, raw, day_text, with_rest)
            for with_rest in (False, True)
        }


_QUERIES = {}


def _queries(dialect):
    """The ``_Queries`` of ``dialect``, made at its first use."""
    found = _QUERIES.get(dialect.name)
    if found is None:
        found = _QUERIES[dialect.name] = _Queries(dialect)
    return found


def load_trends(user, date_from, date_to):
    """Read what the range needs (5 queries, whatever the amount of data) and compute.

    The database sums the scores of each date outside the range; the range's entries come once,
    as plain columns, for their per-date sums and each distinct list's dates, and the session
    windows' entries by time. On SQLite dates and instants stay the
    stored text (ISO, fixed width), which sorts and compares like the values, so nothing is
    parsed per entry.
    """
    connection = db.session.connection()
    queries = _queries(connection.dialect)
    patient = {"user_id": user.id}
    sessions = [
        SessionRow(
            sid,
            _instant(started),
            date.fromisoformat(local),
            practitioner,
            _list(techniques),
            before,
            after,
        )
        for sid, started, local, practitioner, techniques, before, after in connection.execute(
            queries.sessions, patient
        ).all()
    ]
    in_range = {**patient, "date_from": date_from, "date_to": date_to}
    range_days, lists = _range_days_and_lists(connection.execute(queries.range, in_range))
    day_stats = DayStats.from_rows(
        [*connection.execute(queries.outside_days, in_range).all(), *range_days]
    )
    rows = []
    spans = _spans(sessions, date_from, date_to, user.timezone)
    if spans:
        (baseline_from, baseline_to), *rest = spans  # the baseline window, then at most one
        windows = {**patient, "baseline_from": baseline_from, "baseline_to": baseline_to}
        if rest:
            windows.update(rest_from=rest[0][0], rest_to=rest[0][1])
        rows = connection.execute(queries.windows[bool(rest)], windows).all()
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * 5
    timeline = Timeline(*columns, queries.key)

    found = {name: defaultdict(set) for name in LISTS}
    for name, dates_by_text in zip(LISTS, lists, strict=True):
        target = found[name]
        for text, dates in dates_by_text.items():
            for item in _list(text):
                target[_tag_key(name, item)].update(dates)
    known = instruments()
    responses = [
        ResponseRow(*row)
        for row in connection.execute(
            select(
                QuestionnaireResponse.id,
                QuestionnaireResponse.instrument,
                QuestionnaireResponse.answered_at,
                QuestionnaireResponse.local_date,
                QuestionnaireResponse.score,
            )
            .where(
                QuestionnaireResponse.user_id == user.id,
                QuestionnaireResponse.instrument.in_(list(charted(known))),
            )
            .order_by(QuestionnaireResponse.answered_at, QuestionnaireResponse.id)
        ).all()
    ]
    return _document(
        day_stats,
        timeline,
        found,
        sessions,
        date_from,
        date_to,
        user.timezone,
        responses,
        known,
    )
