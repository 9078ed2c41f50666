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
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, select
from werkzeug.exceptions import BadRequest

from .core.database import read_alone
from .core.errors import api_error, wants_json
from .core.extensions import db, limiter
from .core.links import public_url
from .core.logs import log_event, log_success
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


def _uploaded_text():
    """The body, or the multipart field ``file``, as text: the bytes are dropped on return."""
    if request.mimetype != "multipart/form-data":
        return request.get_data(cache=False).decode("utf-8-sig")  # not kept in the request
    upload = request.files.get("file")
    if upload is not None:
        return upload.read().decode("utf-8-sig")
    if "file" in request.form:
        return request.form["file"]
    raise ValidationError({"file": "choose a backup file (.json)"}, "No backup file was sent.")


def uploaded_document():
    """The backup sent as a multipart field ``file`` (a file or plain text), or as the JSON body.

    Up to 20 MB: read once, not cached, decoded, then parsed, so the request holds at most
    the text and its parsed document at once (before: the bytes, the text and the document).
    """
    multipart = request.mimetype == "multipart/form-data"
    try:
        text = _uploaded_text()
        if not multipart and text.strip() in ("", "null"):
            return {}
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        if not multipart:
            raise BadRequest("The body is not valid JSON.") from None
        raise ValidationError({"file": "is not a JSON file"}, NOT_A_BACKUP) from None


# Date ranges ------------------------------------------------------------------------------------

