"""/api/v1/care-team: the patient's practitioners, their access log, connect and disconnect."""

from flask import jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.errors import api_error
from ..http import connect_limit, json_body
from ..services import care_team
from ..validation import ValidationError, not_an_object
from . import bp

UNKNOWN_CODE = _l("No practitioner has this code. Check it: it may have been replaced.")


def _mine(connection_id):
    return care_team.patients_connection(current_user.id, connection_id)


def _member(connection):
    for found, practitioner, log in care_team.care_team(current_user.id):
        if found.id == connection.id:
            return care_team.connection_to_dict(found, practitioner, log)
    return None


@bp.get("/care-team")
def list_care_team():
    """Who can see the diary, since when, notes on or off, and when each looked."""
    return {
        "care_team": [
            care_team.connection_to_dict(*member) for member in care_team.care_team(current_user.id)
        ]
    }


@bp.post("/care-team")
@connect_limit
def connect_practitioner():
    """Connect to the practitioner with this code (the patient has consented)."""
    body = json_body()
    if not isinstance(body, dict):
        raise not_an_object()
    try:
        connection = care_team.connect(current_user, body.get("code"), body.get("include_notes"))
    except care_team.UnknownCode:
        return api_error(404, UNKNOWN_CODE)
    except care_team.AlreadyConnected:
        return api_error(409, _("You are already connected to this practitioner."))
    return jsonify(_member(connection)), 201


@bp.patch("/care-team/<connection_id>")
def update_care_team(connection_id):
    """Share notes with this practitioner, or stop."""
    connection = _mine(connection_id)
    if connection is None:
        return api_error(404, _("There is no such connection."))
    body = json_body()
    if not isinstance(body, dict) or "include_notes" not in body:
        raise ValidationError({"include_notes": _("is required: true or false")})
    care_team.set_include_notes(connection, body["include_notes"])
    return _member(connection)


@bp.delete("/care-team/<connection_id>")
def disconnect_care_team(connection_id):
    """End the connection: the practitioner's next request is refused."""
    connection = _mine(connection_id)
    if connection is None:
        return api_error(404, _("There is no such connection."))
    care_team.disconnect(connection, current_user.id)
    return "", 204
