"""The practitioner's dashboard: one row per connected patient (PRODUCT.md section 13).

Built from four grouped queries over all connected patients at once, whatever their number
(never a loop of per-patient trends): the connections with their patients; each patient's
anchor dates (first and latest entry, first and last session) by index lookups; the per-date
sums of the few date windows the rows need (the last 7 days, and progress's baseline and
current windows); and the entries of the week before each first session. Progress is then
computed by the very function the trends use (``progress_of``), so the dashboard and the
patient's own trends never disagree.
"""

import json
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import Date, Integer, String, column, func, select, text, type_coerce

from ..core.extensions import db
from ..core.timeutil import iso_instant, local_today, utcnow
from ..models import (
    AccessLogEntry,
    AcupunctureSession,
    CareConnection,
    Entry,
    QuestionnaireResponse,
    User,
    UTCDateTime,
)
from .questionnaires import URGENT_FOR
from .trends import DayStats, Timeline, progress_of

WEEK_DAYS = 7
NOT_LOGGING_DAYS = 3  # no entry dated in the last 3 days (today - 2 ... today)
BASELINE_BEFORE_FIRST_SESSION = timedelta(days=7)
FLAG_ORDER = ("red_flag", "worse", "not_logging", "check_in_due")


# Fed by the questionnaires (PRODUCT.md section 11), which live on another branch: each
# takes the patients' ids and answers for all of them at once (one grouped query), so the
# dashboard's query count stays constant. Until they are wired in, they say "nothing".


def latest_peg_scores(patient_ids):
    """patient id -> the score of their latest PEG response (by ``answered_at``), rounded as
    the API rounds it: one query for every patient."""
    latest = (
        select(
            QuestionnaireResponse.user_id,
            QuestionnaireResponse.score,
            func.row_number()
            .over(
                partition_by=QuestionnaireResponse.user_id,
                order_by=(
                    QuestionnaireResponse.answered_at.desc(),
                    QuestionnaireResponse.id.desc(),
                ),
            )
            .label("place"),
        )
        .where(
            QuestionnaireResponse.user_id.in_(patient_ids),
            QuestionnaireResponse.instrument == "peg",
        )
        .subquery()
    )
    rows = db.session.execute(
        select(latest.c.user_id, latest.c.score).where(latest.c.place == 1)
    ).all()
    return {patient_id: round(score, 2) for patient_id, score in rows}


def red_flag_patients(patient_ids, now=None):
    """The patients with a red-flag response with any ``true`` answer (``urgent``) answered in
    the last 14 days: one query for every patient."""
    since = (now or utcnow()) - URGENT_FOR
    return set(
        db.session.scalars(
            select(QuestionnaireResponse.user_id)
            .where(
                QuestionnaireResponse.user_id.in_(patient_ids),
                QuestionnaireResponse.instrument == "red_flags",
                QuestionnaireResponse.urgent.is_(True),
                QuestionnaireResponse.answered_at >= since,
            )
            .distinct()
        )
    )


def check_in_due_patients(todays):
    """The patients whose weekly check-in (the PEG, and the red flags with it) is due: no PEG
    response dated in their last 7 days (today - 6 ... today in their own zone; section 11).
    ``todays``: patient id -> their today. One query for every patient."""
    if not todays:
        return set()
    earliest = min(todays.values()) - timedelta(days=WEEK_DAYS - 1)
    answered = defaultdict(list)
    for patient_id, day in db.session.execute(
        select(QuestionnaireResponse.user_id, QuestionnaireResponse.local_date).where(
            QuestionnaireResponse.user_id.in_(list(todays)),
            QuestionnaireResponse.instrument == "peg",
            QuestionnaireResponse.local_date >= earliest,
            QuestionnaireResponse.local_date <= max(todays.values()),
        )
    ):
        answered[patient_id].append(day)
    return {
        patient_id
        for patient_id, today in todays.items()
        if not any(
            today - timedelta(days=WEEK_DAYS - 1) <= day <= today
            for day in answered[patient_id]
        )
    }


# Each (patient, value...) list travels as one JSON parameter, read back as a table by the
# database: one statement, compiled once and cached, whatever the number of patients (a VALUES
# list would be compiled again for every request, and its cost grows with the rows).
POSTGRES_TYPES = {Integer: "integer", Date: "date", UTCDateTime: "timestamptz"}


def _table(name, columns, rows):
    """``rows`` as a table ``name`` with ``columns`` (name, type), from one JSON parameter."""
    if db.session.get_bind().dialect.name == "postgresql":
        picks = ", ".join(
            f"CAST(value->>{index} AS {POSTGRES_TYPES[kind]}) AS {label}"
            for index, (label, kind) in enumerate(columns)
        )
        source = f"json_array_elements(CAST(:{name} AS json)) AS value"
    else:
        picks = ", ".join(
            f"json_extract(value, '$[{index}]') AS {label}"
            for index, (label, _) in enumerate(columns)
        )
        source = f"json_each(:{name})"
    statement = text(f"SELECT {picks} FROM {source}")  # noqa: S608  # nosec B608 - fixed column names
    return (
        statement.bindparams(**{name: json.dumps(rows)})
        .columns(*(column(label, kind()) for label, kind in columns))
        .cte(name)
    )


