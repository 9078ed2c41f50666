"""/api/v1/export/… and /api/v1/import/backup: the patient takes their data out and back in."""

from flask_login import current_user

from ..charts import own_summary_response
from ..core.errors import api_error
from ..http import (
    backup_response,
    csv_response,
    fhir_response,
    fresh_login_required,
    responses_csv_response,
    restore_limit,
    summary_limit,
    trends_range,
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


@bp.get("/export/summary.pdf")
@fresh_login_required
@summary_limit
def export_summary_pdf():
    """The course summary of a range (default: the 90 days to today) as a PDF."""
    date_from, date_to = trends_range(current_user.timezone)
    return own_summary_response(current_user, date_from, date_to)


@bp.post("/import/backup")
@restore_limit
def import_backup():
    """Restore a backup, idempotent on ids: answers how many items were newly created."""
    document = uploaded_document()
    try:
        return backup.restore_backup(current_user, document)
    except backup.BackupConflict as conflict:
        return api_error(409, conflict.message, conflict.fields)
