"""Request helpers both faces share (the HTML pages and /api/v1): bodies, date ranges,
``If-Match``, downloads, the recent-password guard, share URLs and how a login is found.

Blueprints and the API import from here, never from each other.
"""

import hmac
import json
import re
import time
from datetime import date, timedelta
from functools import wraps

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from werkzeug.exceptions import BadRequest

from .core.database import read_alone
from .core.errors import api_error, wants_json
from .core.extensions import db
from .core.timeutil import EARLIEST, local_today, parse_date
from .models import User
from .services import backup, csv_export, fhir
from .services.trends import trends_json
from .validation import ValidationError

# Bodies -----------------------------------------------------------------------------------------


def json_body():
    """The request body parsed as JSON (any content type); malformed JSON is a 400."""
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # nested beyond Python's limit: not a diary document
        raise BadRequest("The body is not valid JSON.") from None
    if data is None and request.get_data(cache=True).strip() not in (b"", b"null"):
        raise BadRequest("The body is not valid JSON.")
    return {} if data is None else data


NOT_A_BACKUP = "This file is not a pain diary backup; nothing was changed."


def uploaded_document():
    """The backup sent as a multipart field ``file`` (a file or plain text), or as the JSON body."""
    if request.mimetype != "multipart/form-data":
        return json_body()
    upload = request.files.get("file")
    if upload is not None:
        raw = upload.read()
    elif "file" in request.form:
        raw = request.form["file"].encode()
    else:
        raise ValidationError({"file": "choose a backup file (.json)"}, "No backup file was sent.")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationError({"file": "is not a JSON file"}, NOT_A_BACKUP) from None


# Date ranges ------------------------------------------------------------------------------------

DEFAULT_DAYS = 90
MAX_DAYS = 3660  # ten years a request: enough for any course, bounded for the server
LATEST = date(2100, 12, 31)
PRESETS = (
    ("14", "2 weeks"),
    ("30", "1 month"),
    ("90", "3 months"),
    ("182", "6 months"),
    ("365", "1 year"),
    ("all", "All"),
)
DEFAULT_PRESET = "90"


def date_range_args():
    """``from``/``to`` query dates (both optional); 422 naming the field when bad."""
    fields, bounds = {}, {}
    for name in ("from", "to"):
        raw = request.args.get(name)
        if raw:
            try:
                bounds[name] = parse_date(raw)
            except ValueError as error:
                fields[name] = str(error)
    if not fields and "from" in bounds and "to" in bounds and bounds["from"] > bounds["to"]:
        fields["from"] = "must not be after to"
    if fields:
        raise ValidationError(fields, "The date range is not valid.")
    return bounds.get("from"), bounds.get("to")


def trends_range(tz_name):
    """``from``/``to`` with the defaults of section 6: to = today, from = to - 89 days."""
    given_from, given_to = date_range_args()
    fields = {
        name: f"must be between {EARLIEST.date()} and {LATEST}"
        for name, value in (("from", given_from), ("to", given_to))
        if value is not None and not EARLIEST.date() <= value <= LATEST
    }
    if fields:
        raise ValidationError(fields, "The date range is not valid.")
    date_to = given_to or local_today(tz_name)
    date_from = given_from or max(date_to - timedelta(days=DEFAULT_DAYS - 1), EARLIEST.date())
    if date_from > date_to:
        raise ValidationError({"from": "must not be after to"}, "The date range is not valid.")
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError(
            {"from": f"the range must be at most {MAX_DAYS} days"}, "The date range is too long."
        )
    return date_from, date_to


