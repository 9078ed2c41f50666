"""TOTP two-factor login (RFC 6238: 30 s steps, 6 digits) and one-time recovery codes.

Turning it on takes two steps: ``start`` keeps a new secret aside (``totp_pending``) and shows
it; ``confirm`` switches it on once the authenticator app gives a right code, and hands out ten
recovery codes, shown once and kept only as argon2 hashes. A code is accepted for the step
before, the current one and the next (clock drift) and never twice: the last step used is kept
and only later steps count, claimed by one conditional UPDATE so two requests cannot both use
one code. A recovery code works once, claimed the same way.
"""

import hmac
import re
import secrets

import pyotp
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from ..core.extensions import db
from ..core.logs import log_success
from ..core.timeutil import utcnow
from ..models import RecoveryCode, User
from ..validation import ValidationError
from . import accounts

ISSUER = "Pain diary"
DRIFT_STEPS = 1  # one step either side of now
RECOVERY_CODES = 10
# Unambiguous letters and digits (no 0/O, 1/I): 10 characters are 50 random bits.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECOVERY_LENGTH = 10
SEPARATORS = re.compile(r"[\s-]+")


class AlreadyOn(Exception):
    """Two-factor login is on: turn it off (with the password) before setting a new one up."""


def normalise(code):
    """A typed code without spaces or dashes, upper-cased; "" for anything that is not text."""
    return SEPARATORS.sub("", code).upper() if isinstance(code, str) else ""


def otpauth_url(user, secret):
    """The ``otpauth://`` URL an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def start(user):
    """Keep a new secret aside for ``user``: ``{secret, otpauth_url}``. Raises AlreadyOn."""
    if user.totp_enabled:
        raise AlreadyOn()
    user.totp_pending = pyotp.random_base32()
    db.session.commit()
    return {"secret": user.totp_pending, "otpauth_url": otpauth_url(user, user.totp_pending)}


def matching_step(secret, code, after=None, now=None):
    """The time step whose code is ``code`` (within the drift, later than ``after``), or None."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Every step is compared (constant work), the match kept.
        if hmac.compare_digest(totp.generate_otp(step), code) and (after is None or step > after):
            found = step
    return found


def new_recovery_code():
    """One recovery code, shown as ``XXXXX-XXXXX``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def confirm(user, code, now=None):
    """Switch two-factor login on with the first right code; the ten recovery codes (shown once).

    Raises ValidationError naming ``code`` when nothing was started or the code is not right.
    """
    if user.totp_pending is None:
        raise ValidationError(
            {"code": _("start setting up two-factor login first")}, _("Nothing is being set up.")
        )
    step = matching_step(user.totp_pending, normalise(code), now=now)
    if step is None:
        raise ValidationError(
            {"code": _("is not right: type the 6 digits your app shows now")},
            _("The code is not right."),
        )
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    hashes = [accounts.hash_password(normalise(item)) for item in codes]  # before the write
    user.totp_secret, user.totp_pending, user.totp_last_step = user.totp_pending, None, step
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=value) for value in hashes)
    db.session.commit()
    log_success("totp_on", user.id)
    return codes


def turn_off(user):
    """Switch two-factor login off and forget the secret and the recovery codes."""
    user.totp_secret = user.totp_pending = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.commit()
    log_success("totp_off", user.id)


def _claim_step(user, step):
    """Mark ``step`` used, unless it (or a later one) already was: whether this request won."""
    claimed = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _use_recovery_code(user, code, now):
    """Use one of the account's unused recovery codes matching ``code``: whether one did."""
    unused = db.session.execute(
        select(RecoveryCode.id, RecoveryCode.code_hash).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    db.session.commit()  # the hashes are checked outside any transaction
    match = next(
        (row_id for row_id, value in unused if accounts.matches_hash(value, code)), None
    )
    if match is None:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == match, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    db.session.commit()
    return used == 1


def check_login_code(user, code, now=None):
    """Whether ``code`` (a current TOTP code or an unused recovery code) lets ``user`` in.

    Either is used up by a right answer: the same code never works twice.
    """
    now = now or utcnow()
    code = normalise(code)
    if not user.totp_enabled or not code:
        return False
    if code.isdigit():
        step = matching_step(user.totp_secret, code, after=user.totp_last_step, now=now)
        return step is not None and _claim_step(user, step)
    if len(code) == RECOVERY_LENGTH and _use_recovery_code(user, code, now):
        log_success("recovery_code_used", user.id)
        return True
    return False


def recovery_codes_left(user):
    """How many of the account's recovery codes are still unused."""
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )
