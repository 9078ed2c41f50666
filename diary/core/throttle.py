"""Password checks of one account and of one address share one budget, wherever they happen.

Logging in, confirming the password (page and API), deleting the account and changing the
password all count here, so no door offers more guesses than another. An account is named by
an HMAC of the e-mail typed (known or not, so the answer never tells whether it exists); failed
checks back off in steps (``RATELIMIT_PASSWORD_FAILURES``: a wait of up to an hour, then a day).
Counts live in the rate limiter's storage (``RATELIMIT_STORAGE_URI``), shared by the workers
when that storage is.
"""

import hashlib
import hmac
import math
import time

from flask import current_app, has_request_context
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from .extensions import limiter


class TooManyAttempts(TooManyRequests):
    """429: too many password checks of this account or from this address."""

    description = _l("Too many password attempts; wait a little and try again.")

    def __init__(self, retry_after):
        super().__init__(retry_after=max(1, math.ceil(retry_after)))
        self.headers = {"Retry-After": str(self.retry_after)}


def _enabled():
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def account_key(email):
    """The account's name in the counts: an HMAC of the (normalised) e-mail."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"password:{email}".encode(), hashlib.sha256).hexdigest()[:32]


def _wait(item, *identifiers):
    reset_at = limiter.limiter.get_window_stats(item, *identifiers).reset_time
    return reset_at - time.time()


def _budgets(account):
    address = (get_remote_address() if has_request_context() else None) or "local"
    config = current_app.config
    return [
        *((item, ("password-account", account)) for item in parse_many(
            config["RATELIMIT_PASSWORD_PER_ACCOUNT"])),
        *((item, ("password-address", address)) for item in parse_many(
            config["RATELIMIT_PASSWORD_PER_IP"])),
    ]


def password_attempt(email):
    """Count one password check for ``email``; raise TooManyAttempts when over a budget.

    Call it before the (slow) hash check: a refused attempt costs the server nothing.
    """
    if not _enabled():
        return
    account = account_key(email)
    for item in parse_many(current_app.config["RATELIMIT_PASSWORD_FAILURES"]):
        if not limiter.limiter.test(item, "password-failures", account):
            raise TooManyAttempts(_wait(item, "password-failures", account))
    for item, identifiers in _budgets(account):
        if not limiter.limiter.hit(item, *identifiers):
            raise TooManyAttempts(_wait(item, *identifiers))


def password_failed(email):
    """Note a wrong password for ``email``: repeated failures back off."""
    if not _enabled():
        return
    account = account_key(email)
    for item in parse_many(current_app.config["RATELIMIT_PASSWORD_FAILURES"]):
        limiter.limiter.hit(item, "password-failures", account)


def reset_requested(email):
    """Count one password-reset request for ``email`` (known or not); TooManyAttempts past
    ``RATELIMIT_RESET_PER_EMAIL``, so nobody can flood an inbox with reset mails."""
    if not _enabled():
        return
    account = account_key(email)
    for item in parse_many(current_app.config["RATELIMIT_RESET_PER_EMAIL"]):
        if not limiter.limiter.hit(item, "reset-email", account):
            raise TooManyAttempts(_wait(item, "reset-email", account))
