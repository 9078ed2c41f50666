"""/api/v1/reminders: when to remind the patient, and how (PRODUCT.md section 12)."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import api_error
from ..http import json_body
from ..services import reminders
from . import bp


@bp.get("/reminders")
def list_reminders():
    """The patient's reminders."""
    rows = reminders.reminders_of(current_user.id)
    return {"reminders": [reminders.reminder_dict(reminder) for reminder in rows]}


@bp.post("/reminders")
def create_reminder():
    """Add a reminder (at most 6): 201 and the reminder."""
    created = reminders.create(current_user.id, reminders.clean_reminder(json_body()))
    response = jsonify(reminders.reminder_dict(created))
    response.headers["Location"] = f"/api/v1/reminders/{created.id}"
    return response, 201


@bp.put("/reminders/<reminder_id>")
def replace_reminder(reminder_id):
    """Replace a reminder's time, days, channels, kind and on/off."""
    reminder = reminders.own_reminder(current_user.id, reminder_id)
    if reminder is None:
        return api_error(404, _("There is no such reminder."))
    cleaned = reminders.clean_reminder(json_body())
    return reminders.reminder_dict(reminders.replace(reminder, cleaned))


@bp.delete("/reminders/<reminder_id>")
def delete_reminder(reminder_id):
    """Delete a reminder."""
    reminder = reminders.own_reminder(current_user.id, reminder_id)
    if reminder is None:
        return api_error(404, _("There is no such reminder."))
    reminders.remove(reminder)
    return "", 204
