"""/api/v1/entries and /api/v1/sessions: the same rules for both kinds of record."""

import re

from flask import jsonify, request, url_for
from flask_login import current_user

from ..errors import api_error
from ..services import records, terms
from ..services.records import ENTRY, SESSION
from ..timeutil import parse_date
from ..validation import ValidationError, clean_entry, clean_session
from . import bp, json_body

ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


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


def _to_dict(kind, record, numbers=None):
    if kind is ENTRY:
        return records.entry_to_dict(record)
    number = numbers[record.id] if numbers is not None else records.session_number(record)
    return records.session_to_dict(record, number)


def _clean(kind, data):
    vocabulary = terms.allowed_keys_for(current_user.id, data)
    clean = clean_entry if kind is ENTRY else clean_session
    return clean(data, tz_name=current_user.timezone, vocabulary=vocabulary)


def _answer(kind, record, status=200):
    response = jsonify(_to_dict(kind, record))
    response.status_code = status
    response.headers["ETag"] = f'"{record.version}"'
    return response


def _create(kind, endpoint):
    cleaned = _clean(kind, json_body())
    try:
        record, created = records.create(kind, current_user, cleaned)
    except records.Conflict:
        return api_error(409, "This id is already used by a different record.", {"id": "is taken"})
    response = _answer(kind, record, 201 if created else 200)
    response.headers["Location"] = url_for(endpoint, record_id=record.id)
    return response


def _list(kind, key):
    date_from, date_to = date_range_args()
    found = records.list_between(kind, current_user.id, date_from, date_to)
    numbers = records.session_numbers(current_user.id) if kind is SESSION else None
    return {key: [_to_dict(kind, record, numbers) for record in found]}


def _one(kind, record_id, noun, for_update=False):
    record = records.get(kind, current_user.id, record_id, for_update)
    if record is None:
        return None, api_error(404, f"There is no such {noun}.")
    return record, None


def _read(kind, record_id, noun):
    record, missing = _one(kind, record_id, noun)
    return missing or _answer(kind, record)


def _replace(kind, record_id, noun):
    record, missing = _one(kind, record_id, noun, for_update=True)
    if missing:
        return missing
    cleaned = _clean(kind, json_body())
    if cleaned["id"] is not None and cleaned["id"] != record.id:
        raise ValidationError({"id": "must match the id in the URL"})
    try:
        record = records.update(kind, current_user, record, cleaned, if_match_versions())
    except records.PreconditionFailed as stale:
        return api_error(
            412,
            f"This {noun} changed since you loaded it; here is the current one.",
            current=_to_dict(kind, stale.current),
        )
    return _answer(kind, record)


def _delete(kind, record_id, noun):
    record, missing = _one(kind, record_id, noun, for_update=True)
    if missing:
        return missing
    records.remove(record)
    return "", 204


@bp.post("/entries")
def create_entry():
    """Create an entry; a replay of the same id and content answers 200."""
    return _create(ENTRY, "api.entry")


@bp.get("/entries")
def list_entries():
    """Entries with local_date in [from, to], by time."""
    return _list(ENTRY, "entries")


@bp.get("/entries/<record_id>")
def entry(record_id):
    """One entry."""
    return _read(ENTRY, record_id, "entry")


@bp.put("/entries/<record_id>")
def replace_entry(record_id):
    """Replace an entry's editable fields (If-Match guards against lost updates)."""
    return _replace(ENTRY, record_id, "entry")


@bp.delete("/entries/<record_id>")
def delete_entry(record_id):
    """Delete an entry."""
    return _delete(ENTRY, record_id, "entry")


@bp.post("/sessions")
def create_session():
    """Create an acupuncture session; a replay of the same id and content answers 200."""
    return _create(SESSION, "api.session")


@bp.get("/sessions")
def list_sessions():
    """Sessions with local_date in [from, to], by start time."""
    return _list(SESSION, "sessions")


@bp.get("/sessions/<record_id>")
def session(record_id):
    """One acupuncture session."""
    return _read(SESSION, record_id, "session")


@bp.put("/sessions/<record_id>")
def replace_session(record_id):
    """Replace a session's editable fields (If-Match guards against lost updates)."""
    return _replace(SESSION, record_id, "session")


@bp.delete("/sessions/<record_id>")
def delete_session(record_id):
    """Delete an acupuncture session."""
    return _delete(SESSION, record_id, "session")
