"""Accounts: password rules and hashing, registration, authentication, deletion.

Accounts are read in a transaction of their own (``read_alone``) and passwords hashed or
checked outside any write: on SQLite a write request holds the database's write lock from its
first query, and argon2 takes long enough to stall every other patient's writes.
"""

import re
from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..core.database import read_alone
from ..core.extensions import db
from ..core.i18n import LOCALES
from ..core.logs import log_event, log_success
from ..core.throttle import TooManyAttempts, password_attempt, password_failed
from ..core.timeutil import is_timezone, utcnow
from ..models import (
    PATIENT,
    PRACTITIONER,
    ROLES,
    AcupunctureSession,
    CustomTerm,
    Entry,
    PushSubscription,
    QuestionnaireResponse,
    RecoveryCode,
    Reminder,
    ShareLink,
    User,
    new_session_nonce,
)
from ..validation import (
    LIMITS,
    PASSWORD_MAX,
    PASSWORD_MIN,
    ValidationError,
    check_text,
    text_value,
)
from . import care_team

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# argon2id. "full": the library's recommended parameters (RFC 9106's second choice: 64 MiB,
# 3 passes), used everywhere but tests. "fast": the cheapest the library allows, for the test
# suite only (create_app refuses it outside TESTING); hashes of either verify under both.
HASH_PROFILES = {
    "full": {},
    "fast": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
}


@lru_cache(maxsize=len(HASH_PROFILES))
def _hasher_for(profile):
    hasher = PasswordHasher(**HASH_PROFILES[profile])
    # Checking a password for an unknown address costs as much as for a known one.
    return hasher, hasher.hash("not-a-real-password-used-for-timing")


def _hasher():
    """The hasher of this app's ``PASSWORD_HASH_PROFILE`` and its dummy hash."""
    return _hasher_for(current_app.config.get("PASSWORD_HASH_PROFILE", "full"))


@lru_cache(maxsize=1)
def common_passwords():
    """The bundled list of common passwords (lower case)."""
    text = files("diary").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def normalise_email(value):
    """Trim and lower-case an email address, raising ValueError if it is not one."""
    email = (value or "").strip().lower() if isinstance(value, str) else ""
    if not email:
        raise ValueError(_("is required"))
    check_text(email)
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise ValueError(_("must be an email address, e.g. name@example.com"))
    return email


def password_problem(password):
    """Why a new password is refused, or None: 12-128 characters and not a common password."""
    if not isinstance(password, str) or not password:
        return _("is required")
    try:
        check_text(password)
    except ValueError as error:
        return str(error)
    if len(password) < PASSWORD_MIN:
        return ngettext(
            "must be at least %(num)d character",
            "must be at least %(num)d characters",
            PASSWORD_MIN,
        )
    if len(password) > PASSWORD_MAX:
        return ngettext(
            "must be at most %(num)d character",
            "must be at most %(num)d characters",
            PASSWORD_MAX,
        )
    if password.lower() in common_passwords():
        return _("is on a list of common passwords; choose another")
    return None


def hash_password(password):
    """An argon2id hash of ``password``."""
    return _hasher()[0].hash(password)


def matches_hash(stored_hash, value):
    """Whether ``value`` is what the argon2 ``stored_hash`` was made from (recovery codes)."""
    try:
        return _hasher()[0].verify(stored_hash, value)
    except (VerificationError, InvalidHashError, UnicodeEncodeError, TypeError):
        return False


def verify_password(user, password, email=None):
    """Check ``password`` against ``user`` (None spends the same time and fails).

    Every check counts against the account (``email``, by default the user's) and the address;
    over budget it raises TooManyAttempts (a 429) without checking anything.
    """
    email = email if email is not None else user.email
    try:
        password_attempt(email)
    except TooManyAttempts:
        log_event("password_throttled", user_id=user.id if user else None)
        raise
    hasher, dummy_hash = _hasher()
    try:
        ok = hasher.verify(user.password_hash if user else dummy_hash, password or "")
    except (VerificationError, InvalidHashError, UnicodeEncodeError, TypeError):
        ok = False
    if not (ok and user):
        password_failed(email)
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        db.session.commit()
    return True


def find_by_email(email):
    """The patient with this (already normalised) email, or None."""
    return db.session.scalar(select(User).where(User.email == email))


def clean_role(role, practice, display_name=""):
    """``(role, practice, display_name)`` of a new account (section 13): a practitioner names
    their practice (1-120 characters); a patient has none. Raises ValidationError."""
    role = role or PATIENT
    fields = {}
    if role not in ROLES:
        fields["role"] = _("must be patient or practitioner")
    cleaned = {}
    for name, value, limit in (
        ("practice", practice, LIMITS["practice"]),
        ("display_name", display_name, LIMITS["display_name"]),
    ):
        try:
            cleaned[name] = " ".join(text_value(value, limit).split())
        except ValueError as error:
            fields[name] = str(error)
    if role == PRACTITIONER and "practice" not in fields and not cleaned["practice"]:
        fields["practice"] = _(
            "is required for a practitioner: the name of your practice or clinic"
        )
    if fields:
        raise ValidationError(fields)
    return role, cleaned["practice"] if role == PRACTITIONER else "", cleaned["display_name"]


