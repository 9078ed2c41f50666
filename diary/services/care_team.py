"""Connections between patients and practitioners (PRODUCT.md section 13).

A practitioner hands out a connect code; a patient who types or scans it and consents makes a
connection, which lasts until either side ends it. The connection's id is the only name a
practitioner has for the patient. Every read of one patient's data by a practitioner is written
to the access log, which the patient sees.
"""

import re
import secrets
import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError

from ..core.extensions import db
from ..core.logs import log_success
from ..core.timeutil import iso_instant, utcnow
from ..models import PRACTITIONER, AccessLogEntry, CareConnection, User
from ..validation import ValidationError

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I
CODE_LENGTH = 12  # 60 random bits
_NO_CODE = "0" * CODE_LENGTH  # never issued (0 is not in the alphabet)
SEPARATORS = re.compile(r"[\s-]+")
ACCESS_LOG_SHOWN = 200  # the newest entries of one connection in the care-team answer
WHAT = {
    "report": _l("opened your report"),
    "trends": _l("read your trends (JSON)"),
    "session_logged": _l("logged a session in your diary"),
    "summary_pdf": _l("downloaded your course summary (PDF)"),
}


class UnknownCode(Exception):
    """No practitioner has this code: one answer, whatever the cause."""


class AlreadyConnected(Exception):
    """The patient is already connected to this practitioner."""


def new_code():
    """A fresh connect code of 12 characters from the unambiguous alphabet."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code):
    """``XXXX-XXXX-XXXX``: how a code is shown."""
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def normalise_code(text):
    """The code typed (any case, spaces and dashes ignored), or None if it cannot be one."""
    code = SEPARATORS.sub("", text).upper() if isinstance(text, str) else ""
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return None
    return code


def code_of(practitioner):
    """The practitioner's connect code, made on first use."""
    if practitioner.connect_code is None:
        return replace_code(practitioner)
    return practitioner.connect_code


def replace_code(practitioner):
    """Give the practitioner a new code; the old one stops working at once."""
    while True:
        practitioner.connect_code = new_code()
        try:
            db.session.commit()
        except IntegrityError:  # 60 random bits: practically never
            db.session.rollback()
            continue
        log_success("connect_code_new", practitioner.id)
        return practitioner.connect_code


def practitioner_for_code(text):
    """The practitioner whose current code this is; raises UnknownCode.

    One lookup whatever was typed (a malformed code looks up a code never issued), so the
    answer and its timing say nothing about why a code does not work.
    """
    code = normalise_code(text)
    found = db.session.scalar(
        select(User).where(User.connect_code == (code or _NO_CODE), User.role == PRACTITIONER)
    )
    if found is None or code is None:
        raise UnknownCode()
    return found


def connection_between(patient_id, practitioner_id):
    """The connection of this patient to this practitioner, or None."""
    return db.session.scalar(
        select(CareConnection).where(
            CareConnection.patient_id == patient_id,
            CareConnection.practitioner_id == practitioner_id,
        )
    )


def _flag(value, name):
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationError({name: _("must be true or false")})
    return value


def connect(patient, code_text, include_notes):
    """Connect ``patient`` to the practitioner with this code; raises UnknownCode,
    AlreadyConnected or ValidationError (``include_notes`` not a boolean)."""
    include_notes = _flag(include_notes, "include_notes")
    practitioner = practitioner_for_code(code_text)
    if connection_between(patient.id, practitioner.id) is not None:
        raise AlreadyConnected()
    connection = CareConnection(
        id=str(uuid.uuid4()),
        patient_id=patient.id,
        practitioner_id=practitioner.id,
        include_notes=include_notes,
        created_at=utcnow(),
    )
    db.session.add(connection)
    try:
        db.session.commit()
    except IntegrityError:  # the same patient connected a moment ago
        db.session.rollback()
        raise AlreadyConnected() from None
    log_success("care_connected", patient.id, include_notes=include_notes)
    return connection


def _as_id(text):
    try:
        return str(uuid.UUID(text))
    except (ValueError, TypeError, AttributeError):
        return None


def patients_connection(patient_id, connection_id):
    """One of the patient's connections, or None (anyone else's is None too)."""
    connection = db.session.get(CareConnection, _as_id(connection_id) or "")
    return connection if connection is not None and connection.patient_id == patient_id else None


