"""Database models: patients, pain entries, acupuncture sessions, questionnaire responses and
custom vocabulary."""

import secrets
from datetime import UTC, date, datetime
from functools import cache

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    event,
    false,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from .core.extensions import db
from .core.timeutil import utcnow


class UTCDateTime(TypeDecorator):
    """An aware UTC instant on every database (SQLite keeps no offset, so store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store instants in UTC; naive storage on SQLite."""
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Give back aware UTC instants."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_data_tag():
    """A random value that changes whenever a patient's entries or sessions change."""
    return secrets.token_hex(8)


def new_session_nonce():
    """A random value that, when changed, ends every login of a patient."""
    return secrets.token_urlsafe(24)


PATIENT, PRACTITIONER = "patient", "practitioner"
ROLES = (PATIENT, PRACTITIONER)


class User(UserMixin, db.Model):
    """An account: a patient (the owner of every diary row) or a practitioner."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # PRODUCT.md section 15: a shipped locale code, or None to follow the browser. E-mails and
    # pushes (no request) are written in it; sign-up stores the language its page was shown in.
    locale: Mapped[str | None] = mapped_column(String(16))
    session_nonce: Mapped[str] = mapped_column(String(64), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Names the current state of the patient's entries and sessions (see ``retag``): computed
    # trends are cached under it, so a change anywhere makes every cached copy unreachable.
    data_tag: Mapped[str] = mapped_column(String(32), default=new_data_tag, server_default="")
    # How many entries, sessions and questionnaire responses the patient holds, kept with every
    # change (``counted``): the per-account quota is checked on every write without counting rows.
    entry_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    session_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    response_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the patient proved the address is theirs (a verification or reset link); None until
    # then, and again after a change of address. Only verification and reset mails go to an
    # unverified address.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the one-click unsubscribe of a reminder e-mail (RFC 8058): no reminder goes to
    # the address until the patient turns them on again on /reminders.
    reminder_emails_off: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # PRODUCT.md section 13: a practitioner has no diary; ``practice`` names their clinic.
    role: Mapped[str] = mapped_column(String(20), default=PATIENT, server_default=PATIENT)
    practice: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # TOTP two-factor login: the confirmed secret (on), a secret waiting for its first code,
    # and the last time step used (a code is never accepted twice).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # A practitioner's connect code (12 characters, replaceable); patients have none.
    connect_code: Mapped[str | None] = mapped_column(String(12), unique=True)

    def get_id(self):
        """Flask-Login's id: the row id plus the nonce, so rotating the nonce logs out."""
        return f"{self.id}:{self.session_nonce}"

    @property
    def email_verified(self):
        """Whether the patient has shown that the address is theirs."""
        return self.email_verified_at is not None

    @property
    def name_for_display(self):
        """The display name, or "Patient" ("Practitioner") when none is set."""
        return self.display_name or ("Practitioner" if self.is_practitioner else "Patient")

    @property
    def is_practitioner(self):
        """Whether this account is a practitioner's (no diary of their own)."""
        return self.role == PRACTITIONER

    @property
    def totp_enabled(self):
        """Whether logging in asks for a TOTP code after the password."""
        return self.totp_secret is not None