DEFAULT_DAYS = 90
MAX_DAYS = 3660  # ten years a request: enough for any course, bounded for the server
LATEST = date(2100, 12, 31)
PRESETS = (
    ("14", _l("2 weeks")),
    ("30", _l("1 month")),
    ("90", _l("3 months")),
    ("182", _l("6 months")),
    ("365", _l("1 year")),
    ("all", _l("All")),
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
                gettext("Dates must be written YYYY-MM-DD.")
                if bad_format
                else gettext("The start date must be before the end date, at most 10 years apart.")
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
    log_success("export", user.id, format="csv")
    return attachment(response, "pain-diary-entries.csv")


def responses_csv_response(user):
    """Every questionnaire response as one CSV row, oldest first, as a download."""
    body = csv_export.responses_csv_for(user)
    response = current_app.response_class(body, mimetype="text/csv")
    log_success("export", user.id, format="responses_csv")
    return attachment(response, "pain-diary-responses.csv")


def fhir_response(user):
    """The diary as a FHIR R4 Bundle of type collection, as a download."""
    response = jsonify(fhir.bundle_for(user))
    response.content_type = "application/fhir+json"
    log_success("export", user.id, format="fhir")
    return attachment(response, "pain-diary-fhir.json")


def backup_response(user):
    """The full backup (profile, own words, entries, sessions) as a download."""
    response = attachment(jsonify(backup.export_backup(user)), backup.filename(user))
    log_success("export", user.id, format="backup")
    return response


DOWNLOADS = {
    "entries.csv": csv_response,
    "responses.csv": responses_csv_response,
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


# ASVS 3.3.1-3.3.2: a browser session ends after 12 hours of use or 30 minutes without a
# request; "keep me signed in" lasts 30 days from the login, however used. The times live in
# the signed session cookie, so a copied cookie ages like the original.
SESSION_MAX_SECONDS = 12 * 3600
SESSION_IDLE_SECONDS = 30 * 60
REMEMBERED_SECONDS = 30 * 24 * 3600
# Activity is noted at most once a minute: the cookie is not rewritten on every request.
SEEN_EVERY_SECONDS = 60


def start_session(user, remember=False):
    """Log ``user`` in on a new session (nothing from before survives), password just typed.

    "Keep me signed in" (``remember``) makes the session cookie outlive the browser (30 days);
    otherwise it ends with the browser, after 12 hours, or after 30 minutes unused.
    """
    session.clear()
    login_user(user)
    session.permanent = bool(remember)
    now = int(time.time())
    session["login_at"] = session["seen_at"] = now
    mark_fresh()
    # The new session's CSRF token goes out with this answer. Made up later, by whichever of
    # the pages and worker requests that follow at once came first, each would make its own
    # and the last cookie to arrive would win: a token a page had just read would not match.
    g.pop("csrf_token", None)  # the request's old token, from the session just cleared
    generate_csrf()


# Two-factor login: between the password and the code the session holds only who is logging
# in, for a few minutes; nothing else starts until the code is right.
CODE_STEP_SECONDS = 5 * 60


def begin_code_step(user, remember, next_page):
    """Ask for the TOTP code next: the password was right, the session has not started."""
    session.clear()
    session["code_step"] = {
        "user": user.id,
        "nonce": user.session_nonce,
        "remember": bool(remember),
        "next": next_page,
        "at": int(time.time()),
    }


def code_step():
    """``(patient, remember, next)`` waiting for their code, or None (none, or too old)."""
    pending = session.get("code_step")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > CODE_STEP_SECONDS:
        return None
    user = read_alone(lambda: db.session.get(User, pending.get("user")))
    if user is None or not hmac.compare_digest(user.session_nonce, pending.get("nonce", "")):
        return None
    return user, pending.get("remember", False), pending.get("next")


def code_step_key():
    """Rate-limit key of the code step: the account waiting for its code, else the address."""
    pending = session.get("code_step")
    if isinstance(pending, dict) and pending.get("user") is not None:
        return f"code-step:{pending['user']}"
    return "ip:" + (get_remote_address() or "unknown")


def _session_alive():
    """Whether this login is within its lifetime; notes the activity when it is."""
    now = time.time()
    login_at = session.get("login_at")
    seen_at = session.get("seen_at", login_at)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return False  # a login from before lifetimes (or Flask-Login's remember cookie)
    if session.permanent:
        return now - login_at <= REMEMBERED_SECONDS
    if now - login_at > SESSION_MAX_SECONDS or now - seen_at > SESSION_IDLE_SECONDS:
        return False
    if now - seen_at >= SEEN_EVERY_SECONDS:
        session["seen_at"] = int(now)
    return True


# Where to go next -------------------------------------------------------------------------------

# Refused in ``next`` anywhere: control characters and whitespace (browsers drop tabs and
# newlines, turning "/\t/evil.com" into "//evil.com"), backslashes (read as slashes), and
# encoded slashes, backslashes or control characters (decoded once more by some servers).
UNSAFE_NEXT = re.compile(r"[\x00-\x20\x7f\\]|%(?:2f|5c|[01][0-9a-f]|7f|20)", re.IGNORECASE)


def safe_next(target):
    """``target`` if it is a path on this site (``/entries?x=1``), else None.

    Only printable ASCII; no scheme, no host, and exactly one leading ``/``.
    """
    if not isinstance(target, str) or not target.isascii() or UNSAFE_NEXT.search(target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None  # "//host" and "///host" name another site
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target


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
        return redirect(url_for("auth.confirm", next=safe_next(target)))

    return guarded


def leave_diary(message):
    """Log out of this browser and make the phone forget the diary: the answer to send."""
    logout_user()
    session.clear()
    flash(message, "info")
    response = redirect(url_for("auth.login"), code=303)
    response.headers["Clear-Site-Data"] = FORGET_THIS_DIARY
    return response


def is_shell():
    """Whether the service worker asks for a data-free copy of a log form to keep offline.

    Such a request never changes what the person sees: without a login it gets a bare 401
    (no redirect, no "log in" message left waiting in the session).
    """
    return request.headers.get("X-Diary-Shell") == "1"


# Logins -----------------------------------------------------------------------------------------

# The patient of a login, by id: one statement built once. ``Session.get`` builds its query and
# that query's cache key on every call, a fifth of what loading the patient costs.
PATIENT_BY_ID = select(User).where(User.id == bindparam("user_id"))


def configure_login(login_manager):
    """Tell Flask-Login how to load a patient and what to do without one."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see your diary.")
    login_manager.login_message_category = "info"
    # Flask-Login's "basic" protection marks any session whose address or browser changed as
    # not fresh, writing the cookie again, even a logged-out one: a request still in flight when
    # the patient signs up (the service worker keeping its offline pages) then answered with the
    # old, logged-out cookie after the sign-up's and logged the new patient out. Freshness here
    # is the app's own (``mark_fresh``), logins end by nonce and lifetime, and phones change
    # address all the time, so the protection only ever did harm.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(user_id):
        """Load by ``id:nonce``; a rotated nonce (after logout) makes old cookies useless.

        A login past its lifetime (12 hours, 30 minutes idle, 30 days remembered) ends here.
        """
        row_id, _, nonce = (user_id or "").partition(":")
        if not row_id.isascii() or not row_id.isdigit() or not nonce:
            return None
        if not _session_alive():
            session.clear()
            log_event("session_expired", user_id=int(row_id))
            return None
        user = read_alone(
            lambda: db.session.execute(PATIENT_BY_ID, {"user_id": int(row_id)}).scalar()
        )
        if user is None or not hmac.compare_digest(user.session_nonce, nonce):
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        """JSON 401 for the API; the login page, coming back afterwards, for pages."""
        if wants_json():
            return api_error(401)
        if is_shell():
            return "", 401
        flash(str(login_manager.login_message), "info")
        return redirect(url_for("auth.login", next=safe_next(request.full_path.rstrip("?"))))


# Share links ------------------------------------------------------------------------------------


def share_url(token):
    """The full URL of the report for ``token``: ``PUBLIC_URL``, never the request's Host."""
    return public_url("share.report", token=token)


# Rate-limit keys --------------------------------------------------------------------------------


def account_key():
    """Rate-limit key: the patient when logged in, else the client address."""
    if current_user.is_authenticated:
        return "patient:" + str(current_user.id)
    return "ip:" + (get_remote_address() or "unknown")


# Restores (page and API) share one budget per patient (RATELIMIT_RESTORES, a few an hour):
# each parses and checks up to 20 MB.
restore_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_RESTORES"], scope="restore", key_func=account_key
)
# Course-summary PDFs (the patient's, page and API, and each share link's reader) take a
# fraction of a second of CPU each: a budget of their own (RATELIMIT_SUMMARIES).
summary_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_SUMMARIES"], scope="summary", key_func=account_key
)


# Connect codes (page and API) share one budget per patient (or address): guessing a code
# means trying many (RATELIMIT_CONNECT, default 10 a minute and 30 an hour).
connect_limit = limiter.shared_limit(
    lambda: current_app.config.get("RATELIMIT_CONNECT", "10 per minute;30 per hour"),
    scope="connect",
    key_func=account_key,
)


def connect_url(code):
    """The full URL a patient opens to connect: ``PUBLIC_URL``, never the request's Host."""
    return current_app.config["PUBLIC_URL"] + url_for("care_team.connect", code=code)
