"""/api/v1/export/… and /api/v1/import/backup: the patient takes their data out and back in."""

import json

from flask import current_app, jsonify, request
from flask_login import current_user

from ..auth import fresh_login_required
from ..errors import api_error
from ..services import backup, csv_export, fhir
from ..validation import ValidationError
from . import bp, json_body

NOT_A_BACKUP = "This file is not a pain diary backup; nothing was changed."


def _attachment(response, filename):
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(user):
    """Every entry as one CSV row, oldest first, as a download."""
    response = current_app.response_class(csv_export.entries_csv_for(user), mimetype="text/csv")
    return _attachment(response, "pain-diary-entries.csv")


def fhir_response(user):
    """The diary as a FHIR R4 Bundle of type collection, as a download."""
    response = jsonify(fhir.bundle_for(user))
    response.content_type = "application/fhir+json"
    return _attachment(response, "pain-diary-fhir.json")


def backup_response(user):
    """The full backup (profile, own words, entries, sessions) as a download."""
    return _attachment(jsonify(backup.export_backup(user)), backup.filename(user))


@bp.get("/export/entries.csv")
@fresh_login_required
def export_entries_csv():
    """Every entry as one CSV row, oldest first."""
    return csv_response(current_user)


@bp.get("/export/fhir")
@fresh_login_required
def export_fhir():
    """The diary as a FHIR R4 Bundle of type collection."""
    return fhir_response(current_user)


@bp.get("/export/backup.json")
@fresh_login_required
def export_backup():
    """The full backup: profile, own words, entries and sessions."""
    return backup_response(current_user)


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


@bp.post("/import/backup")
def import_backup():
    """Restore a backup, idempotent on ids: answers how many items were newly created."""
    document = uploaded_document()
    try:
        return backup.restore_backup(current_user, document)
    except backup.BackupConflict as conflict:
        return api_error(409, conflict.message, conflict.fields)
