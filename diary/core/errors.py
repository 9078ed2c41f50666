"""Error answers: the JSON error shape of PRODUCT.md section 6 under /api, plain pages elsewhere."""

import traceback
from pathlib import Path

from flask import current_app, jsonify, render_template, request
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
    400: "The request could not be understood.",
    401: "Log in first.",
    404: "Nothing was found here.",
    405: "That method is not allowed here.",
    413: "The request body is too large.",
    429: "Too many requests; wait a little and try again.",
}


def wants_json():
    """Whether this request is answered in JSON (the API and the share-report trends)."""
    return request.path.startswith("/api/") or request.endpoint == "share.report_trends"


def error_body(status, message=None, fields=None):
    """The error object ``{"error": {code, message, fields?}}``."""
    error = {"code": CODES.get(status, "server_error"), "message": message or MESSAGES.get(status)}
    if error["message"] is None:
        error["message"] = "Something went wrong."
    if fields:
        error["fields"] = fields
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
        return "This site does not answer to that host name.", status, plain
    headers = (getattr(error, "headers", None) or {}) if status == 429 else {}
    page = render_template("error.html", status=status, description=_page_message(error))
    return page, status, headers


def _bad_request_message(error):
    description = getattr(error, "description", "") or ""
    if "CSRF" in description:
        return f"{description} Send the header X-CSRFToken (GET /api/v1/me gives the token)."
    if "JSON" in description or "json" in description:
        return "The body is not valid JSON."
    return MESSAGES[400]


def _page_message(error):
    if error.code == 400 and "CSRF" in (error.description or ""):
        return "This form was open too long or came from elsewhere. Go back, reload and try again."
    return MESSAGES.get(error.code, error.description)


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
        return api_error(500, "Something went wrong on our side; nothing was saved.")
    return render_template("error.html", status=500, description="Something went wrong."), 500


def register(app):
    """Install the handlers on ``app``."""
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
