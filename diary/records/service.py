"""Every kind of record: owner-scoped reads, idempotent writes, versions.

All kinds follow the same rules (PRODUCT.md sections 5 and 6), so one set of functions serves
them all, told apart by a ``RecordKind``.
"""

import uuid
from functools import cache

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from ..core.extensions import db
from ..core.timeutil import local_date, utcnow
from ..models import Entry, added, count_column

# Records of one kind one account may hold: 25 years at two entries a day (a five-year diary
# is about 4,000 entries). It bounds what one account makes the server store, check and send.
MAX_PER_ACCOUNT = 20_000


class Conflict(Exception):
    """The id is taken by other content (or by another patient)."""


class QuotaExceeded(Exception):
    """The patient already holds ``MAX_PER_ACCOUNT`` records of this kind."""


class PreconditionFailed(Exception):
    """``If-Match`` named a version that is no longer current."""

    def __init__(self, current):
        super().__init__("stale version")
        self.current = current


def get(kind, user_id, record_id, for_update=False):
    """The patient's record with this id, or None (another patient's record is None too).

    ``for_update`` locks the row until commit (PostgreSQL's ``SELECT ... FOR UPDATE``; SQLite
    writes already hold the database lock), so a version check and its write cannot interleave
    with another request's.
    """
    try:
        record_id = str(uuid.UUID(record_id))
    except (ValueError, TypeError, AttributeError):
        return None
    record = db.session.get(kind.model, record_id, with_for_update=for_update or None)
    return record if record is not None and record.user_id == user_id else None


def list_between(
    kind, user_id, date_from=None, date_to=None, after=None, limit=None, filters=None
):
    """The patient's records with ``local_date`` in [from, to] (open ends allowed), by time.

    ``after`` (a ``(time, id)`` pair) starts past that record and ``limit`` caps how many:
    pages in the same order. ``filters`` maps fields to the value they must have.
    """
    model = kind.model
    query = select(model).where(model.user_id == user_id)
    for name, value in (filters or {}).items():
        query = query.where(getattr(model, name) == value)
    if date_from is not None:
        query = query.where(model.local_date >= date_from)
    if date_to is not None:
        query = query.where(model.local_date <= date_to)
    time = getattr(model, kind.time_field)
    if after is not None:
        instant, record_id = after
        query = query.where(or_(time > instant, and_(time == instant, model.id > record_id)))
    query = query.order_by(time, model.id)
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def count(kind, user_id):
    """How many records of ``kind`` the patient holds."""
    model = kind.model
    query = select(func.count()).select_from(model).where(model.user_id == user_id)
    return db.session.scalar(query)


def with_notes(user_id, date_from, date_to):
    """The patient's entries with a note, ``local_date`` in [from, to], by time."""
    query = select(Entry).where(
        Entry.user_id == user_id,
        Entry.local_date >= date_from,
        Entry.local_date <= date_to,
        Entry.notes != "",
    )
    return db.session.scalars(query.order_by(Entry.recorded_at, Entry.id)).all()


def create(kind, user, cleaned, now=None, readonly=None):
    """Store a new record, or answer a replay: returns ``(record, created)``; raises Conflict,
    or QuotaExceeded when the patient holds ``MAX_PER_ACCOUNT`` records of the kind.

    The row goes in with one plain INSERT and the patient's data tag and count with one
    UPDATE (``models.added``), not through the ORM's unit of work: the most frequent write
    costs a fifth less. The record answered is built from the same values. ``readonly`` sets
    the kind's server-written fields (a session's ``recorded_by``).
    """
    now = now or utcnow()
    record_id = cleaned.get("id") or str(uuid.uuid4())
    instant = cleaned.get(kind.time_field) or now
    values = {
        "id": record_id,
        "user_id": user.id,
        "local_date": local_date(instant, user.timezone),
        "version": 1,
        "created_at": now,
        "updated_at": now,
        kind.time_field: instant,
        **{name: cleaned[name] for name in kind.field_names},
        **kind.derived(cleaned),
        **(readonly or {}),
    }
    _with_defaults(kind.model, values)
    # The count came with the patient's row at the start of the request (kept by every write,
    # see models.added and models.counted): no query. Requests racing at the very edge may
    # each add one.
    if getattr(user, count_column(kind.model)) >= MAX_PER_ACCOUNT:
        existing = db.session.get(kind.model, record_id)
        if existing is None:
            raise QuotaExceeded()
        return _replay(kind, user, existing, cleaned), False  # a replay still answers
    try:
        db.session.execute(_insert_statement(kind.model), values)
        added(db.session, user.id, kind.model)
        db.session.commit()
    except IntegrityError:
        # The id is taken (a replay, or another request with the same id won a race): the
        # insert wrote nothing; judge this request as a replay of the stored record. New ids,
        # the usual case, cost no lookup.
        db.session.rollback()
        existing = db.session.get(kind.model, record_id)
        if existing is None:
            raise
        return _replay(kind, user, existing, cleaned), False
    return kind.model(**values), True