def practitioners_connection(practitioner_id, connection_id):
    """``(connection, patient)`` if this connection is the practitioner's now, else None.

    Read from the database on every call: a disconnect takes effect on the next request.
    """
    row = db.session.execute(
        select(CareConnection, User)
        .join(User, User.id == CareConnection.patient_id)
        .where(
            CareConnection.id == (_as_id(connection_id) or ""),
            CareConnection.practitioner_id == practitioner_id,
        )
    ).first()
    return None if row is None else (row[0], row[1])


def log_access(practitioner_id, connection_id, what, now=None):
    """Write one access-log row, only if the connection is the practitioner's at this instant
    (one statement: the check and the write cannot be told apart by a disconnect); whether
    it was."""
    connection_id = _as_id(connection_id)
    if connection_id is None:
        return False
    db.session.commit()  # a fresh transaction: on SQLite a read that turns into a write fails
    # RETURNING tells whether a row was written (psycopg reports no row count for INSERT ...
    # SELECT).
    written = db.session.execute(
        insert(AccessLogEntry)
        .from_select(
            ["connection_id", "at", "what"],
            select(
                CareConnection.id, literal(now or utcnow(), AccessLogEntry.at.type), literal(what)
            ).where(
                CareConnection.id == connection_id,
                CareConnection.practitioner_id == practitioner_id,
            ),
        )
        .returning(AccessLogEntry.id)
    ).first()
    db.session.commit()
    return written is not None


def practitioner_of(connection):
    """The practitioner's account of a connection."""
    return db.session.get(User, connection.practitioner_id)


def set_include_notes(connection, include_notes):
    """Let the practitioner see notes, or not."""
    connection.include_notes = _flag(include_notes, "include_notes")
    db.session.commit()
    return connection


def disconnect(connection, by_user_id):
    """End a connection at once, with its access log."""
    db.session.execute(delete(AccessLogEntry).where(AccessLogEntry.connection_id == connection.id))
    db.session.execute(delete(CareConnection).where(CareConnection.id == connection.id))
    db.session.commit()
    log_success("care_disconnected", by_user_id)


def forget_account(user_id):
    """Every connection of an account being deleted, either side, with its log (no commit)."""
    mine = select(CareConnection.id).where(
        or_(CareConnection.patient_id == user_id, CareConnection.practitioner_id == user_id)
    )
    db.session.execute(delete(AccessLogEntry).where(AccessLogEntry.connection_id.in_(mine)))
    db.session.execute(
        delete(CareConnection).where(
            or_(CareConnection.patient_id == user_id, CareConnection.practitioner_id == user_id)
        )
    )


def care_team(patient_id):
    """The patient's connections, oldest first, each with its practitioner and newest log rows
    (two queries whatever the number of connections)."""
    rows = db.session.execute(
        select(CareConnection, User)
        .join(User, User.id == CareConnection.practitioner_id)
        .where(CareConnection.patient_id == patient_id)
        .order_by(CareConnection.created_at, CareConnection.id)
    ).all()
    logs = {connection.id: [] for connection, _ in rows}
    if logs:
        for connection_id, at, what in db.session.execute(
            select(AccessLogEntry.connection_id, AccessLogEntry.at, AccessLogEntry.what)
            .where(AccessLogEntry.connection_id.in_(list(logs)))
            .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
        ):
            if len(logs[connection_id]) < ACCESS_LOG_SHOWN:
                logs[connection_id].append((at, what))
    return [(connection, practitioner, logs[connection.id]) for connection, practitioner in rows]


def connection_to_dict(connection, practitioner, log):
    """One care-team member in the shape of GET /api/v1/care-team."""
    return {
        "id": connection.id,
        "practitioner": {
            "display_name": practitioner.name_for_display,
            "practice": practitioner.practice,
        },
        "since": iso_instant(connection.created_at),
        "include_notes": connection.include_notes,
        "access_log": [{"at": iso_instant(at), "what": what} for at, what in log],
    }


def recorded_by(practitioner):
    """``Name, Practice``: who logged a session at the visit."""
    return f"{practitioner.name_for_display}, {practitioner.practice}"[:250]
