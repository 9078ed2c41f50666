"""/api/v1/practice/...: the practitioner's workspace (PRODUCT.md section 13).

``access.guard`` lets only practitioners in, and for ``<connection_id>`` routes re-reads the
connection (``g.connection``, ``g.patient``) and writes the patient's access log.
"""

from flask import g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import api_error
from ..http import connect_url, json_body, trends_range, trends_response
from ..records import SESSION
from ..records import service as records
from ..services import care_team, dashboard, terms, visits
from . import bp


def _code_answer(code):
    return {"code": care_team.grouped(code), "url": connect_url(code)}


@bp.get("/practice/code")
def practice_code():
    """The practitioner's connect code and the URL its QR code holds."""
    return _code_answer(care_team.code_of(current_user))


@bp.post("/practice/code")
def practice_new_code():
    """Replace the connect code: the old one stops working at once."""
    return _code_answer(care_team.replace_code(current_user))


@bp.get("/practice/patients/<connection_id>/trends")
def practice_patient_trends(connection_id):
    """The patient's trends, byte for byte what GET /api/v1/trends gives the patient."""
    date_from, date_to = trends_range(g.patient.timezone)
    return trends_response(g.patient, date_from, date_to)


@bp.post("/practice/patients/<connection_id>/sessions")
def practice_log_session(connection_id):
    """Log the session of this visit into the patient's diary (the patient may edit it)."""
    body = json_body()
    cleaned = SESSION.clean(
        body,
        tz_name=g.patient.timezone,
        vocabulary=terms.allowed_keys_for(g.patient.id, body if isinstance(body, dict) else {}),
    )
    try:
        record, created = visits.log_session(current_user, g.connection, g.patient, cleaned)
    except records.Conflict:
        return api_error(
            409, _("This id is already used by a different record."), {"id": _("is taken")}
        )
    except records.QuotaExceeded:
        full = {"sessions": _("the diary is full")}
        return api_error(422, _("The patient's diary is full."), full)
    response = jsonify(records.to_dict(SESSION, record))
    response.status_code = 201 if created else 200
    response.headers["ETag"] = f'"{record.version}"'
    return response


@bp.delete("/practice/patients/<connection_id>")
def practice_disconnect(connection_id):
    """End the connection from the practitioner's side."""
    care_team.disconnect(g.connection, current_user.id)
    return "", 204


@bp.get("/practice/patients")
def practice_patients():
    """Every connected patient's row, those needing attention first (section 13)."""
    return {"patients": dashboard.patient_rows(current_user.id)}
