"""/api/v1/export/… and /api/v1/import/backup: the patient takes their data out and back in."""

from flask_login import current_user

from ..core.errors import api_error
from ..http import (
    backup_response,
    csv_response,
    fhir_response,
    fresh_login_required,
    responses_csv_response,
    restore_limit,
    uploaded_document,
)
from ..services import backup
from . import bp


@bp.get("/export/entries.csv")
@fresh_login_required
def export_entries_csv():
    """Every entry as one CSV row, oldest first."""
    return csv_response(current_user)


@bp.get("/export/responses.csv")
@fresh_login_required
def export_responses_csv():
    """Every questionnaire response as one CSV row, oldest first."""
    return responses_csv_response(current_user)


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


@bp.post("/import/backup")
@restore_limit
def import_backup():
    """Restore a backup, idempotent on ids: answers how many items were newly created."""
    document = uploaded_document()
    try:
        return backup.restore_backup(current_user, document)
    except backup.BackupConflict as conflict:
        return api_error(409, conflict.message, conflict.fields)
