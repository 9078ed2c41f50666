"""What a connected practitioner does in a patient's diary: log the session of a visit."""

from ..records import SESSION
from ..records import service as records
from . import care_team


def log_session(practitioner, connection, patient, cleaned):
    """Store the visit's session in the patient's diary, marked ``recorded_by`` the
    practitioner, and note it in the patient's access log: ``(session, created)``.

    The practitioner's name stands in when the form leaves "practitioner" empty.
    """
    if not cleaned["practitioner"]:
        cleaned = {**cleaned, "practitioner": practitioner.name_for_display[:120]}
    record, created = records.create(
        SESSION, patient, cleaned, readonly={"recorded_by": care_team.recorded_by(practitioner)}
    )
    if created:
        care_team.log_access(practitioner.id, connection.id, "session_logged")
    return record, created
