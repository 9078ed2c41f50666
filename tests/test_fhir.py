"""The FHIR R4 export (PRODUCT.md sections 8 and 11): a Bundle that validates, one Observation
per pain measure, one Procedure per acupuncture session, the Questionnaires and one
QuestionnaireResponse per answered questionnaire."""

import uuid

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from helpers import RED_FLAGS_NO, entry_body, fill_diary, response_body, rmdq_answers

from diary.instruments import shipped
from diary.services import fhir

LOINC_PAIN = "72514-3"
BACK_SITE, LEG_SITE = "37822005", "61685007"


def _resources(bundle, kind):
    return [
        item["resource"] for item in bundle["entry"] if item["resource"]["resourceType"] == kind
    ]


def _sites(observation):
    return [coding["code"] for coding in observation.get("bodySite", {}).get("coding", [])]


def test_fhir_bundle_validates_and_holds_one_observation_per_measure(api):
    made = fill_diary(api)
    response = api.get("/export/fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    Bundle.model_validate(bundle)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    (patient,) = _resources(bundle, "Patient")
    observations = _resources(bundle, "Observation")
    # full and edited entries have overall, back and leg; the sparse one overall only.
    assert len(observations) == 3 + 1 + 3
    assert len(_resources(bundle, "Procedure")) == 2
    patient_url = f"urn:uuid:{patient['id']}"
    assert patient_url in [item["fullUrl"] for item in bundle["entry"]]
    for item in bundle["entry"]:
        assert item["fullUrl"] == f"urn:uuid:{item['resource']['id']}"
    full_id = made["entries"][0]["id"]
    by_site = {}
    for observation in observations:
        assert observation["status"] == "final"
        assert observation["subject"] == {"reference": patient_url}
        assert observation["code"]["coding"][0]["system"] == "http://loinc.org"
        assert observation["code"]["coding"][0]["code"] == LOINC_PAIN
        category = observation["category"][0]["coding"][0]
        assert category["code"] == "survey"
        assert category["system"] == "http://terminology.hl7.org/CodeSystem/observation-category"
        if observation["identifier"][0]["value"] == f"urn:uuid:{full_id}":
            by_site[tuple(_sites(observation))] = observation
    assert {site: obs["valueInteger"] for site, obs in by_site.items()} == {
        (): 6,
        (BACK_SITE,): 4,
        (LEG_SITE,): 7,
    }
    assert by_site[()]["effectiveDateTime"] == "2026-03-02T08:30:00Z"


def test_fhir_procedures_describe_the_sessions(api):
    fill_diary(api)
    bundle = api.get("/export/fhir").get_json()
    first, second = sorted(
        _resources(bundle, "Procedure"), key=lambda procedure: procedure["performedDateTime"]
    )
    for procedure in (first, second):
        assert procedure["status"] == "completed"
        coding = procedure["code"]["coding"][0]
        assert (coding["system"], coding["code"]) == ("http://snomed.info/sct", "44868003")
    assert first["performedDateTime"] == "2026-03-03T10:00:00Z"
    assert first["performer"] == [{"actor": {"display": "Dr Lee"}}]
    assert first["note"] == [
        {"text": "Techniques: Manual acupuncture, Gua sha\nPoints: BL23, GB30"}
    ]
    assert "performer" not in second
    assert second["note"] == [{"text": "Techniques: Manual acupuncture, Electroacupuncture"}]


def test_fhir_bundle_is_the_same_for_the_same_data(api):
    fill_diary(api)
    assert api.get("/export/fhir").get_data() == api.get("/export/fhir").get_data()


def test_fhir_patient_has_the_display_name_and_never_the_email(api):
    api.post("/entries", entry_body())
    bundle = api.get("/export/fhir").get_json()
    assert "name" not in _resources(bundle, "Patient")[0]
    api.patch("/me", {"display_name": "Sam Lee"})
    response = api.get("/export/fhir")
    assert _resources(response.get_json(), "Patient")[0]["name"] == [{"text": "Sam Lee"}]
    assert "pat@example.com" not in response.get_data(as_text=True)
    Bundle.model_validate(response.get_json())


def test_fhir_service_ids_are_derived_from_the_diary_ids():
    entry_id = str(uuid.uuid4())
    entry = {
        "id": entry_id,
        "recorded_at": "2026-03-02T08:30:00.250000Z",
        "pain": {"overall": 0, "back": None, "leg": 10},
    }
    bundle = fhir.build_bundle("p-1", "", [entry], [], {})
    ids = [item["resource"]["id"] for item in bundle["entry"]]
    assert ids == [
        "p-1",
        fhir.observation_id(entry_id, "overall"),
        fhir.observation_id(entry_id, "leg"),
    ]
    assert fhir.observation_id(entry_id, "leg") != fhir.observation_id(entry_id, "back")
    values = [item["resource"].get("valueInteger") for item in bundle["entry"]]
    assert values == [None, 0, 10]
    Bundle.model_validate(bundle)


def test_empty_fhir_bundle_still_validates(api):
    bundle = api.get("/export/fhir").get_json()
    Bundle.model_validate(bundle)
    kinds = [item["resource"]["resourceType"] for item in bundle["entry"]]
    assert kinds == ["Patient"] + ["Questionnaire"] * 4  # the instruments, answered or not


def test_every_shipped_instrument_is_a_valid_questionnaire():
    for instrument in shipped().values():
        resource = fhir.questionnaire(instrument)
        Questionnaire.model_validate(resource)
        assert resource["url"] == f"urn:uuid:{resource['id']}"
        assert resource["version"] == instrument.version
        assert [item["linkId"] for item in resource["item"]] == list(instrument.item_keys)
        assert resource["copyright"] == instrument.licence
    peg = fhir.questionnaire(shipped()["peg"])
    assert peg["name"] == "Peg" and peg["item"][0]["type"] == "integer"
    assert [ext["valueInteger"] for ext in peg["item"][0]["extension"]] == [0, 10]
    pgic = fhir.questionnaire(shipped()["pgic"])
    assert pgic["item"][0]["type"] == "choice"
    assert pgic["item"][0]["answerOption"] == [{"valueInteger": n} for n in range(1, 8)]
    assert fhir.questionnaire(shipped()["red_flags"])["name"] == "RedFlags"


def test_each_response_is_a_completed_questionnaire_response(api):
    made = fill_diary(api)
    rmdq = response_body(instrument="rmdq", answers=rmdq_answers(3))
    pgic = response_body(instrument="pgic", answers={"change": 2})
    for body in (rmdq, pgic):
        assert api.post("/responses", body).status_code == 201
    bundle = api.get("/export/fhir").get_json()
    Bundle.model_validate(bundle)
    (patient,) = _resources(bundle, "Patient")
    questionnaires = {q["name"]: q for q in _resources(bundle, "Questionnaire")}
    assert set(questionnaires) == {"Peg", "RedFlags", "Rmdq", "Pgic"}
    answered = {
        item["identifier"]["value"]: item for item in _resources(bundle, "QuestionnaireResponse")
    }
    assert len(answered) == 4
    for item in answered.values():
        QuestionnaireResponse.model_validate(item)
        assert item["status"] == "completed"
        assert item["subject"] == {"reference": f"urn:uuid:{patient['id']}"}
    peg_id, red_flags_id = (body["id"] for body in made["responses"])
    peg = answered[f"urn:uuid:{peg_id}"]
    assert peg["authored"] == "2026-03-02T09:00:00Z"
    assert peg["questionnaire"] == f"{questionnaires['Peg']['url']}|1"
    assert [(i["linkId"], i["answer"]) for i in peg["item"]] == [
        ("pain", [{"valueInteger": 7}]),
        ("enjoyment", [{"valueInteger": 6}]),
        ("activity", [{"valueInteger": 7}]),
    ]
    red_flags = answered[f"urn:uuid:{red_flags_id}"]
    assert red_flags["item"][1] == {
        "linkId": "bladder",
        "answer": [{"valueBoolean": True}],
        "text": shipped()["red_flags"].items[1].text,
    }
    assert [i["answer"] for i in red_flags["item"]].count([{"valueBoolean": False}]) == 4
    assert answered[f"urn:uuid:{pgic['id']}"]["item"][0]["answer"] == [{"valueInteger": 2}]
    assert answered[f"urn:uuid:{rmdq['id']}"]["item"][2]["answer"] == [{"valueBoolean": True}]
    assert answered[f"urn:uuid:{rmdq['id']}"]["item"][3]["answer"] == [{"valueBoolean": False}]


def test_questionnaire_response_ids_are_derived_from_the_response_ids():
    response = {
        "id": "9a1b2c3d-0000-4000-8000-000000000001",
        "instrument": "red_flags",
        "instrument_version": "1",
        "answered_at": "2026-03-02T09:00:00Z",
        "answers": dict(RED_FLAGS_NO),
    }
    bundle = fhir.build_bundle("p-1", "", [], [], {}, [response], shipped())
    Bundle.model_validate(bundle)
    ids = [item["resource"]["id"] for item in bundle["entry"]]
    assert ids[-1] == fhir.questionnaire_response_id(response["id"])
    assert ids[1:5] == [fhir.questionnaire_id(key) for key in shipped()]