def _stored_instant():
    """An aware instant as the database compares it: SQLite's stored text, else ISO text."""
    dialect = db.session.get_bind().dialect
    if dialect.name == "sqlite":
        return Entry.recorded_at.type.dialect_impl(dialect).bind_processor(dialect)
    return lambda instant: instant.isoformat()


def _raw(column_):
    """Dates and instants as SQLite stores them (ISO text, fixed width: they sort and compare
    like the values and cost no parsing), and as themselves elsewhere (trends/query.py too)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return type_coerce(column_, String)
    return column_


def _day_text(column_):
    """A date column as ISO text."""
    if db.session.get_bind().dialect.name == "sqlite":
        return type_coerce(column_, String)
    return func.to_char(column_, "YYYY-MM-DD")


def _connections(practitioner_id):
    return db.session.execute(
        select(
            CareConnection.id,
            CareConnection.created_at,
            User.id,
            User.display_name,
            User.timezone,
            User.session_count,
        )
        .join(User, User.id == CareConnection.patient_id)
        .where(CareConnection.practitioner_id == practitioner_id)
    ).all()


def _anchors(todays):
    """patient id -> (first entry date, latest entry date up to today, last entry date,
    first session start, last session date): index lookups, one query."""
    patients = _table(
        "patients",
        (("patient_id", Integer), ("today", Date)),
        [(patient_id, today.isoformat()) for patient_id, today in todays.items()],
    )
    mine = Entry.user_id == patients.c.patient_id
    sessions = AcupunctureSession.user_id == patients.c.patient_id
    query = select(
        patients.c.patient_id,
        select(func.min(Entry.local_date)).where(mine).scalar_subquery(),
        select(func.max(Entry.local_date))
        .where(mine, Entry.local_date <= patients.c.today)
        .scalar_subquery(),
        select(func.max(Entry.local_date)).where(mine).scalar_subquery(),
        select(func.min(AcupunctureSession.started_at)).where(sessions).scalar_subquery(),
        select(AcupunctureSession.local_date)
        .where(sessions)
        .order_by(AcupunctureSession.started_at.desc(), AcupunctureSession.id.desc())
        .limit(1)
        .scalar_subquery(),
    )
    rows = db.session.execute(query)
    return {row[0]: tuple(_as_date(value) for value in row[1:]) for row in rows}


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _merged(spans):
    """Date spans ``(first, last)`` merged where they overlap or touch."""
    merged = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _day_sums(windows):
    """patient id -> per-date sums over their date windows (one grouped query)."""
    found = {patient_id: [] for patient_id, _, _ in windows}
    if not windows:
        return found
    spans = _table(
        "spans",
        (("patient_id", Integer), ("first", Date), ("last", Date)),
        [(patient_id, first.isoformat(), last.isoformat()) for patient_id, first, last in windows],
    )
    query = (
        select(
            Entry.user_id,
            _day_text(Entry.local_date),
            func.count(),
            func.sum(Entry.overall),
            func.sum(Entry.leg),
            func.count(Entry.leg),
        )
        .join(
            spans,
            (Entry.user_id == spans.c.patient_id)
            & (Entry.local_date >= spans.c.first)
            & (Entry.local_date <= spans.c.last),
        )
        .group_by(Entry.user_id, Entry.local_date)
    )
    for patient_id, day, count, overall, leg, leg_count in db.session.connection().execute(query):
        found[patient_id].append((day, count, overall, leg, leg_count))
    return found


def _before_first_sessions(starts):
    """patient id -> ``(recorded_at, overall, local_date)`` of the entries in the 7 days before
    their first session, by time (one query); and the function that turns an aware instant
    into what ``recorded_at`` holds (SQLite's stored text, for comparing without parsing)."""
    found = {patient_id: [] for patient_id in starts}
    stored = _stored_instant()
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    key = stored if sqlite else (lambda instant: instant)
    if not starts:
        return found, key
    weeks = _table(
        "weeks",
        (("patient_id", Integer), ("opens", UTCDateTime), ("closes", UTCDateTime)),
        [
            (patient_id, stored(start - BASELINE_BEFORE_FIRST_SESSION), stored(start))
            for patient_id, start in starts.items()
        ],
    )
    query = (
        select(
            Entry.user_id, _raw(Entry.recorded_at), Entry.overall, _day_text(Entry.local_date)
        )
        .join(
            weeks,
            (Entry.user_id == weeks.c.patient_id)
            & (Entry.recorded_at >= weeks.c.opens)
            & (Entry.recorded_at < weeks.c.closes),
        )
        .order_by(Entry.user_id, Entry.recorded_at)
    )
    for patient_id, recorded_at, overall, local in db.session.connection().execute(query):
        found[patient_id].append((recorded_at, overall, local))
    return found, key


def _mean(total, count):
    return round(total / count, 2) if count else None


def _row(connection, anchors, days, before_first, key, today, extra):
    """One patient's dashboard row from what the grouped queries found."""
    connection_id, since, patient_id, name, tz_name, session_count = connection
    first, latest, last_entry, first_session, last_session_date = anchors
    week_from = (today - timedelta(days=WEEK_DAYS - 1)).isoformat()
    recent_from = (today - timedelta(days=NOT_LOGGING_DAYS - 1)).isoformat()
    week = [day for day in days if week_from <= day[0] <= today.isoformat()]
    overall_total = sum(day[2] for day in week)
    leg_total = sum(day[3] or 0 for day in week)
    progress = None
    if latest is not None:
        stats = DayStats.from_rows(
            # the daily-life columns (sleep, interference, medication) are not on the dashboard
            (day, count, overall, None, 0, 0, leg or 0, leg_count, None, 0, None, 0, None)
            for day, count, overall, leg, leg_count in days
        )
        timeline = Timeline(
            [instant for instant, _, _ in before_first],
            [overall for _, overall, _ in before_first],
            [None] * len(before_first),
            [None] * len(before_first),
            [local for _, _, local in before_first],
            key,
        )
        progress = progress_of(stats, timeline, first_session, "overall", today, tz_name)
    flags = set()
    if patient_id in extra["red_flag"]:
        flags.add("red_flag")
    if progress is not None and progress["category"] == "worse":
        flags.add("worse")
    if not any(recent_from <= day[0] <= today.isoformat() for day in days):
        flags.add("not_logging")
    if patient_id in extra["check_in_due"]:
        flags.add("check_in_due")
    return {
        "id": connection_id,
        "display_name": name or "Patient",
        "since": iso_instant(since),
        "last_entry_date": last_entry.isoformat() if last_entry else None,
        "days_logged_7": len(week),
        "overall_7d": _mean(overall_total, sum(day[1] for day in week)),
        "leg_7d": _mean(leg_total, sum(day[4] for day in week)),
        "progress": {
            "percent": progress["percent"] if progress else None,
            "category": progress["category"] if progress else None,
        },
        "latest_peg": extra["peg"].get(patient_id),
        "last_session": (
            {"number": session_count, "local_date": last_session_date.isoformat()}
            if last_session_date is not None
            else None
        ),
        "flags": [flag for flag in FLAG_ORDER if flag in flags],
    }


def sort_key(row):
    """Most urgent flag first (red flag, worse, not logging, check-in due), no flags last; then
    by display name."""
    rank = min((FLAG_ORDER.index(flag) for flag in row["flags"]), default=len(FLAG_ORDER))
    return (rank, row["display_name"].casefold(), row["display_name"], row["id"])


def patient_rows(practitioner_id, today_in=local_today):
    """Every connected patient's row, those needing attention first (a constant number of
    queries for any number of patients)."""
    connections = _connections(practitioner_id)
    if not connections:
        return []
    todays = {row[2]: today_in(row[4]) for row in connections}
    anchors = _anchors(todays)
    windows = []
    for patient_id, today in todays.items():
        first, latest = anchors[patient_id][0], anchors[patient_id][1]
        spans = [(today - timedelta(days=WEEK_DAYS - 1), today)]
        if first is not None:
            spans.append((first, first + timedelta(days=WEEK_DAYS - 1)))
        if latest is not None:
            spans.append((latest - timedelta(days=WEEK_DAYS - 1), latest))
        windows.extend((patient_id, lo, hi) for lo, hi in _merged(spans))
    days = _day_sums(windows)
    starts = {pid: found[3] for pid, found in anchors.items() if found[3] is not None}
    before_first, key = _before_first_sessions(starts)
    ids = list(todays)
    extra = {
        "peg": latest_peg_scores(ids),
        "red_flag": red_flag_patients(ids),
        "check_in_due": check_in_due_patients(todays),
    }
    rows = [
        _row(
            connection,
            anchors[connection[2]],
            days[connection[2]],
            before_first.get(connection[2], []),
            key,
            todays[connection[2]],
            extra,
        )
        for connection in connections
    ]
    return sorted(rows, key=sort_key)


def matches(row, query):
    """Whether a row's display name holds ``query`` (ignoring case): the dashboard's search."""
    return query.casefold() in row["display_name"].casefold()


def last_opened(connection_id):
    """When the practitioner last opened this patient's report or trends, or None."""
    return db.session.scalar(
        select(func.max(AccessLogEntry.at)).where(AccessLogEntry.connection_id == connection_id)
    )
