"""/api/v1/responses (PRODUCT.md section 11): the entry rules of sections 5-6 for questionnaire
responses, answers validated against the instrument, scores and urgency."""

import pytest
from helpers import (
    PEG_ANSWERS,
    RED_FLAGS_NO,
    new_id,
    response_body,
    rmdq_answers,
)
from sqlalchemy import func, select

from diary.core.extensions import db
from diary.models import QuestionnaireResponse, User
from diary.records import service as records

RESPONSE_KEYS = {
    "id",
    "instrument",
    "instrument_version",
    "answered_at",
    "local_date",
    "answers",
    "score",
    "urgent",
    "version",
    "created_at",
    "updated_at",
}


def listed(api, query=""):
    """The patient's responses as the API lists them."""
    return api.get(f"/responses{query}").get_json()["responses"]


def test_create_answers_the_stored_response(api):
    body = response_body(answered_at="2026-03-02T23:30:00Z")
    created = api.post("/responses", body)
    assert created.status_code == 201
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/api/v1/responses/{body['id']}"
    response = created.get_json()
    assert set(response) == RESPONSE_KEYS
    assert response["instrument"] == "peg" and response["instrument_version"] == "1"
    assert response["answers"] == PEG_ANSWERS
    assert response["score"] == 6 and response["urgent"] is False
    assert response["answered_at"] == "2026-03-02T23:30:00Z"
    assert response["local_date"] == "2026-03-02"  # London is on UTC in March
    assert response["version"] == 1
    assert api.get(f"/responses/{body['id']}").get_json() == response


@pytest.mark.parametrize(
    ("instrument", "answers", "score", "urgent"),
    [
        ("peg", {"pain": 7, "enjoyment": 6, "activity": 7}, 6.67, False),
        ("peg", {"pain": 1, "enjoyment": 0, "activity": 0}, 0.33, False),
        ("rmdq", rmdq_answers(14), 14, False),
        ("pgic", {"change": 2}, 2, False),
        ("red_flags", RED_FLAGS_NO, 0, False),
        ("red_flags", {**RED_FLAGS_NO, "both_legs": True}, 1, True),
    ],
)
def test_scores_are_rounded_to_2_decimals_and_only_red_flags_are_urgent(
    api, instrument, answers, score, urgent
):
    created = api.post("/responses", response_body(instrument=instrument, answers=answers))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["score"] == score
    assert created.get_json()["urgent"] is urgent


def test_the_unrounded_score_is_stored(app, api):
    body = response_body(answers={"pain": 7, "enjoyment": 6, "activity": 7})
    api.post("/responses", body)
    with app.app_context():
        assert db.session.get(QuestionnaireResponse, body["id"]).score == pytest.approx(20 / 3)


def test_answered_at_defaults_to_now(api):
    created = api.post("/responses", {"instrument": "pgic", "answers": {"change": 4}})
    assert created.status_code == 201
    assert created.get_json()["answered_at"].endswith("Z")


def test_replay_is_idempotent_and_other_answers_are_a_conflict(api):
    body = response_body()
    assert api.post("/responses", body).status_code == 201
    assert api.post("/responses", body).status_code == 200
    without_time = {key: value for key, value in body.items() if key != "answered_at"}
    assert api.post("/responses", without_time).status_code == 200
    conflict = api.post("/responses", {**body, "answers": {**PEG_ANSWERS, "pain": 2}})
    assert conflict.status_code == 409
    assert conflict.get_json()["error"]["code"] == "conflict"
    (stored,) = listed(api)
    assert stored["answers"] == PEG_ANSWERS and stored["version"] == 1


def test_another_patients_response_is_not_found_and_its_id_a_conflict(api, other_api):
    body = response_body()
    assert api.post("/responses", body).status_code == 201
    path = f"/responses/{body['id']}"
    assert other_api.get(path).status_code == 404
    assert other_api.put(path, body).status_code == 404
    assert other_api.delete(path).status_code == 404
    assert other_api.get(path).get_json()["error"]["code"] == "not_found"
    assert other_api.post("/responses", body).status_code == 409
    assert listed(other_api) == []
    assert api.get(path).status_code == 200