def register(
    email, password, timezone, confirm=None, role=PATIENT, practice="", display_name="", locale=None
):
    """Create a patient or a practitioner; raises ValidationError naming each bad field.

    ``locale`` is the language the sign-up page was shown in (a shipped code, else None): the
    e-mails and pushes sent with no request are written in it.
    """
    fields = {}
    try:
        role, practice, display_name = clean_role(role, practice, display_name)
    except ValidationError as error:
        fields.update(error.fields)
    try:
        email = normalise_email(email)
    except ValueError as error:
        fields["email"] = str(error)
    problem = password_problem(password)
    if problem:
        fields["password"] = problem
    elif confirm not in (None, "") and confirm != password:
        fields["confirm"] = _("does not match the password")
    taken = _("already has an account; log in instead")
    if "email" not in fields and read_alone(lambda: find_by_email(email)):
        fields["email"] = taken
    if fields:
        raise ValidationError(fields)
    user = User(
        email=email,
        password_hash=hash_password(password),  # before the insert takes the write lock
        timezone=timezone if is_timezone(timezone) else "UTC",
        display_name=display_name,
        role=role,
        practice=practice,
        locale=locale if locale in LOCALES else None,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same address signed up a moment ago
        raise ValidationError({"email": taken}) from None
    log_success("signed_up", user.id, role=role)
    return user


def normalised_or_raw(email):
    """``(e-mail, valid)``: the normalised address, or what was typed, trimmed and lowered."""
    try:
        return normalise_email(email), True
    except ValueError:
        return (email.strip().lower() if isinstance(email, str) else ""), False


def account_for_login(email):
    """``(e-mail, patient or None)`` for what was typed, read without holding a write lock."""
    try:
        email = normalise_email(email)
    except ValueError:
        return (email.strip().lower() if isinstance(email, str) else ""), None
    return email, read_alone(lambda: find_by_email(email))


def authenticate(email, password):
    """The patient whose email and password match, or None."""
    email, user = account_for_login(email)
    return user if verify_password(user, password, email) else None


def end_all_logins(user):
    """Rotate the nonce inside every login cookie, so copied cookies stop working."""
    user.session_nonce = new_session_nonce()
    db.session.commit()


def delete_account(user):
    """Remove the patient and every row that belongs to them."""
    user_id = user.id
    care_team.forget_account(user_id)
    for model in (
        Entry,
        AcupunctureSession,
        QuestionnaireResponse,
        CustomTerm,
        ShareLink,
        PushSubscription,
        Reminder,
        RecoveryCode,
    ):
        db.session.execute(delete(model).where(model.user_id == user_id))
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.commit()
    log_success("account_deleted", user_id)


def change_password(user, current, new, confirm=None):
    """Set a new password after checking the current one; ends every other login."""
    fields = {}
    if not verify_password(user, current):
        fields["current_password"] = _("is not right")
    problem = password_problem(new)
    if problem:
        fields["new_password"] = problem
    elif confirm not in (None, "") and confirm != new:
        fields["confirm_password"] = _("does not match the new password")
    if fields:
        if "current_password" in fields:
            log_event("password_change_refused", user.id)
        raise ValidationError(fields)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.session_nonce = new_session_nonce()
    db.session.commit()
    log_success("password_changed", user.id)


def reset_password(user, new, confirm=None):
    """Set a new password from a reset link: ends every login and verifies the address.

    The update only applies while the password hash is still the one the link was made for,
    so two uses of one link (even at the same moment) change the password once. Returns False
    when the link was used meanwhile; raises ValidationError for a refused password.
    """
    problem = password_problem(new)
    if problem:
        raise ValidationError({"password": problem})
    if confirm not in (None, "") and confirm != new:
        raise ValidationError({"confirm": _("does not match the password")})
    new_hash = hash_password(new)  # before the write lock
    now = utcnow()
    nonce = new_session_nonce()
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash)
        .values(
            password_hash=new_hash,
            password_changed_at=now,
            session_nonce=nonce,
            email_verified_at=user.email_verified_at or now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if changed != 1:
        return False
    user.password_hash, user.password_changed_at, user.session_nonce = new_hash, now, nonce
    user.email_verified_at = user.email_verified_at or now
    log_success("password_reset", user.id)
    return True


def change_email(user, value):
    """Give the patient a new address, unverified until its link is opened; True if changed."""
    try:
        email = normalise_email(value)
    except ValueError as error:
        raise ValidationError({"email": str(error)}) from None
    if email == user.email:
        return False
    taken = _("already has an account")
    if read_alone(lambda: find_by_email(email)):
        raise ValidationError({"email": taken})
    user.email = email
    user.email_verified_at = None
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationError({"email": taken}) from None
    log_success("email_changed", user.id)
    return True
