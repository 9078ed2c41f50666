"""Signed links sent by e-mail: address verification, password reset, one-click unsubscribe.

Each is an ``itsdangerous`` token signed with the secret key under its own salt, so one kind
can never be used as another. Nothing is stored:

- verification (7 days) names the account and the address it was sent to: after a change of
  address the old links stop working;
- reset (1 hour) also names a fingerprint of the current password hash: the reset changes the
  hash, so a link works once, and a password changed meanwhile kills it too;
- unsubscribe names the account only and never expires (RFC 8058: it must work from any old
  reminder mail).
"""

import hashlib
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core import i18n, mailer
from ..core.database import read_alone
from ..core.extensions import db
from ..core.links import public_url
from ..core.timeutil import utcnow
from ..models import User

VERIFY_MAX_AGE = timedelta(days=7)
RESET_MAX_AGE = timedelta(hours=1)


class LinkProblem(Exception):
    """A token that cannot be used: ``reason`` is ``expired`` or ``invalid``."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"diary.{salt}")


def _fingerprint(password_hash):
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def _load(salt, token, max_age=None):
    try:
        return _serializer(salt).loads(
            token, max_age=None if max_age is None else int(max_age.total_seconds())
        )
    except SignatureExpired:
        raise LinkProblem("expired") from None
    except (BadSignature, UnicodeError, ValueError, TypeError):
        raise LinkProblem("invalid") from None


def _user(payload):
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise LinkProblem("invalid")
    user = read_alone(lambda: db.session.get(User, payload["u"]))
    if user is None or user.email != payload.get("e"):
        raise LinkProblem("invalid")
    return user


# Verification -----------------------------------------------------------------------------


def verification_token(user):
    """A link token that verifies ``user.email`` for 7 days."""
    return _serializer("verify-email").dumps({"u": user.id, "e": user.email})


def user_to_verify(token):
    """The patient whose address ``token`` verifies; LinkProblem when it cannot."""
    return _user(_load("verify-email", token, VERIFY_MAX_AGE))


def mark_verified(user):
    """Note that the patient's address is theirs (a verification or reset link was used)."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.commit()


def language_headers(code):
    """The mail's ``Content-Language`` (BCP 47) for a message written in locale ``code``."""
    return {"Content-Language": i18n.html_lang(code)}


def _reader(user, page_locale):
    """Whose language a mail is in: the profile's, else the page's that asked for it."""
    return SimpleNamespace(locale=user.locale or page_locale)


def _send_verification(user_id, page_locale=None):
    user = db.session.get(User, user_id)
    if user is None or user.email_verified_at is not None:
        return False
    link = public_url("recovery.verify_email", token=verification_token(user))
    with i18n.patient_locale(_reader(user, page_locale)) as code:
        body = "\n\n".join(
            (
                _("Please confirm that this is your e-mail address for your pain diary:"),
                link,
                _("Open the link and press the button on the page. It works for 7 days.")
                + "\n"
                + _("Once confirmed, the diary can send you reminders by e-mail."),
                _("If you did not sign up for a pain diary, you can ignore this mail.") + "\n",
            )
        )
        subject = _("Confirm your e-mail address")
    return mailer.send_now(user.email, subject, body, language_headers(code))


def send_verification(user):
    """Send (in the background) a verification link to the patient's address, in their
    profile's language, else the language of the page that asked."""
    if not mailer.enabled():
        return False
    mailer.send_later(_send_verification, user.id, i18n.request_locale())
    return True


# Password reset ---------------------------------------------------------------------------


def reset_token(user):
    """A link token that sets a new password once, within an hour."""
    return _serializer("reset-password").dumps(
        {"u": user.id, "e": user.email, "p": _fingerprint(user.password_hash)}
    )


def user_to_reset(token):
    """The patient ``token`` resets the password of; LinkProblem when it cannot (used,
    expired, forged, or the password or address changed since)."""
    payload = _load("reset-password", token, RESET_MAX_AGE)
    user = _user(payload)
    if payload.get("p") != _fingerprint(user.password_hash):
        raise LinkProblem("used")
    return user


def _send_reset(email, page_locale=None):
    """Send a reset link if ``email`` has an account; the same work either way up to here."""
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:
        return False
    link = public_url("recovery.reset_password", token=reset_token(user))
    with i18n.patient_locale(_reader(user, page_locale)) as code:
        body = "\n\n".join(
            (
                _("Someone, hopefully you, asked to reset the password of your pain diary."),
                _("Choose a new password here:") + "\n" + link,
                _("The link works once, for 1 hour. Using it logs out every other device."),
                _("If you did not ask for this, ignore this mail: your password stays as it is.")
                + "\n",
            )
        )
        subject = _("Reset your pain diary password")
    return mailer.send_now(user.email, subject, body, language_headers(code))


def send_reset(email, page_locale=None):
    """Look up ``email`` and send a reset link, all in the background (the answer to the
    request is the same, in the same time, whether or not the address has an account).

    The mail is in the account's profile language, else ``page_locale`` (the language of the
    page the request came from: the background thread has no request to ask).
    """
    if mailer.enabled():
        mailer.send_later(_send_reset, email, page_locale)


# Unsubscribe ------------------------------------------------------------------------------


def unsubscribe_token(user_id):
    """A link token that stops the patient's reminder e-mails."""
    return _serializer("unsubscribe").dumps({"u": user_id})


def user_to_unsubscribe(token):
    """The patient ``token`` unsubscribes; LinkProblem when it is not one of ours."""
    payload = _load("unsubscribe", token)
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise LinkProblem("invalid")
    user = read_alone(lambda: db.session.get(User, payload["u"]))
    if user is None:
        raise LinkProblem("invalid")
    return user


def stop_reminder_emails(user):
    """The one-click unsubscribe: no more reminder e-mails until the patient turns them on."""
    if not user.reminder_emails_off:
        user.reminder_emails_off = True
        db.session.commit()
