"""The trends document from the database, in 6 queries whatever the amount of data.

The database sums the entries per date and gathers the dates of each distinct list; only the
entries inside the session windows travel to Python (a test checks this agrees with the pure
``compute_trends`` on random diaries).
"""

import json
from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import (
    String,
    Text,
    and_,
    case,
    cast,
    func,
    literal_column,
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


def load_trends(user, date_from, date_to):
    """Read what the range needs (6 queries, whatever the amount of data) and compute.

    The database sums the entries per date and gathers, for each distinct list of pain types,
    triggers, relievers or locations, the dates it was logged on; only the entries inside the
    session windows travel to Python, as plain columns. On SQLite dates and instants stay the
    stored text (ISO, fixed width), which sorts and compares like the values, so nothing is
    parsed per entry.
    """
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name == "sqlite":

        def raw(column):
            return type_coerce(column, String)

        day_text = raw
        key = Entry.recorded_at.type.dialect_impl(dialect).bind_processor(dialect)
    else:

        def raw(column):
            return column

        def day_text(column):
            return func.to_char(column, "YYYY-MM-DD")

        def key(instant):
            return instant

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
            select(
                AcupunctureSession.id,
                raw(AcupunctureSession.started_at),
                day_text(AcupunctureSession.local_date),
                AcupunctureSession.practitioner,
                raw(AcupunctureSession.techniques),
                AcupunctureSession.pain_before,
                AcupunctureSession.pain_after,
            )
            .where(AcupunctureSession.user_id == user.id)
            .order_by(AcupunctureSession.started_at, AcupunctureSession.id)
        ).all()
    ]
    in_range = (
        Entry.user_id == user.id,
        Entry.local_date >= date_from,
        Entry.local_date <= date_to,
    )
    day_stats = DayStats.from_rows(
        connection.execute(
            select(
                day_text(Entry.local_date),
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
        ).all(),
        connection.execute(
            select(
                day_text(Entry.local_date),
                func.sum(Entry.sleep_quality),
                func.count(Entry.sleep_quality),
                func.sum(Entry.interference),
                func.count(Entry.interference),
                func.sum(case((or_(Entry.medications != "", MEDICATION_RELIEVER), 1), else_=0)),
            )
            .where(*in_range)
            .group_by(Entry.local_date)
        ).all(),
    )
    rows = []
    spans = _spans(sessions, date_from, date_to, user.timezone)
    if spans:
        rows = connection.execute(
            select(
                raw(Entry.recorded_at),
                Entry.overall,
                Entry.back,
                Entry.leg,
                day_text(Entry.local_date),
            )
            .where(
                Entry.user_id == user.id,
                or_(*(and_(Entry.recorded_at >= a, Entry.recorded_at < b) for a, b in spans)),
            )
            .order_by(Entry.recorded_at)
        ).all()
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * 5
    timeline = Timeline(*columns, key)

    found = {name: defaultdict(set) for name in LISTS}
    for index, text, days in connection.execute(
        union_all(
            *(
                select(
                    literal_column(str(index)),
                    cast(getattr(Entry, name), Text),
                    func.aggregate_strings(day_text(Entry.local_date), ","),
                )
                .where(*in_range)
                .group_by(cast(getattr(Entry, name), Text))
                for index, name in enumerate(LISTS)
            )
        )
    ).all():
        name = LISTS[int(index)]
        dates = days.split(",")
        target = found[name]
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
