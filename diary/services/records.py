"""Pain entries and acupuncture sessions: owner-scoped reads, idempotent writes, versions.

Both kinds follow the same rules (PRODUCT.md sections 5 and 6), so one set of functions serves
both, told apart by a ``Kind``.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import AcupunctureSession, Entry
from ..timeutil import iso_instant, local_date, utcnow


class Conflict(Exception):
    """The id is taken by other content (or by another patient)."""


class PreconditionFailed(Exception):
    """``If-Match`` named a version that is no longer current."""

    def __init__(self, current):
        super().__init__("stale version")
        self.current = current


@dataclass(frozen=True)
class Kind:
    """What differs between entries and sessions."""

    model: type
    time_field: str
    fields: tuple  # editable fields besides the time
    list_fields: tuple  # fields holding lists of keys, compared as sets


ENTRY = Kind(
    model=Entry,
    time_field="recorded_at",
    fields=(
        "overall",
        "back",
        "leg",
        "locations",
        "pain_types",
        "triggers",
        "relievers",
        "medications",
        "sleep_quality",
        "interference",
        "notes",
    ),
    list_fields=("pain_types", "triggers", "relievers"),
)
SESSION = Kind(
    model=AcupunctureSession,
    time_field="started_at",
    fields=("practitioner", "techniques", "points", "pain_before", "pain_after", "notes"),
    list_fields=("techniques",),
)


def _comparable(kind, name, value):
    if name in kind.list_fields:
        return sorted(value)
    if name == "locations":
        return sorted((item["region"], item["side"]) for item in value)
    return value


def same_content(kind, record, cleaned):
    """Whether a stored record holds what ``cleaned`` says (an absent time matches any time)."""
    time = cleaned.get(kind.time_field)
    if time is not None and time != getattr(record, kind.time_field):
        return False
    return all(
        _comparable(kind, name, getattr(record, name)) == _comparable(kind, name, cleaned[name])
        for name in kind.fields
    )


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


def list_between(kind, user_id, date_from=None, date_to=None):
    """The patient's records with ``local_date`` in [from, to] (open ends allowed), by time."""
    model = kind.model
    query = select(model).where(model.user_id == user_id)
    if date_from is not None:
        query = query.where(model.local_date >= date_from)
    if date_to is not None:
        query = query.where(model.local_date <= date_to)
    time = getattr(model, kind.time_field)
    return db.session.scalars(query.order_by(time, model.id)).all()


def with_notes(user_id, date_from, date_to):
    """The patient's entries with a note, ``local_date`` in [from, to], by time."""
    query = select(Entry).where(
        Entry.user_id == user_id,
        Entry.local_date >= date_from,
        Entry.local_date <= date_to,
        Entry.notes != "",
    )
    return db.session.scalars(query.order_by(Entry.recorded_at, Entry.id)).all()


def create(kind, user, cleaned, now=None):
    """Store a new record, or answer a replay: returns ``(record, created)``; raises Conflict."""
    now = now or utcnow()
    record_id = cleaned.get("id") or str(uuid.uuid4())
    instant = cleaned.get(kind.time_field) or now
    record = kind.model(
        id=record_id,
        user_id=user.id,
        local_date=local_date(instant, user.timezone),
        version=1,
        created_at=now,
        updated_at=now,
        **{kind.time_field: instant},
        **{name: cleaned[name] for name in kind.fields},
    )
    db.session.add(record)
    try:
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
    return record, True


def _replay(kind, user, existing, cleaned):
    if existing.user_id != user.id or not same_content(kind, existing, cleaned):
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
    if same_content(kind, record, cleaned):
        return record
    now = now or utcnow()
    instant = cleaned.get(kind.time_field)
    if instant is not None and instant != getattr(record, kind.time_field):
        setattr(record, kind.time_field, instant)
        record.local_date = local_date(instant, user.timezone)
    for name in kind.fields:
        setattr(record, name, cleaned[name])
    record.version = record.version + 1
    record.updated_at = now
    db.session.commit()
    return record


def remove(record):
    """Delete a record."""
    db.session.delete(record)
    db.session.commit()


def latest_entry(user_id):
    """The patient's most recent entry by time, or None."""
    return db.session.scalar(
        select(Entry)
        .where(Entry.user_id == user_id)
        .order_by(Entry.recorded_at.desc(), Entry.id.desc())
        .limit(1)
    )


def session_numbers(user_id):
    """Session id -> its 1-based place among all the patient's sessions by start time."""
    ids = db.session.scalars(
        select(AcupunctureSession.id)
        .where(AcupunctureSession.user_id == user_id)
        .order_by(AcupunctureSession.started_at, AcupunctureSession.id)
    ).all()
    return {session_id: index for index, session_id in enumerate(ids, start=1)}


def session_number(session):
    """One session's place among the patient's sessions by start time (ties by id)."""
    model = AcupunctureSession
    return db.session.scalar(
        select(func.count())
        .select_from(model)
        .where(
            model.user_id == session.user_id,
            or_(
                model.started_at < session.started_at,
                and_(model.started_at == session.started_at, model.id <= session.id),
            ),
        )
    )


def entry_to_dict(entry):
    """An entry in its API shape."""
    return {
        "id": entry.id,
        "recorded_at": iso_instant(entry.recorded_at),
        "local_date": entry.local_date.isoformat(),
        "pain": {"overall": entry.overall, "back": entry.back, "leg": entry.leg},
        "locations": [dict(item) for item in entry.locations],
        "pain_types": list(entry.pain_types),
        "triggers": list(entry.triggers),
        "relievers": list(entry.relievers),
        "medications": entry.medications,
        "sleep_quality": entry.sleep_quality,
        "interference": entry.interference,
        "notes": entry.notes,
        "version": entry.version,
        "created_at": iso_instant(entry.created_at),
        "updated_at": iso_instant(entry.updated_at),
    }


def session_to_dict(session, number):
    """An acupuncture session in its API shape."""
    return {
        "id": session.id,
        "started_at": iso_instant(session.started_at),
        "local_date": session.local_date.isoformat(),
        "number": number,
        "practitioner": session.practitioner,
        "techniques": list(session.techniques),
        "points": session.points,
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "notes": session.notes,
        "version": session.version,
        "created_at": iso_instant(session.created_at),
        "updated_at": iso_instant(session.updated_at),
    }
