"""The diary as a FHIR R4 Bundle (PRODUCT.md sections 8 and 11): a Patient, pain Observations,
Procedures, the Questionnaires and a QuestionnaireResponse per answered questionnaire.

``build_bundle`` is pure and works on the API shapes of entries, sessions and responses;
``bundle_for`` loads a patient's data. Every resource id is derived from the diary's own ids
(a Questionnaire's from its key), so the same data always gives the same Bundle (no generation
time either).
"""

import uuid

from ..core.timeutil import iso_instant
from ..instruments import instruments
from ..records import ENTRY, RESPONSE, SESSION
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


# Fixed namespace for the Questionnaires' ids and canonical URLs (one per instrument key).
QUESTIONNAIRE_NAMESPACE = uuid.UUID("5b0f4d2e-8c1a-4f7e-9a53-2f61c0d7e8b4")
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def questionnaire_id(key):
    """The id of the Questionnaire of the instrument ``key`` (the same in every export)."""
    return str(uuid.uuid5(QUESTIONNAIRE_NAMESPACE, f"questionnaire:{key}"))


def questionnaire_url(key):
    """The Questionnaire's canonical URL: a URN of its id, as no public registry holds it."""
    return _urn(questionnaire_id(key))


def questionnaire_response_id(response_id):
    """The id of the QuestionnaireResponse for one questionnaire response."""
    return str(uuid.uuid5(uuid.UUID(response_id), "questionnaire-response"))


def _computer_name(key):
    """``red_flags`` -> ``RedFlags`` (FHIR's rule for ``name``: a letter, then letters, digits
    or _)."""
    return "".join(part.capitalize() for part in key.split("_"))


def _questionnaire_item(item):
    entry = {"linkId": item.key, "text": item.text, "type": item.type, "required": True}
    if item.type == "integer":
        entry["extension"] = [
            {"url": MIN_VALUE, "valueInteger": item.min},
            {"url": MAX_VALUE, "valueInteger": item.max},
        ]
    if item.type == "choice":
        entry["answerOption"] = [{"valueInteger": option.value} for option in item.options]
    return entry


def questionnaire(instrument):
    """An instrument as a FHIR Questionnaire (its items, its version, citation and licence)."""
    return {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(instrument.key),
        "url": questionnaire_url(instrument.key),
        "version": instrument.version,
        "name": _computer_name(instrument.key),
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "description": f"Recall period: {instrument.recall}. {instrument.citation}",
        "copyright": instrument.licence,
        "item": [_questionnaire_item(item) for item in instrument.items],
    }


def _answer(value):
    return {"valueBoolean": value} if isinstance(value, bool) else {"valueInteger": value}


def _questionnaire_response(response, subject, known):
    """One response as a FHIR QuestionnaireResponse: each item's linkId is its key, answers
    ``valueInteger`` (a choice too) or ``valueBoolean``."""
    instrument = known.get(response["instrument"])
    texts = {item.key: item.text for item in instrument.items} if instrument else {}
    items = []
    for key, value in response["answers"].items():
        item = {"linkId": key, "answer": [_answer(value)]}
        if key in texts:
            item["text"] = texts[key]
        items.append(item)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": questionnaire_response_id(response["id"]),
        "identifier": _diary_identifier(response["id"])[0],
        "questionnaire": (
            f"{questionnaire_url(response['instrument'])}|{response['instrument_version']}"
        ),
        "status": "completed",
        "subject": subject,
        "authored": response["answered_at"],
        "item": items,
    }


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


def build_bundle(
    patient_id, display_name, entries, sessions, technique_labels, responses=(), known=None
):
    """A ``collection`` Bundle from entries, sessions and responses in their API shapes, with
    a Questionnaire for each instrument in ``known`` (by key)."""
    known = known or {}
    subject = {"reference": _urn(patient_id)}
    resources = [_patient(patient_id, display_name)]
    resources.extend(questionnaire(instrument) for instrument in known.values())
    for entry in entries:
        resources.extend(_observations(entry, subject))
    resources.extend(_procedure(session, subject, technique_labels) for session in sessions)
    resources.extend(_questionnaire_response(item, subject, known) for item in responses)
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
    responses = records.all_as_dicts(RESPONSE, user.id)
    technique_labels = terms.labels(terms.vocabulary_for(user.id))["techniques"]
    return build_bundle(
        patient_resource_id(user),
        user.display_name,
        entries,
        sessions,
        technique_labels,
        responses,
        instruments(),
    )
