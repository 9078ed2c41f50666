"""Security headers on every response (OWASP ASVS 4.0.3 level 2, section 14.4)."""

import re

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from .cdn import CHART_SCRIPTS, script_url
from .errors import wants_json


def content_security_policy():
    """A strict policy: no inline script or style, scripts only from here and the pinned files."""
    scripts = " ".join(script_url(script) for script in CHART_SCRIPTS)
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {scripts}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            # The service worker fetches (and caches) the pinned files itself.
            f"connect-src 'self' {scripts}",
            "manifest-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )


LARGE_UPLOADS = {"api.import_backup", "account.restore"}
LARGE_UPLOAD_BYTES = 20 * 1024 * 1024


def guard_body():
    """Before anything reads a body (the CSRF check does): its size limit and its form names.

    Restores take up to 20 MB, everything else 1 MB. A multipart field name that Werkzeug
    cannot parse (CR, LF, a backslash) becomes a ``None`` key that would crash Flask-WTF: such a
    body is malformed, a 400.
    """
    if request.endpoint in LARGE_UPLOADS:
        request.max_content_length = LARGE_UPLOAD_BYTES
        request.max_form_memory_size = LARGE_UPLOAD_BYTES
    if request.mimetype == "multipart/form-data" and (
        None in request.form or None in request.files
    ):
        abort(400, _("The form data is malformed."))


BETWEEN_TAGS = re.compile(r">\s+<")


def register(app):
    """Add the headers after every request."""
    policy = content_security_policy()

    @app.after_request
    def collapse_whitespace(response):
        """Template indentation between tags becomes one space (the log page must stay light).

        Text never holds a raw ``<`` or ``>`` (Jinja escapes it, ``tojson`` too), so only
        whitespace that the browser would collapse anyway is touched.
        """
        if response.mimetype == "text/html" and not response.direct_passthrough:
            response.set_data(BETWEEN_TAGS.sub("> <", response.get_data(as_text=True)))
        return response

    @app.after_request
    def security_headers(response):
        """Headers for every answer; pages that set their own Referrer-Policy keep it."""
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # same-origin keeps the Referer that Flask-WTF's HTTPS check needs on our own forms.
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # /healthz stays bare: no session, no database (it sets its own Cache-Control).
        if request.endpoint not in ("static", "health.healthz") and (
            wants_json() or current_user.is_authenticated
        ):
            headers["Cache-Control"] = "no-store"
        return response
