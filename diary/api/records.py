"""/api/v1/entries, /api/v1/sessions, ...: the same five routes and rules for every kind."""

from flask import jsonify, url_for
from flask_login import current_user

from ..core.errors import api_error
from ..http import date_range_args, if_match_versions, json_body
from ..records import KINDS
from ..records import service as records
from ..services import terms
from ..validation import ValidationError
from . import bp


def _clean(kind, data):
    vocabulary = terms.allowed_keys_for(current_user.id, data)
    return kind.clean(data, tz_name=current_user.timezone, vocabulary=vocabulary)


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
        return api_error(409, "This id is already used by a different record.", {"id": "is taken"})
    response = _answer(kind, record, 201 if created else 200)
    response.headers["Location"] = url_for(endpoint, record_id=record.id)
    return response


def _list(kind, key):
    date_from, date_to = date_range_args()
    found = records.list_between(kind, current_user.id, date_from, date_to)
    return {key: records.to_dicts(kind, found, current_user.id)}


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
            current=records.to_dict(kind, stale.current),
        )
    return _answer(kind, record)


def _delete(kind, record_id, noun):
    record, missing = _one(kind, record_id, noun, for_update=True)
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
        return _read(kind, record_id, kind.noun)

    def replace(record_id):
        return _replace(kind, record_id, kind.noun)

    def delete(record_id):
        return _delete(kind, record_id, kind.noun)

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
