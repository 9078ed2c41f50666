"""One structured log line per request, with nothing identifying or clinical in it.

Lines name the route pattern (``/s/<token>``, ``/api/v1/entries/<record_id>``), never the path,
query, body, cookies, emails, pain values or notes; share tokens therefore never reach the logs.
Security events name the account by a pseudonym: an HMAC of its id with the secret key, which
links one account's events together without naming the patient.
"""

import hashlib
import hmac
import json
import logging
import time

from flask import current_app, g, has_request_context, request
from flask_login import current_user

access_log = logging.getLogger("diary.access")
security_log = logging.getLogger("diary.security")


def _route():
    if not has_request_context():
        return "cli"
    return request.url_rule.rule if request.url_rule else "unmatched"


def pseudonym(user_id):
    """The account's name in the logs: 16 hex digits of an HMAC of its id (never the e-mail)."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"account:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]


def _current_account():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def log_event(event, user_id=None, level=logging.WARNING, **fields):
    """A security event (a refused password, a login, an export...) as one JSON line.

    The account is ``user_id`` or else the logged-in patient, named by its pseudonym.
    Failures log as warnings; what went right (``level=logging.INFO``) as information.
    """
    account = user_id if user_id is not None else _current_account()
    line = {"event": event, "route": _route()}
    if account is not None:
        line["account"] = pseudonym(account)
    security_log.log(level, json.dumps({**line, **fields}))


def log_success(event, user_id=None, **fields):
    """A security event that went right (a login, a password change, an export)."""
    log_event(event, user_id, level=logging.INFO, **fields)


def register(app):
    """Time each request and log it when it ends."""
    if not access_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        for logger in (access_log, security_log):
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False

    @app.before_request
    def start_timer():
        """Remember when the request began."""
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        """method, route, status, milliseconds."""
        started = g.get("request_started")
        elapsed = (time.perf_counter() - started) * 1000 if started else None
        access_log.info(
            json.dumps(
                {
                    "method": request.method,
                    "route": _route(),
                    "status": response.status_code,
                    "ms": round(elapsed, 1) if elapsed is not None else None,
                }
            )
        )
        if response.status_code in (401, 403):
            log_event("access_denied", status=response.status_code)
        return response
