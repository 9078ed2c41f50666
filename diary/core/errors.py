"""Error answers: the JSON error shape of PRODUCT.md section 6 under /api, plain pages elsewhere.

Messages come in the request's locale (``core.i18n``); the ``code`` stays English, a key.
"""

import traceback
from pathlib import Path

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, SecurityError

from .logs import log_event

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}
MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Log in first."),
    404: _l("Nothing was found here."),
    405: _l("That method is not allowed here."),
    413: _l("The request body is too large."),
    429: _l("Too many requests; wait a little and try again."),
}
# Flask-WTF's reasons for refusing a form or an API call (its own text is English only).
CSRF_REASONS = {
    "The CSRF token is missing.": _l("The CSRF token is missing."),
    "The CSRF session token is missing.": _l("The CSRF session token is missing."),
    "The CSRF token has expired.": _l("The CSRF token has expired."),
    "The CSRF token is invalid.": _l("The CSRF token is invalid."),
    "The CSRF tokens do not match.": _l("The CSRF tokens do not match."),
    "The referrer header is missing.": _l("The referrer header is missing."),
    "The referrer does not match the host.": _l("The referrer does not match the host."),
}


def wants_json():
    """Whether this request is answered in JSON (the API and the share-report trends)."""
    return request.path.startswith("/api/") or request.endpoint == "share.report_trends"


def error_body(status, message=None, fields=None):
    """The error object ``{"error": {code, message, fields?}}``.

    Messages may be lazy: they become text here, in the request's locale.
    """
    message = message or MESSAGES.get(status) or _("Something went wrong.")
    error = {"code": CODES.get(status, "server_error"), "message": str(message)}
    if fields:
        error["fields"] = {path: str(text) for path, text in fields.items()}
    return {"error": error}


def api_error(status, message=None, fields=None, **extra):
    """A JSON error response."""
    body = error_body(status, message, fields)
    body.update(extra)
    return jsonify(body), status


def _handle_http(error):
    status = error.code or 500
    if status == 400 and "CSRF" in (getattr(error, "description", "") or ""):
        log_event("csrf_refused")
    if wants_json():
        message = MESSAGES.get(status) if status != 400 else _bad_request_message(error)
        response = api_error(status, message)[0]
        response.status_code = status
        if status == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        if status == 429:
            response.headers.update(getattr(error, "headers", {}) or {})
        return response
    if isinstance(error, SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page either.
        plain = {"Content-Type": "text/plain; charset=utf-8"}
        return _("This site does not answer to that host name."), status, plain
    headers = (getattr(error, "headers", None) or {}) if status == 429 else {}
    page = render_template("error.html", status=status, description=_page_message(error))
    return page, status, headers


def _bad_request_message(error):
    description = getattr(error, "description", "") or ""
    if "CSRF" in description:
        # TRANSLATORS: %(problem)s is a sentence such as "The CSRF token is missing."
        return _(
            "%(problem)s Send the header X-CSRFToken (GET /api/v1/me gives the token).",
            problem=CSRF_REASONS.get(description, description),
        )
    if "JSON" in description or "json" in description:
        return _("The body is not valid JSON.")
    return MESSAGES[400]


def _page_message(error):
    if error.code == 400 and "CSRF" in (error.description or ""):
        return _(
            "This form was open too long or came from elsewhere. Go back, reload and try again."
        )
    if error.code in MESSAGES:
        return MESSAGES[error.code]
    if error.description == type(error).description:
        # Werkzeug's own sentence is English only: say what every locale can.
        return _("Something went wrong.")
    return error.description


def _where(error):
    """Where ``error`` was raised, as ``file:line in function`` frames (innermost last)."""
    frames = traceback.extract_tb(error.__traceback__)
    return " <- ".join(
        f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" for frame in reversed(frames)
    )


def _handle_unexpected(error):
    if isinstance(error, HTTPException):
        return _handle_http(error)
    # The route pattern, not the path (paths can hold share tokens), and the exception's class
    # and frames without its message: a database error's message quotes the statement, and a
    # parsing error's quotes the input (notes, pain values).
    route = request.url_rule.rule if request.url_rule else "unmatched"
    current_app.logger.error(
        "Unhandled %s on %s %s at %s",
        f"{type(error).__module__}.{type(error).__qualname__}",
        request.method,
        route,
        _where(error),
    )
    if wants_json():
        return api_error(500, _("Something went wrong on our side; nothing was saved."))
    page = render_template("error.html", status=500, description=_("Something went wrong."))
    return page, 500


def register(app):
    """Install the handlers on ``app``."""
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
