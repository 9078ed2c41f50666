"""The diary as a FHIR R4 Bundle (PRODUCT.md section 8): a Patient, pain Observations, Procedures.

``build_bundle`` is pure and works on the API shapes of entries and sessions; ``bundle_for``
loads a patient's data. Every resource id is derived from the diary's own ids, so the same data
always gives the same Bundle (no generation time either).
"""

import uuid

from ..core.timeutil import iso_instant
from ..records import ENTRY, SESSION
from ..records import service as records
from . import terms

# Fixed namespace for the Patient's id, so it differs from ids any other software derives.
PATIENT_NAMESPACE = uuid.UUID("10899b80-6c00-40d3-9ff2-d7c868e23332")
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DIARY_ID_SYSTEM = "urn:ietf:rfc:3986"

PAIN_SEVERITY = {
    "coding": [
        {
            "system": LOINC,
            "code": "72514-3",
            "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        }
    ]
}
SURVEY = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
ACUPUNCTURE = {"coding": [{"system": SNOMED, "code": "44868003", "display": "Acupuncture"}]}
# The measure an Observation holds is told apart by its body site; overall pain has none.
BODY_SITES = {
    "overall": None,
    "back": {"coding": [{"system": SNOMED, "code": "37822005", "display": "Lower back structure"}]},
    "leg": {"coding": [{"system": SNOMED, "code": "61685007", "display": "Lower limb structure"}]},
}


def _urn(resource_id):
    return f"urn:uuid:{resource_id}"


def _diary_identifier(record_id):
    return [{"system": DIARY_ID_SYSTEM, "value": _urn(record_id)}]


def patient_resource_id(user):
    """The Patient's id: stable for one account, unrelated to its email."""
    return str(uuid.uuid5(PATIENT_NAMESPACE, f"{user.id}:{iso_instant(user.created_at)}"))


def observation_id(entry_id, measure):
    """The id of the Observation holding one measure of one entry."""
    return str(uuid.uuid5(uuid.UUID(entry_id), f"observation:{measure}"))


def procedure_id(session_id):
    """The id of the Procedure for one acupuncture session."""
    return str(uuid.uuid5(uuid.UUID(session_id), "procedure"))


def _patient(patient_id, display_name):
    patient = {"resourceType": "Patient", "id": patient_id}
    if display_name:
        patient["name"] = [{"text": display_name}]
    return patient


def _observations(entry, subject):
    for measure, body_site in BODY_SITES.items():
        value = entry["pain"][measure]
        if value is None:
            continue
        observation = {
            "resourceType": "Observation",
            "id": observation_id(entry["id"], measure),
            "identifier": _diary_identifier(entry["id"]),
            "status": "final",
            "category": [SURVEY],
            "code": PAIN_SEVERITY,
            "subject": subject,
            "effectiveDateTime": entry["recorded_at"],
            "valueInteger": value,
        }
        if body_site is not None:
            observation["bodySite"] = body_site
        yield observation


def _procedure(session, subject, technique_labels):
    procedure = {
        "resourceType": "Procedure",
        "id": procedure_id(session["id"]),
        "identifier": _diary_identifier(session["id"]),
        "status": "completed",
        "code": ACUPUNCTURE,
        "subject": subject,
        "performedDateTime": session["started_at"],
    }
    if session["practitioner"]:
        procedure["performer"] = [{"actor": {"display": session["practitioner"]}}]
    details = []
    if session["techniques"]:
        names = [technique_labels.get(key, key) for key in session["techniques"]]
        details.append("Techniques: " + ", ".join(names))
    if session["points"]:
        details.append("Points: " + session["points"])
    if details:
        procedure["note"] = [{"text": "\n".join(details)}]
    return procedure


def build_bundle(patient_id, display_name, entries, sessions, technique_labels):
    """A ``collection`` Bundle from entries and sessions in their API shapes."""
    subject = {"reference": _urn(patient_id)}
    resources = [_patient(patient_id, display_name)]
    for entry in entries:
        resources.extend(_observations(entry, subject))
    resources.extend(_procedure(session, subject, technique_labels) for session in sessions)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": _urn(resource["id"]), "resource": resource} for resource in resources
        ],
    }


def bundle_for(user):
    """The patient's whole diary as a FHIR R4 Bundle (no email: the display name at most)."""
    entries = records.all_as_dicts(ENTRY, user.id)
    sessions = records.all_as_dicts(SESSION, user.id)
    technique_labels = terms.labels(terms.vocabulary_for(user.id))["techniques"]
    return build_bundle(
        patient_resource_id(user), user.display_name, entries, sessions, technique_labels
    )