PEG = dict(PEG_ANSWERS)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"answers": {"pain": 6, "enjoyment": 5}}, {"answers.activity"}),
        ({"answers": {**PEG, "mood": 2}}, {"answers.mood"}),
        ({"answers": {**PEG, "pain": 5.0}}, {"answers.pain"}),
        ({"answers": {**PEG, "pain": "5"}}, {"answers.pain"}),
        ({"answers": {**PEG, "pain": True}}, {"answers.pain"}),
        ({"answers": {**PEG, "pain": 11}}, {"answers.pain"}),
        ({"answers": {**PEG, "activity": -1}}, {"answers.activity"}),
        ({"answers": {**PEG, "pain": None}}, {"answers.pain"}),
        ({"answers": {}}, {"answers.pain", "answers.enjoyment", "answers.activity"}),
        ({"answers": [6, 5, 7]}, {"answers"}),
        ({"answers": None}, {"answers"}),
        ({"instrument": "rmdq", "answers": {**rmdq_answers(2), "q3": 1}}, {"answers.q3"}),
        ({"instrument": "rmdq", "answers": {**rmdq_answers(2), "q9": "yes"}}, {"answers.q9"}),
        ({"instrument": "pgic", "answers": {"change": 0}}, {"answers.change"}),
        ({"instrument": "pgic", "answers": {"change": 8}}, {"answers.change"}),
        ({"instrument": "pgic", "answers": {"change": 3.0}}, {"answers.change"}),
        ({"instrument": "red_flags", "answers": {**RED_FLAGS_NO, "bowel": 1}}, {"answers.bowel"}),
        ({"instrument": "odi"}, {"instrument"}),
        ({"instrument": None}, {"instrument"}),
        ({"instrument": ["peg"]}, {"instrument"}),
        ({"instrument": 1, "answers": {"x": 1}}, {"instrument"}),
        ({"answered_at": "2099-01-01T00:00:00Z"}, {"answered_at"}),
        ({"answered_at": "1999-12-31T00:00:00Z"}, {"answered_at"}),
        ({"id": "not-a-uuid"}, {"id"}),
    ],
)
def test_bad_answers_are_422_naming_each_field_and_change_nothing(api, changes, fields):
    kept = response_body()
    assert api.post("/responses", kept).status_code == 201
    before = listed(api)
    refused = api.post("/responses", response_body(**changes))
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == fields
    if not {"id", "instrument"} & set(changes):  # the same answers as an edit
        edited = api.put(f"/responses/{kept['id']}", {**kept, **changes})
        assert edited.status_code == 422
        assert set(edited.get_json()["error"]["fields"]) == fields
    assert listed(api) == before


def test_a_body_that_is_not_an_object_is_422(api):
    refused = api.post("/responses", [response_body()])
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"body"}


def test_put_replaces_answers_and_answered_at_and_rescores(api):
    body = response_body()
    api.post("/responses", body)
    changed = {
        "answered_at": "2026-03-03T07:00:00Z",
        "answers": {"pain": 2, "enjoyment": 2, "activity": 3},
    }
    replaced = api.put(f"/responses/{body['id']}", changed)  # instrument left out: kept
    assert replaced.status_code == 200
    response = replaced.get_json()
    assert response["version"] == 2 and replaced.headers["ETag"] == '"2"'
    assert response["score"] == 2.33 and response["local_date"] == "2026-03-03"
    assert response["instrument"] == "peg"
    again = api.put(f"/responses/{body['id']}", {**changed, "instrument": "peg"})
    assert again.get_json()["version"] == 2  # nothing changed: the version stays


def test_put_turns_a_red_flag_answer_urgent_and_back(api):
    body = response_body(instrument="red_flags", answers=RED_FLAGS_NO)
    api.post("/responses", body)
    path = f"/responses/{body['id']}"
    yes = api.put(path, {**body, "answers": {**RED_FLAGS_NO, "bladder": True}}).get_json()
    assert yes["urgent"] is True and yes["score"] == 1
    assert api.put(path, body).get_json()["urgent"] is False


def test_put_cannot_change_the_instrument(api):
    body = response_body()
    api.post("/responses", body)
    moved = api.put(
        f"/responses/{body['id']}", {**body, "instrument": "pgic", "answers": {"change": 2}}
    )
    assert moved.status_code == 422
    assert set(moved.get_json()["error"]["fields"]) == {"instrument"}
    assert api.get(f"/responses/{body['id']}").get_json()["instrument"] == "peg"


