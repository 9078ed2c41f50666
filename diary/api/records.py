"""/api/v1/entries, /api/v1/sessions, /api/v1/responses: the same five routes and rules for
every kind."""

import base64
import binascii
import re
import uuid
from datetime import datetime

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import api_error
from ..http import date_range_args, if_match_versions, json_body
from ..records import KINDS
from ..records import service as records
from ..services import terms
from ..validation import ValidationError
from . import bp


def _clean(kind, data, record=None):
    vocabulary = terms.allowed_keys_for(current_user.id, data)
    return kind.clean(data, tz_name=current_user.timezone, vocabulary=vocabulary, record=record)


def _answer(kind, record, status=200):
    response = jsonify(records.to_dict(kind, record))
    response.status_code = status
    response.headers["ETag"] = f'"{record.version}"'
    return response


def _create(kind, endpoint):
    cleaned = _clean(kind, json_body())
    try:
        record, created = records.create(kind, current_user, cleaned)
    except records.Conflict:
        return api_error(
            409, _("This id is already used by a different record."), {"id": _("is taken")}
        )
    except records.QuotaExceeded:
        most = records.MAX_PER_ACCOUNT
        return api_error(
            422,
            kind.say("full", most=most),
            {kind.plural: _("at most %(most)d per account; delete some to add more", most=most)},
        )
    response = _answer(kind, record, 201 if created else 200)
    response.headers["Location"] = url_for(endpoint, record_id=record.id)
    return response


# Without ``limit`` a list holds up to this many records: a whole small diary, as the
# contract's answer has it (five years is about 4,000 entries). Past it, and with ``limit``
# (1-MAX_PAGE), the answer carries ``next_cursor`` to ask for the rest.
DEFAULT_PAGE = 5000
MAX_PAGE = 1000


def _page_args():
    """``limit`` (None when absent) and ``cursor`` (a ``(time, id)`` pair or None); 422 if bad."""
    fields, limit, after = {}, None, None
    raw_limit = request.args.get("limit")
    if raw_limit is not None:
        if raw_limit.isascii() and raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_PAGE:
            limit = int(raw_limit)
        else:
            fields["limit"] = _("must be a whole number from 1 to %(most)d", most=MAX_PAGE)
    raw_cursor = request.args.get("cursor")
    if raw_cursor is not None:
        after = _read_cursor(raw_cursor)
        if after is None:
            fields["cursor"] = _("is not a next_cursor from this list")
    if fields:
        raise ValidationError(fields, _("The paging parameters are not valid."))
    return limit, after


def _cursor(kind, record):
    """The opaque cursor just past ``record``: its time and id, base64url."""
    text = f"{getattr(record, kind.time_field).isoformat()}|{record.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _read_cursor(text):
    """The ``(time, id)`` a cursor names, or None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        instant_text, _, record_id = raw.partition("|")
        instant = datetime.fromisoformat(instant_text)
        record_id = str(uuid.UUID(record_id))
    except (binascii.Error, UnicodeError, ValueError):
        return None
    return (instant, record_id) if instant.tzinfo is not None else None


FILTER_VALUE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _filter_args(kind):
    """The kind's list filters given in the query (``?instrument=peg``); 422 if malformed."""
    given = {name: request.args[name] for name in kind.filters if request.args.get(name)}
    bad = {
        name: _("must be a key such as peg")
        for name, value in given.items()
        if not FILTER_VALUE.fullmatch(value)
    }
    if bad:
        raise ValidationError(bad, _("The filter is not valid."))
    return given


def _list(kind, key):
    date_from, date_to = date_range_args()
    limit, after = _page_args()
    filters = _filter_args(kind)
    size = limit or DEFAULT_PAGE
    found = records.list_between(
        kind, current_user.id, date_from, date_to, after=after, limit=size + 1, filters=filters
    )
    answer = {key: records.to_dicts(kind, found[:size], current_user.id)}
    more = len(found) > size
    if limit is not None or more:
        answer["next_cursor"] = _cursor(kind, found[size - 1]) if more else None
    return answer


def _one(kind, record_id, for_update=False):
    record = records.get(kind, current_user.id, record_id, for_update)
    if record is None:
        return None, api_error(404, kind.say("missing"))
    return record, None


def _read(kind, record_id):
    record, missing = _one(kind, record_id)
    return missing or _answer(kind, record)


def _replace(kind, record_id):
    record, missing = _one(kind, record_id, for_update=True)
    if missing:
        return missing
    cleaned = _clean(kind, json_body(), record)
    if cleaned["id"] is not None and cleaned["id"] != record.id:
        raise ValidationError({"id": _("must match the id in the URL")})
    try:
        record = records.update(kind, current_user, record, cleaned, if_match_versions())
    except records.PreconditionFailed as stale:
        response, status = api_error(
            412,
            kind.say("changed"),
            current=records.to_dict(kind, stale.current),
        )
        # The current version, as on every record answer: the client retries with it.
        response.headers["ETag"] = f'"{stale.current.version}"'
        return response, status
    return _answer(kind, record)


def _delete(kind, record_id):
    record, missing = _one(kind, record_id, for_update=True)
    if missing:
        return missing
    records.remove(record)
    return "", 204


def register(kind):
    """The five routes of one kind: create, list, read, replace, delete."""
    base, one = f"/{kind.plural}", f"/{kind.plural}/<record_id>"

    def create():
        return _create(kind, f"api.{kind.name}")

    def listing():
        return _list(kind, kind.plural)

    def read(record_id):
        return _read(kind, record_id)

    def replace(record_id):
        return _replace(kind, record_id)

    def delete(record_id):
        return _delete(kind, record_id)

    create.__doc__ = f"Create a {kind.noun}; a replay of the same id and content answers 200."
    listing.__doc__ = f"The {kind.plural} with local_date in [from, to], by time."
    read.__doc__ = f"One {kind.noun}."
    replace.__doc__ = f"Replace a {kind.noun}'s editable fields (If-Match guards lost updates)."
    delete.__doc__ = f"Delete a {kind.noun}."
    bp.add_url_rule(base, f"create_{kind.name}", create, methods=["POST"])
    bp.add_url_rule(base, f"list_{kind.plural}", listing, methods=["GET"])
    bp.add_url_rule(one, kind.name, read, methods=["GET"])
    bp.add_url_rule(one, f"replace_{kind.name}", replace, methods=["PUT"])
    bp.add_url_rule(one, f"delete_{kind.name}", delete, methods=["DELETE"])


for record_kind in KINDS:
    register(record_kind)