def _with_defaults(model, values):
    """``values`` and every column's own default it leaves out (``recorded_by`` ""): the
    record answered is the row the INSERT wrote, as a later read gives it."""
    for column in model.__table__.columns:
        if column.key not in values and column.default is not None and column.default.is_scalar:
            values[column.key] = column.default.arg
    return values


@cache
def _insert_statement(model):
    """INSERT of one row of ``model`` (built once)."""
    return insert(model.__table__)


def _replay(kind, user, existing, cleaned):
    if existing.user_id != user.id or not kind.same_content(existing, cleaned):
        raise Conflict()
    return existing


def update(kind, user, record, cleaned, expected_versions=None, now=None):
    """Replace the editable fields; an absent time keeps the stored one.

    The version grows by one only when something changed, so a repeated PUT is harmless.
    Raises PreconditionFailed when ``expected_versions`` (from ``If-Match``) is given and
    does not hold the current version.
    """
    if expected_versions is not None and record.version not in expected_versions:
        raise PreconditionFailed(record)
    if kind.same_content(record, cleaned):
        return record
    now = now or utcnow()
    instant = cleaned.get(kind.time_field)
    if instant is not None and instant != getattr(record, kind.time_field):
        setattr(record, kind.time_field, instant)
        record.local_date = local_date(instant, user.timezone)
    for name, value in {
        **{name: cleaned[name] for name in kind.field_names},
        **kind.derived(cleaned),
    }.items():
        setattr(record, name, value)
    record.version = record.version + 1
    record.updated_at = now
    db.session.commit()
    return record


def remove(record):
    """Delete a record."""
    db.session.delete(record)
    db.session.commit()


def latest(kind, user_id):
    """The patient's most recent record of ``kind`` by time, or None."""
    model = kind.model
    time = getattr(model, kind.time_field)
    query = select(model).where(model.user_id == user_id)
    return db.session.scalar(query.order_by(time.desc(), model.id.desc()).limit(1))


def numbers(kind, user_id):
    """Record id -> its 1-based place among the patient's records of ``kind`` by time."""
    model = kind.model
    ids = db.session.scalars(
        select(model.id)
        .where(model.user_id == user_id)
        .order_by(getattr(model, kind.time_field), model.id)
    ).all()
    return {record_id: index for index, record_id in enumerate(ids, start=1)}


def number_of(kind, record):
    """One record's place among the patient's records of ``kind`` by time (ties by id)."""
    model = kind.model
    time = getattr(model, kind.time_field)
    instant = getattr(record, kind.time_field)
    return db.session.scalar(
        select(func.count())
        .select_from(model)
        .where(
            model.user_id == record.user_id,
            or_(time < instant, and_(time == instant, model.id <= record.id)),
        )
    )


def to_dict(kind, record):
    """One record in its API shape (its number looked up for numbered kinds)."""
    return kind.to_dict(record, number_of(kind, record) if kind.numbered else None)


def to_dicts(kind, found, user_id):
    """Records of one patient in their API shapes, numbered with one query at most."""
    places = numbers(kind, user_id) if kind.numbered else {}
    return [kind.to_dict(record, places.get(record.id)) for record in found]


def all_as_dicts(kind, user_id):
    """Every record of ``kind`` of the patient, by time, in API shapes (for exports)."""
    found = list_between(kind, user_id)
    # list_between orders records as their numbers do (time, then id).
    return [
        kind.to_dict(record, index if kind.numbered else None)
        for index, record in enumerate(found, start=1)
    ]
