"""The /api/v1/entries contract: creation, replay, conflicts, versions, ranges, status codes."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from helpers import entry_body, new_id, sql_statements
from sqlalchemy import event
from sqlalchemy.orm import Session

from diary.core.extensions import db
from diary.models import User


def test_create_returns_the_stored_entry(api):
    body = entry_body()
    response = api.post("/entries", body)
    assert response.status_code == 201
    entry = response.get_json()
    assert entry["id"] == body["id"]
    assert entry["recorded_at"] == "2026-03-02T08:30:00Z"
    assert entry["local_date"] == "2026-03-02"
    assert entry["pain"] == {"overall": 6, "back": 4, "leg": 7}
    assert entry["locations"] == [{"region": "buttock", "side": "left"}]
    assert entry["pain_types"] == ["burning"]
    assert entry["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"/api/v1/entries/{body['id']}")
    assert api.get(f"/entries/{body['id']}").get_json() == entry


def test_a_new_entry_is_three_statements_and_no_unit_of_work(app, api):
    """The patient, the row, the patient's new data tag and count: plain statements, no flush
    (the ORM's unit of work cost a fifth of the request)."""
    flushes = []

    def flushed(*args):
        flushes.append(args)

    with app.app_context():
        before = db.session.scalar(db.select(User.data_tag))
    api.token()  # its own request, before
    event.listen(Session, "before_flush", flushed)
    try:
        with sql_statements(app) as statements:
            assert api.post("/entries", entry_body()).status_code == 201
    finally:
        event.remove(Session, "before_flush", flushed)
    sent = [" ".join(s.split()[:3]) for s in statements if not s.startswith(("BEGIN", "PRAGMA"))]
    assert sent == ["SELECT users.id, users.email,", "INSERT INTO entries", "UPDATE users SET"]
    assert flushes == []
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.entry_count == 1 and user.data_tag != before


def test_minimal_entry_defaults_to_now_and_empty_text(api):
    response = api.post("/entries", {"pain": {"overall": 3}})
    assert response.status_code == 201
    entry = response.get_json()
    recorded = datetime.fromisoformat(entry["recorded_at"])
    assert abs(recorded - datetime.now(UTC)) < timedelta(minutes=1)
    assert entry["pain"] == {"overall": 3, "back": None, "leg": None}
    assert entry["notes"] == "" and entry["medications"] == ""
    assert entry["locations"] == [] and entry["triggers"] == []
    assert entry["sleep_quality"] is None and entry["interference"] is None


def test_replay_with_same_content_answers_200_and_stores_once(api):
    body = entry_body()
    first = api.post("/entries", body)
    again = api.post("/entries", body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json() == first.get_json()
    assert len(api.get("/entries").get_json()["entries"]) == 1


def test_replay_without_recorded_at_is_still_a_replay(api):
    body = entry_body()
    del body["recorded_at"]
    assert api.post("/entries", body).status_code == 201
    assert api.post("/entries", body).status_code == 200


def test_replay_with_other_content_is_a_conflict_and_changes_nothing(api):
    body = entry_body()
    stored = api.post("/entries", body).get_json()
    response = api.post("/entries", {**body, "pain": {"overall": 2}})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert api.get(f"/entries/{body['id']}").get_json() == stored


def test_another_patients_id_is_a_conflict(api, other_api):
    body = entry_body()
    assert other_api.post("/entries", body).status_code == 201
    response = api.post("/entries", body)
    assert response.status_code == 409
    assert "pain" not in json.dumps(response.get_json()["error"])
    assert api.get("/entries").get_json()["entries"] == []


def test_ids_are_canonicalised(api):
    body = entry_body(id="3F2B8C1E-5D4A-4B6F-9E7D-1A2B3C4D5E6F")
    entry = api.post("/entries", body).get_json()
    assert entry["id"] == "3f2b8c1e-5d4a-4b6f-9e7d-1a2b3c4d5e6f"
    assert api.get("/entries/3F2B8C1E-5D4A-4B6F-9E7D-1A2B3C4D5E6F").status_code == 200


def test_left_and_right_of_one_region_become_both(api):
    body = entry_body(
        locations=[
            {"region": "lower_back", "side": "left"},
            {"region": "calf", "side": "right"},
            {"region": "lower_back", "side": "right"},
            {"region": "calf", "side": "right"},
        ]
    )
    entry = api.post("/entries", body).get_json()
    assert entry["locations"] == [
        {"region": "lower_back", "side": "both"},
        {"region": "calf", "side": "right"},
    ]


def test_time_without_offset_is_read_in_the_profile_time_zone(api):
    api.patch("/me", {"timezone": "America/Denver"})
    entry = api.post("/entries", entry_body(recorded_at="2026-03-01T23:30")).get_json()
    assert entry["recorded_at"] == "2026-03-02T06:30:00Z"
    assert entry["local_date"] == "2026-03-01"


def test_local_date_uses_the_profile_zone_at_the_time_of_writing(api):
    api.patch("/me", {"timezone": "America/Denver"})
    late = api.post("/entries", entry_body(recorded_at="2026-03-02T05:00:00Z")).get_json()
    assert late["local_date"] == "2026-03-01"
    api.patch("/me", {"timezone": "Asia/Tokyo"})
    assert api.get(f"/entries/{late['id']}").get_json()["local_date"] == "2026-03-01"
    tokyo = api.post("/entries", entry_body(recorded_at="2026-03-02T20:00:00Z")).get_json()
    assert tokyo["local_date"] == "2026-03-03"


def test_list_filters_by_local_date_and_sorts_by_time(api):
    for stamp in (
        "2026-03-05T08:00:00Z",
        "2026-03-01T08:00:00Z",
        "2026-03-03T20:00:00Z",
        "2026-03-03T07:00:00Z",
    ):
        api.post("/entries", entry_body(recorded_at=stamp))
    listed = api.get("/entries?from=2026-03-02&to=2026-03-04").get_json()["entries"]
    assert [entry["recorded_at"] for entry in listed] == [
        "2026-03-03T07:00:00Z",
        "2026-03-03T20:00:00Z",
    ]
    everything = api.get("/entries").get_json()["entries"]
    assert [entry["local_date"] for entry in everything] == [
        "2026-03-01",
        "2026-03-03",
        "2026-03-03",
        "2026-03-05",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=yesterday", "from"),
        ("to=2026-02-30", "to"),
        ("from=2026-03-05&to=2026-03-01", "from"),
    ],
)
def test_bad_ranges_are_422(api, query, field):
    response = api.get(f"/entries?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_put_replaces_editable_fields_and_bumps_version(api):
    body = entry_body()
    api.post("/entries", body)
    changed = {"pain": {"overall": 2}, "notes": "Better after session."}
    response = api.put(f"/entries/{body['id']}", changed, headers={"If-Match": '"1"'})
    assert response.status_code == 200
    entry = response.get_json()
    assert entry["version"] == 2
    assert entry["pain"] == {"overall": 2, "back": None, "leg": None}
    assert entry["triggers"] == [] and entry["medications"] == ""
    assert entry["recorded_at"] == body["recorded_at"], "an absent time keeps the stored one"
    assert entry["notes"] == "Better after session."
    assert response.headers["ETag"] == '"2"'


def test_put_of_the_same_content_keeps_the_version(api):
    body = entry_body()
    api.post("/entries", body)
    assert api.put(f"/entries/{body['id']}", body).get_json()["version"] == 1


def test_stale_if_match_is_412_with_the_current_entry(api):
    body = entry_body()
    api.post("/entries", body)
    current = api.put(f"/entries/{body['id']}", {**body, "notes": "v2"}).get_json()
    response = api.put(
        f"/entries/{body['id']}", {**body, "notes": "from an old tab"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 412
    answer = response.get_json()
    assert answer["error"]["code"] == "precondition_failed"
    assert answer["current"] == current
    assert api.get(f"/entries/{body['id']}").get_json()["notes"] == "v2"


@pytest.mark.parametrize("header", ['"2"', "2", 'W/"2"', "*", '"1", "2"'])
def test_if_match_forms_that_match(api, header):
    body = entry_body()
    api.post("/entries", body)
    api.put(f"/entries/{body['id']}", {**body, "notes": "v2"})
    response = api.put(
        f"/entries/{body['id']}", {**body, "notes": "v3"}, headers={"If-Match": header}
    )
    assert response.status_code == 200


def test_put_cannot_move_an_entry_to_another_id(api):
    body = entry_body()
    api.post("/entries", body)
    response = api.put(f"/entries/{body['id']}", {**body, "id": new_id()})
    assert response.status_code == 422
    assert "id" in response.get_json()["error"]["fields"]


def test_put_with_a_new_time_moves_the_local_date(api):
    body = entry_body()
    api.post("/entries", body)
    entry = api.put(f"/entries/{body['id']}", {**body, "recorded_at": "2026-03-04T09:00:00Z"})
    assert entry.get_json()["local_date"] == "2026-03-04"


def test_delete_is_204_then_404(api):
    body = entry_body()
    api.post("/entries", body)
    assert api.delete(f"/entries/{body['id']}").status_code == 204
    assert api.get(f"/entries/{body['id']}").status_code == 404
    assert api.delete(f"/entries/{body['id']}").status_code == 404


@pytest.mark.parametrize("path", ["/entries/not-a-uuid", f"/entries/{new_id()}"])
def test_unknown_entry_is_404_json(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_rejected_update_changes_nothing(api):
    body = entry_body()
    stored = api.post("/entries", body).get_json()
    response = api.put(f"/entries/{body['id']}", {**body, "pain": {"overall": 11}, "notes": "x"})
    assert response.status_code == 422
    assert api.get(f"/entries/{body['id']}").get_json() == stored


def test_malformed_json_is_400(api):
    response = api.client.post(
        "/api/v1/entries",
        data="{not json",
        content_type="application/json",
        headers={"X-CSRFToken": api.token()},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_json_array_body_is_422(api):
    response = api.post("/entries", [1, 2])
    assert response.status_code == 422


def test_missing_csrf_header_is_400(api):
    response = api.client.post("/api/v1/entries", json=entry_body())
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert "CSRF" in response.get_json()["error"]["message"]


def test_body_over_one_megabyte_is_413(api):
    response = api.post("/entries", entry_body(notes="x" * (1024 * 1024 + 10)))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_entries_answers_are_not_cached(api):
    assert api.get("/entries").headers["Cache-Control"] == "no-store"


def test_method_not_allowed_is_json(api):
    response = api.call("PATCH", "/entries")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_unknown_api_route_is_404_json(api):
    response = api.get("/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