def test_put_with_a_stale_if_match_is_412_with_the_current_response(api):
    body = response_body()
    api.post("/responses", body)
    path = f"/responses/{body['id']}"
    first = api.put(path, {**body, "answers": {**PEG, "pain": 3}}, headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = api.put(path, {**body, "answers": {**PEG, "pain": 9}}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"2"'
    answer = stale.get_json()
    assert answer["error"]["code"] == "precondition_failed"
    assert answer["current"]["answers"]["pain"] == 3 and answer["current"]["version"] == 2
    assert api.get(path).get_json()["answers"]["pain"] == 3


def test_delete_is_204_then_404(api):
    body = response_body()
    api.post("/responses", body)
    assert api.delete(f"/responses/{body['id']}").status_code == 204
    assert api.get(f"/responses/{body['id']}").status_code == 404
    assert api.delete(f"/responses/{body['id']}").status_code == 404
    assert api.get(f"/responses/{new_id()}").status_code == 404


def test_list_filters_by_instrument_and_dates_ascending_by_answered_at(api):
    late = response_body(answered_at="2026-03-09T08:00:00Z")
    early = response_body(answered_at="2026-03-01T08:00:00Z")
    pgic = response_body(
        instrument="pgic", answers={"change": 3}, answered_at="2026-03-05T08:00:00Z"
    )
    same_day = response_body(answered_at="2026-03-05T07:00:00Z")
    for body in (late, early, pgic, same_day):
        assert api.post("/responses", body).status_code == 201
    assert [r["id"] for r in listed(api)] == [early["id"], same_day["id"], pgic["id"], late["id"]]
    assert [r["id"] for r in listed(api, "?instrument=peg")] == [
        early["id"],
        same_day["id"],
        late["id"],
    ]
    assert [r["id"] for r in listed(api, "?instrument=peg&from=2026-03-02&to=2026-03-09")] == [
        same_day["id"],
        late["id"],
    ]
    assert [r["id"] for r in listed(api, "?instrument=pgic&to=2026-03-04")] == []
    assert listed(api, "?instrument=rmdq") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("?instrument=PEG", "instrument"), ("?instrument=a%20b", "instrument"), ("?from=x", "from")],
)
def test_a_bad_list_query_is_422_naming_it(api, query, field):
    refused = api.get(f"/responses{query}")
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {field}


def _counts(app, email="pat@example.com"):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        real = db.session.scalar(
            select(func.count())
            .select_from(QuestionnaireResponse)
            .where(QuestionnaireResponse.user_id == user.id)
        )
        return user.response_count, real


def test_responses_count_towards_the_quota(app, api, monkeypatch):
    first = response_body()
    api.post("/responses", first)
    api.post("/responses", first)  # a replay counts once
    api.post("/responses", response_body())
    assert _counts(app) == (2, 2)
    monkeypatch.setattr(records, "MAX_PER_ACCOUNT", 2)
    full = api.post("/responses", response_body())
    assert full.status_code == 422
    assert set(full.get_json()["error"]["fields"]) == {"responses"}
    assert api.post("/responses", first).status_code == 200  # a replay still answers
    assert api.delete(f"/responses/{first['id']}").status_code == 204
    assert _counts(app) == (1, 1)
    assert api.post("/responses", response_body()).status_code == 201


def test_deleting_the_account_removes_every_response(app, api):
    for _ in range(3):
        api.post("/responses", response_body())
    assert api.delete("/me", {"password": "correct horse battery"}).status_code == 204
    with app.app_context():
        left = db.session.scalar(select(func.count()).select_from(QuestionnaireResponse))
    assert left == 0


def test_an_operator_instrument_is_answered_like_a_shipped_one(tmp_path, database_path):
    import json

    from helpers import Api, make_app, register

    (tmp_path / "odi.json").write_text(
        json.dumps(
            {
                "key": "odi",
                "title": "Licensed",
                "version": "2.1b",
                "recall": "today",
                "order": 5,
                "minutes": 3,
                "items": [{"key": "a", "text": "?", "type": "integer", "min": 0, "max": 5}],
                "scoring": {"method": "sum"},
                "meaningful_change": None,
                "due": None,
                "citation": "Someone.",
                "licence": "Licensed here.",
            }
        )
    )
    app = make_app(database_path, INSTRUMENTS_FOLDER=str(tmp_path))
    client = app.test_client()
    register(client)
    api = Api(client)
    keys = [item["key"] for item in api.get("/instruments").get_json()["instruments"]]
    assert keys == ["odi", "peg", "red_flags", "rmdq", "pgic"]
    created = api.post("/responses", response_body(instrument="odi", answers={"a": 4}))
    assert created.status_code == 201
    assert created.get_json()["score"] == 4 and created.get_json()["instrument_version"] == "2.1b"
    with app.app_context():
        db.engine.dispose()