class Entry(db.Model):
    """One pain diary entry."""

    __tablename__ = "entries"
    # Both indexes carry the pain scores, so trends sum days and read the session windows from
    # the index alone, without visiting the table.
    __table_args__ = (
        Index(
            "ix_entries_user_local_date_scores", "user_id", "local_date", "overall", "back", "leg"
        ),
        Index(
            "ix_entries_user_recorded_at_scores", "user_id", "recorded_at", "overall", "back", "leg"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    overall: Mapped[int] = mapped_column(SmallInteger)
    back: Mapped[int | None] = mapped_column(SmallInteger)
    leg: Mapped[int | None] = mapped_column(SmallInteger)
    locations: Mapped[list] = mapped_column(JSON, default=list)
    pain_types: Mapped[list] = mapped_column(JSON, default=list)
    triggers: Mapped[list] = mapped_column(JSON, default=list)
    relievers: Mapped[list] = mapped_column(JSON, default=list)
    medications: Mapped[str] = mapped_column(Text, default="")
    sleep_quality: Mapped[int | None] = mapped_column(SmallInteger)
    interference: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AcupunctureSession(db.Model):
    """One acupuncture treatment session ("session" would clash with flask.session)."""

    __tablename__ = "acupuncture_sessions"
    __table_args__ = (
        Index("ix_acupuncture_sessions_user_started_at", "user_id", "started_at"),
        Index("ix_acupuncture_sessions_user_local_date", "user_id", "local_date"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    practitioner: Mapped[str] = mapped_column(String(120), default="")
    techniques: Mapped[list] = mapped_column(JSON, default=list)
    points: Mapped[str] = mapped_column(Text, default="")
    pain_before: Mapped[int | None] = mapped_column(SmallInteger)
    pain_after: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str] = mapped_column(Text, default="")
    # "Name, Practice" when a connected practitioner logged it at the visit (section 13).
    recorded_by: Mapped[str] = mapped_column(String(250), default="", server_default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionnaireResponse(db.Model):
    """One answered questionnaire (PRODUCT.md section 11): the answers as given, and the score
    and urgency the instrument's file made of them when they were stored."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (
        Index("ix_questionnaire_responses_user_answered_at", "user_id", "answered_at"),
        Index(
            "ix_questionnaire_responses_user_instrument_local_date",
            "user_id",
            "instrument",
            "local_date",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    score: Mapped[float] = mapped_column(Float)  # unrounded (a PEG mean is in thirds)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomTerm(db.Model):
    """A patient's own pain type, trigger, reliever or technique."""

    __tablename__ = "custom_terms"
    __table_args__ = (
        UniqueConstraint("user_id", "category", "key", name="uq_custom_terms_user_category_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShareLink(db.Model):
    """A read-only link for a practitioner; only the SHA-256 of its token is stored."""

    __tablename__ = "share_links"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    include_notes: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PushSubscription(db.Model):
    """One browser's Web Push subscription (RFC 8030/8291): where and how to reach it."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # A browser's subscription belongs to whoever last subscribed with it (one phone, one
    # person at a time), so the endpoint is unique across patients.
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reminder(db.Model):
    """A reminder to log (or to check in) at a local time on some days of the week."""

    __tablename__ = "reminders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="log")
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM" in the profile's time zone
    days: Mapped[list] = mapped_column(JSON)  # ["mon", ..., "sun"]
    channels: Mapped[list] = mapped_column(JSON)  # ["push", "email"]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Due times before this never count (a reminder set at 20:05 for 20:00 waits for tomorrow).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The latest due time a sender claimed: one conditional UPDATE moves it forward, so each
    # (reminder, due time) is sent by exactly one sender.
    last_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """A one-time code that stands in for a TOTP code; only its argon2 hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CareConnection(db.Model):
    """A patient's consent for one practitioner to read their diary, until either ends it.

    Its id is the only id a practitioner ever uses for the patient (never the account's).
    """

    __tablename__ = "care_connections"
    __table_args__ = (
        UniqueConstraint(
            "patient_id", "practitioner_id", name="uq_care_connections_patient_practitioner"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    include_notes: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessLogEntry(db.Model):
    """When a connected practitioner opened which of the patient's pages or exports."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_connection_at", "connection_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[str] = mapped_column(
        ForeignKey("care_connections.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    what: Mapped[str] = mapped_column(String(40))


def retag(session, user_id):
    """Give the patient a new data tag, written with the session's next flush."""
    user = session.get(User, user_id)  # already in the identity map during a request
    if user is not None:
        user.data_tag = new_data_tag()


# The patient's records, each counted in a column of ``User``; a change to any retags the diary.
COUNT_COLUMNS = {
    Entry: "entry_count",
    AcupunctureSession: "session_count",
    QuestionnaireResponse: "response_count",
}
RECORD_MODELS = tuple(COUNT_COLUMNS)


def count_column(model):
    """The ``User`` column that counts the patient's rows of ``model``."""
    return COUNT_COLUMNS[model]


def counted(session, user_id, model, delta):
    """Add ``delta`` to the patient's count of ``model`` rows, in the database (no race)."""
    user = session.get(User, user_id)
    if user is not None and delta:
        name = count_column(model)
        setattr(user, name, getattr(User, name) + delta)


@cache
def _added_statement(model):
    """UPDATE users: a new data tag and ``delta`` more rows of ``model`` (built once)."""
    users = User.__table__
    counter = users.c[count_column(model)]
    return (
        update(users)
        .where(users.c.id == bindparam("user_id"))
        .values({users.c.data_tag: bindparam("data_tag"), counter: counter + bindparam("delta")})
    )


def added(session, user_id, model, delta=1):
    """What the flush hook does for rows of ``model`` inserted with a plain INSERT (no flush
    sees them): a new data tag and ``delta`` more in the patient's count, one UPDATE now.

    The patient loaded in the session, if any, gets the new tag and reads the count afresh.
    """
    tag = new_data_tag()
    session.execute(_added_statement(model), {"user_id": user_id, "data_tag": tag, "delta": delta})
    user = session.identity_map.get(session.identity_key(User, user_id))
    if user is not None:
        set_committed_value(user, "data_tag", tag)
        session.expire(user, [count_column(model)])


@event.listens_for(Session, "before_flush")
def _retag_changed_diaries(session, flush_context, instances):
    """Every flush that adds, changes or deletes entries, sessions or questionnaire responses
    retags their patients and keeps their counts."""
    owners, deltas = set(), {}
    for rows, step in ((session.new, 1), (session.dirty, 0), (session.deleted, -1)):
        for row in rows:
            if isinstance(row, RECORD_MODELS):
                owners.add(row.user_id)
                key = (row.user_id, type(row))
                deltas[key] = deltas.get(key, 0) + step
    for user_id in owners:
        retag(session, user_id)
    for (user_id, model), delta in deltas.items():
        counted(session, user_id, model, delta)