def chosen_range(tz_name, first_date, presets=PRESETS):
    """A page's range: ``?from=&to=`` (the API's rules), else a ``?days=`` preset.

    ``first_date`` is called (only for the ``all`` preset) for the patient's first date.
    Returns ``(from, to, preset, errors)``: a bad custom range falls back to the default preset
    with a message under ``errors["range"]``.
    """
    errors = {}
    if request.args.get("from") or request.args.get("to"):
        try:
            return (*trends_range(tz_name), None, errors)
        except ValidationError as error:
            bad_format = any("YYYY-MM-DD" in message for message in error.fields.values())
            errors["range"] = (
                "Dates must be written YYYY-MM-DD."
                if bad_format
                else "The start date must be before the end date, at most 10 years apart."
            )
    today = local_today(tz_name)
    preset = request.args.get("days", DEFAULT_PRESET)
    if preset == "all":
        earliest = today - timedelta(days=MAX_DAYS - 1)
        return max(first_date() or today, earliest), today, preset, errors
    if preset not in dict(presets):
        preset = DEFAULT_PRESET
    return today - timedelta(days=int(preset) - 1), today, preset, errors


def trends_response(user, date_from, date_to):
    """The trends JSON answer (the cached bytes, as ``jsonify`` would send them)."""
    body = trends_json(user, date_from, date_to) + b"\n"
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


# If-Match ---------------------------------------------------------------------------------------

ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def if_match_versions():
    """Versions named by ``If-Match`` (``"3"``, ``W/"3"`` or ``3``); None when absent or ``*``."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    versions = set()
    for part in header.split(","):
        match = ETAG.match(part)
        if match:
            versions.add(int(match.group(1)))
    return versions


# Downloads --------------------------------------------------------------------------------------


def attachment(response, filename):
    """Mark ``response`` as a download named ``filename``."""
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(user):
    """Every entry as one CSV row, oldest first, as a download."""
    response = current_app.response_class(csv_export.entries_csv_for(user), mimetype="text/csv")
    return attachment(response, "pain-diary-entries.csv")


def fhir_response(user):
    """The diary as a FHIR R4 Bundle of type collection, as a download."""
    response = jsonify(fhir.bundle_for(user))
    response.content_type = "application/fhir+json"
    return attachment(response, "pain-diary-fhir.json")


def backup_response(user):
    """The full backup (profile, own words, entries, sessions) as a download."""
    return attachment(jsonify(backup.export_backup(user)), backup.filename(user))


DOWNLOADS = {
    "entries.csv": csv_response,
    "fhir.json": fhir_response,
    "backup.json": backup_response,
}


# The recent-password guard ----------------------------------------------------------------------

# The phone forgets the outbox, the caches and the service worker of this diary (logout, and
# account deletion).
FORGET_THIS_DIARY = '"cache", "storage"'
FRESH_FOR_SECONDS = 15 * 60


def mark_fresh():
    """Record that the patient has just typed their password."""
    session["auth_at"] = int(time.time())


def is_fresh():
    """Whether the password was typed within the last 15 minutes in this session."""
    return time.time() - session.get("auth_at", 0) <= FRESH_FOR_SECONDS


def fresh_login_required(view):
    """Exports, share links: only with a password typed in the last 15 minutes.

    Pages send the patient to confirm their password and come back; the API answers 401 with
    a message pointing at ``POST /api/v1/me/confirm``.
    """

    @wraps(view)
    def guarded(*args, **kwargs):
        if is_fresh():
            return view(*args, **kwargs)
        if wants_json():
            return api_error(
                401,
                "Confirm your password first (POST /api/v1/me/confirm): it is needed "
                "again after 15 minutes for exports and share links.",
            )
        target = request.full_path.rstrip("?") if request.method == "GET" else request.path
        return redirect(url_for("auth.confirm", next=target))

    return guarded


# Logins -----------------------------------------------------------------------------------------


def configure_login(login_manager):
    """Tell Flask-Login how to load a patient and what to do without one."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to see your diary."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id):
        """Load by ``id:nonce``; a rotated nonce (after logout) makes old cookies useless."""
        row_id, _, nonce = (user_id or "").partition(":")
        if not row_id.isdigit() or not nonce:
            return None
        user = read_alone(lambda: db.session.get(User, int(row_id)))
        if user is None or not hmac.compare_digest(user.session_nonce, nonce):
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        """JSON 401 for the API; the login page, coming back afterwards, for pages."""
        if wants_json():
            return api_error(401)
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


# Share links ------------------------------------------------------------------------------------


def share_url(token):
    """The full URL of the report for ``token``."""
    return url_for("share.report", token=token, _external=True)
