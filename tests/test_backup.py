"""The JSON backup and restoring it, through the API and the account page (PRODUCT.md
sections 6 and 8)."""

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from helpers import (
    PASSWORD,
    backup_document,
    entry_body,
    fill_diary,
    new_id,
    page_csrf,
    response_body,
    session_body,
    sql_statements,
    valid_backup_document,
)

from diary.core.timeutil import iso_instant
from diary.services import backup

MB = 1024 * 1024


def _custom(vocabulary):
    return {
        category: [(item["key"], item["label"]) for item in items if item["custom"]]
        for category, items in vocabulary.items()
    }


def _diary(api):
    return {
        "entries": api.get("/entries").get_json()["entries"],
        "sessions": api.get("/sessions").get_json()["sessions"],
        "responses": api.get("/responses").get_json()["responses"],
        "vocabulary": _custom(api.get("/vocabulary").get_json()),
    }


def _backup(api):
    response = api.get("/export/backup.json")
    assert response.status_code == 200
    return response.get_json()


def _leave(api):
    """The patient's backup and diary, taken just before they delete their account."""
    document, diary = _backup(api), _diary(api)
    assert api.delete("/me", {"password": PASSWORD}).status_code == 204
    return document, diary


def _big_document(size):
    """A valid backup of at least ``size`` bytes of JSON (long notes, distinct days)."""
    notes = "n" * 1900
    count = size // 2000 + 1
    first = datetime(2024, 1, 1, 8, tzinfo=UTC)
    entries = [
        entry_body(recorded_at=iso_instant(first + timedelta(days=day)), notes=notes)
        for day in range(count)
    ]
    document = backup_document(entries)
    assert len(json.dumps(document)) > size
    return document


def test_backup_holds_the_profile_own_words_entries_sessions_and_responses(api):
    fill_diary(api)
    response = api.get("/export/backup.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert re.fullmatch(
        r'attachment; filename="pain-diary-backup-\d{4}-\d{2}-\d{2}\.json"',
        response.headers["Content-Disposition"],
    )
    document = response.get_json()
    assert list(document) == [
        "format",
        "version",
        "exported_at",
        "profile",
        "vocabulary",
        "entries",
        "sessions",
        "responses",
    ]
    assert document["format"] == "pain-diary-backup" and document["version"] == 1
    assert document["profile"] == {
        "email": "pat@example.com",
        "display_name": "",
        "timezone": "Europe/London",
    }
    assert document["vocabulary"] == {
        "pain_types": [],
        "triggers": [{"key": "gardening", "label": "Gardening"}],
        "relievers": [],
        "techniques": [{"key": "gua_sha", "label": "Gua sha"}],
    }
    assert document["entries"] == api.get("/entries").get_json()["entries"]
    assert document["sessions"] == api.get("/sessions").get_json()["sessions"]
    assert document["responses"] == api.get("/responses").get_json()["responses"]
    assert [r["score"] for r in document["responses"]] == [6.67, 1]


def test_restore_into_the_same_account_creates_and_duplicates_nothing(api):
    fill_diary(api)
    before = _diary(api)
    response = api.post("/import/backup", _backup(api))
    assert response.status_code == 200
    assert response.get_json() == {"entries": 0, "sessions": 0, "responses": 0, "vocabulary": 0}
    assert _diary(api) == before


def test_restore_into_a_new_account_gives_identical_objects(api, other_api):
    fill_diary(api)
    document, diary = _leave(api)
    response = other_api.post("/import/backup", document)
    assert response.status_code == 200
    assert response.get_json() == {"entries": 3, "sessions": 2, "responses": 2, "vocabulary": 2}
    assert _diary(other_api) == diary
    again = other_api.post("/import/backup", document)
    assert again.get_json() == {"entries": 0, "sessions": 0, "responses": 0, "vocabulary": 0}
    assert _diary(other_api) == diary


def test_restore_from_a_multipart_file(api, other_api):
    fill_diary(api)
    document, diary = _leave(api)
    upload = io.BytesIO(json.dumps(document).encode())
    response = other_api.post(
        "/import/backup",
        data={"file": (upload, "pain-diary-backup.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"entries": 3, "sessions": 2, "responses": 2, "vocabulary": 2}
    assert _diary(other_api) == diary


def test_restore_maps_own_words_by_label_and_never_reuses_a_taken_key(other_api):
    other_api.post("/vocabulary/triggers", {"label": "Gardening"})  # key gardening
    other_api.post("/vocabulary/relievers", {"label": "Yoga!"})  # key yoga, another label
    entry = entry_body(triggers=["garden_time"], relievers=["yoga", "heat"])
    document = backup_document(
        [entry],
        vocabulary={
            "triggers": [{"key": "garden_time", "label": "gardening"}],
            "relievers": [{"key": "yoga", "label": "Yoga"}],
        },
    )
    response = other_api.post("/import/backup", document)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"entries": 1, "sessions": 0, "responses": 0, "vocabulary": 1}
    stored = other_api.get(f"/entries/{entry['id']}").get_json()
    assert stored["triggers"] == ["gardening"]
    assert stored["relievers"] == ["yoga_2", "heat"]
    assert _custom(other_api.get("/vocabulary").get_json())["relievers"] == [
        ("yoga", "Yoga!"),
        ("yoga_2", "Yoga"),
    ]


def test_restore_renames_an_own_key_that_is_a_built_in_key(other_api):
    entry = entry_body(pain_types=["burning"], relievers=["burning"])
    document = backup_document(
        [entry], vocabulary={"relievers": [{"key": "burning", "label": "Burning sage"}]}
    )
    response = other_api.post("/import/backup", document)
    assert response.status_code == 200, response.get_json()
    stored = other_api.get(f"/entries/{entry['id']}").get_json()
    assert stored["pain_types"] == ["burning"]
    assert stored["relievers"] == ["burning_sage"]


def test_restore_refuses_an_own_word_whose_key_is_built_in_and_changes_nothing(other_api):
    entry = entry_body(triggers=["sitting"])
    document = backup_document(
        [entry],
        [session_body()],
        vocabulary={
            "triggers": [{"key": "sitting", "label": "Sitting at desk"}],
            "relievers": [{"key": "gua_sha", "label": "Gua sha"}],
        },
    )
    response = other_api.post("/import/backup", document)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"vocabulary.triggers.0.key": "is a built-in key"}
    assert "nothing was changed" in error["message"]
    assert _diary(other_api) == {
        "entries": [],
        "sessions": [],
        "responses": [],
        "vocabulary": {
            name: [] for name in ("regions", "pain_types", "triggers", "relievers", "techniques")
        },
    }


def test_restore_never_reuses_a_key_of_another_list(other_api):
    other_api.post("/vocabulary/triggers", {"label": "Gardening"})  # key gardening
    entry = entry_body(triggers=["gardening"], relievers=["gardening"])
    document = backup_document(
        [entry],
        vocabulary={
            "triggers": [{"key": "gardening", "label": "Gardening"}],
            "relievers": [{"key": "gardening", "label": "Gardening"}],
            "techniques": [{"key": "gardening_2", "label": "Gardening"}],
        },
    )
    response = other_api.post("/import/backup", document)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"entries": 1, "sessions": 0, "responses": 0, "vocabulary": 2}
    stored = other_api.get(f"/entries/{entry['id']}").get_json()
    assert stored["triggers"] == ["gardening"]
    assert stored["relievers"] == ["gardening_2"]
    custom = _custom(other_api.get("/vocabulary").get_json())
    assert custom["relievers"] == [("gardening_2", "Gardening")]
    assert custom["techniques"] == [("gardening_3", "Gardening")]


def test_restore_without_local_dates_and_versions_takes_defaults(other_api):
    entry = entry_body(recorded_at="2026-06-30T23:30:00Z")
    response = other_api.post("/import/backup", backup_document([entry]))
    assert response.status_code == 200
    stored = other_api.get(f"/entries/{entry['id']}").get_json()
    # The patient is in London, on summer time (UTC+1).
    assert stored["local_date"] == "2026-07-01"
    assert stored["version"] == 1
    assert stored["created_at"] == stored["updated_at"]


def _break(path, value):
    def broken(document):
        target = document
        *parents, last = path
        for part in parents:
            target = target[part]
        target[last] = value
        return document

    return broken


def _without(name):
    def broken(document):
        del document[name]
        return document

    return broken


@pytest.mark.parametrize(
    ("breakage", "field"),
    [
        (lambda document: [document], "body"),
        (lambda document: "pain-diary-backup", "body"),
        (_break(["format"], "other-app-export"), "format"),
        (_without("format"), "format"),
        (_break(["version"], 2), "version"),
        (_break(["version"], "1"), "version"),
        (_break(["version"], True), "version"),
        (_break(["entries", 1, "pain", "overall"], 11), "entries.1.pain.overall"),
        (_break(["entries", 0, "pain", "back"], 5.0), "entries.0.pain.back"),
        (_break(["entries", 1, "recorded_at"], "2099-01-01T00:00:00Z"), "entries.1.recorded_at"),
        (_break(["entries", 0, "id"], None), "entries.0.id"),
        (_break(["entries", 0, "triggers"], ["weeding"]), "entries.0.triggers"),
        (_break(["entries", 1, "pain_types"], ["gardening"]), "entries.1.pain_types"),
        (_break(["entries", 0, "version"], 0), "entries.0.version"),
        (_break(["entries", 0, "version"], 2**40), "entries.0.version"),
        (_break(["entries", 0, "created_at"], "yesterday"), "entries.0.created_at"),
        (_break(["entries", 0, "local_date"], "2020-01-01"), "entries.0.local_date"),
        (_break(["entries", 1], "entry"), "entries.1"),
        (_break(["entries"], {"id": "x"}), "entries"),
        (_break(["sessions", 1, "id"], "not-a-uuid"), "sessions.1.id"),
        (_break(["sessions", 0, "pain_after"], -1), "sessions.0.pain_after"),
        (_break(["sessions", 0, "techniques"], ["gardening"]), "sessions.0.techniques"),
        (_break(["sessions", 0, "started_at"], None), "sessions.0.started_at"),
        (
            _break(["vocabulary", "regions"], [{"key": "neck", "label": "Neck"}]),
            "vocabulary.regions",
        ),
        (_break(["vocabulary", "triggers", 0, "label"], ""), "vocabulary.triggers.0.label"),
        (_break(["vocabulary", "triggers", 0, "key"], "Bad Key"), "vocabulary.triggers.0.key"),
        (_break(["vocabulary"], ["gardening"]), "vocabulary"),
        (_break(["responses", 0, "answers", "pain"], 5.0), "responses.0.answers.pain"),
        (_break(["responses", 1, "answers", "q3"], 1), "responses.1.answers.q3"),
        (_break(["responses", 0, "answers", "mood"], 1), "responses.0.answers.mood"),
        (_break(["responses", 1, "instrument"], "odi"), "responses.1.instrument"),
        (_break(["responses", 0, "answered_at"], None), "responses.0.answered_at"),
        (_break(["responses", 0, "instrument_version"], 2), "responses.0.instrument_version"),
        (
            _break(["responses", 0, "instrument_version"], "v" * 33),
            "responses.0.instrument_version",
        ),
        (_break(["responses"], {}), "responses"),
    ],
)
def test_broken_backups_are_refused_and_change_nothing(other_api, breakage, field):
    document = breakage(valid_backup_document())
    response = other_api.post("/import/backup", document)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert "nothing was changed" in error["message"]
    assert _diary(other_api) == {
        "entries": [],
        "sessions": [],
        "responses": [],
        "vocabulary": {
            name: [] for name in ("regions", "pain_types", "triggers", "relievers", "techniques")
        },
    }
    # The same document, unbroken, is fine: the failure was the breakage.
    assert other_api.post("/import/backup", valid_backup_document()).status_code == 200


def test_an_id_repeated_in_the_backup_is_refused(other_api):
    document = valid_backup_document()
    document["entries"][1]["id"] = document["entries"][0]["id"]
    response = other_api.post("/import/backup", document)
    assert response.status_code == 422
    assert "entries.1.id" in response.get_json()["error"]["fields"]
    assert other_api.get("/entries").get_json()["entries"] == []


def test_a_file_that_is_not_json_is_refused(other_api):
    response = other_api.post(
        "/import/backup",
        data={"file": (io.BytesIO(b"id,overall\n1,5\n"), "entries.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"file": "is not a JSON file"}
    assert other_api.get("/entries").get_json()["entries"] == []


def test_a_multipart_form_without_a_file_is_refused(other_api):
    response = other_api.post(
        "/import/backup", data={"other": "x"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]


def test_a_malformed_json_body_is_a_bad_request(other_api):
    response = other_api.post(
        "/import/backup", data=b'{"format": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_an_id_of_another_patient_is_a_conflict_and_changes_nothing(api, other_api):
    fill_diary(api)
    document = _backup(api)
    theirs = document["entries"][1]["id"]
    for entry in document["entries"][0:1] + document["entries"][2:]:
        entry["id"] = new_id()
    for session in document["sessions"]:
        session["id"] = new_id()
    before = _diary(api)
    response = other_api.post("/import/backup", document)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert list(error["fields"]) == ["entries.1.id"]
    assert theirs not in response.get_data(as_text=True)
    assert _diary(other_api)["entries"] == [] and _diary(other_api)["sessions"] == []
    assert all(not words for words in _diary(other_api)["vocabulary"].values())
    assert _diary(api) == before


def test_an_id_edited_since_the_backup_is_a_conflict_and_changes_nothing(api):
    made = fill_diary(api)
    document = _backup(api)
    document["sessions"].append({**session_body(), "started_at": "2026-03-20T10:00:00Z"})
    edited = made["entries"][0]
    api.put(f"/entries/{edited['id']}", {**edited, "notes": "Changed my mind"})
    before = _diary(api)
    response = api.post("/import/backup", document)
    assert response.status_code == 409
    assert list(response.get_json()["error"]["fields"]) == ["entries.1.id"]
    assert _diary(api) == before


def test_an_id_stored_meanwhile_is_a_conflict_and_rolls_everything_back(api, monkeypatch):
    fill_diary(api)
    document = _backup(api)
    document["vocabulary"]["relievers"] = [{"key": "yoga", "label": "Yoga"}]
    document["entries"].append(entry_body(relievers=["yoga"]))
    before = _diary(api)
    # As if another request stored these ids between the check and the insert.
    monkeypatch.setattr(backup, "_stored_by_id", lambda model, ids: {})
    response = api.post("/import/backup", document)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert _diary(api) == before


def test_a_backup_over_one_megabyte_is_accepted(other_api):
    document = _big_document(int(1.2 * MB))
    response = other_api.post("/import/backup", document)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["entries"] == len(document["entries"])


def test_a_backup_file_over_one_megabyte_is_accepted(other_api):
    document = _big_document(int(1.2 * MB))
    upload = io.BytesIO(json.dumps(document).encode())
    response = other_api.post(
        "/import/backup",
        data={"file": (upload, "backup.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["entries"] == len(document["entries"])


def test_a_backup_pasted_as_a_form_field_over_half_a_megabyte_is_accepted(other_api):
    document = _big_document(int(0.7 * MB))
    response = other_api.post(
        "/import/backup",
        data={"file": json.dumps(document)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()


def test_a_body_over_twenty_megabytes_is_too_large(other_api):
    body = b'{"format": "pain-diary-backup", "notes": "' + b"x" * (20 * MB) + b'"}'
    response = other_api.post("/import/backup", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_other_routes_keep_the_one_megabyte_limit(other_api):
    body = entry_body(notes="x" * (MB + 10))
    response = other_api.post("/entries", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 413


def test_restore_needs_the_csrf_token(api):
    response = api.client.post("/api/v1/import/backup", json=valid_backup_document())
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["error"]["message"]
    assert api.get("/entries").get_json()["entries"] == []


def test_restore_queries_do_not_grow_with_the_backup(app, other_api):
    other_api.token()  # fetched once, by a request of its own

    def restore(document):
        with sql_statements(app) as statements:
            assert other_api.post("/import/backup", document).status_code == 200
        return len(statements)

    small = backup_document(
        [entry_body(recorded_at=f"2025-01-{day:02d}T08:00:00Z") for day in (1, 2)],
        [session_body(started_at="2025-01-03T10:00:00Z")],
    )
    large = backup_document(
        [entry_body(recorded_at=f"2025-02-{day:02d}T08:00:00Z") for day in range(1, 29)],
        [session_body(started_at=f"2025-03-{day:02d}T10:00:00Z") for day in range(1, 20)],
    )
    assert restore(large) == restore(small)


def test_account_page_restores_a_backup_file(api):
    body = entry_body()
    api.post("/entries", body)
    document = api.get("/export/backup.json").get_json()
    api.delete(f"/entries/{body['id']}")
    token = page_csrf(api.client, "/account")
    upload = (io.BytesIO(json.dumps(document).encode()), "backup.json")
    response = api.client.post(
        "/account/restore",
        data={"csrf_token": token, "file": upload},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert "Restored 1 new entries" in api.client.get("/account").get_data(as_text=True)
    assert api.get(f"/entries/{body['id']}").get_json() == document["entries"][0]
    broken = api.client.post(
        "/account/restore",
        data={"csrf_token": token, "file": (io.BytesIO(b"{nope"), "x.json")},
        content_type="multipart/form-data",
    )
    assert broken.status_code == 422
    assert 'id="file-error"' in broken.get_data(as_text=True)
    no_token = api.client.post(
        "/account/restore",
        data={"file": (io.BytesIO(b"{}"), "x.json")},
        content_type="multipart/form-data",
    )
    assert no_token.status_code == 400


def test_restored_responses_keep_the_version_answered_and_get_their_score_again(other_api):
    kept = response_body(answers={"pain": 7, "enjoyment": 6, "activity": 7})
    document = backup_document(
        responses=[{**kept, "instrument_version": "0.9", "score": 99, "urgent": True}]
    )
    answer = other_api.post("/import/backup", document)
    assert answer.status_code == 200
    assert answer.get_json()["responses"] == 1
    restored = other_api.get(f"/responses/{kept['id']}").get_json()
    # The version answered is kept; the score and urgency come from the answers, never the file.
    assert restored["instrument_version"] == "0.9"
    assert (restored["score"], restored["urgent"]) == (6.67, False)


def test_a_response_edited_since_the_backup_is_a_conflict(api):
    made = fill_diary(api)
    document = _backup(api)
    first = made["responses"][0]
    edited = {**first, "answers": {"pain": 1, "enjoyment": 1, "activity": 1}}
    assert api.put(f"/responses/{first['id']}", edited).status_code == 200
    before = _diary(api)
    response = api.post("/import/backup", document)
    assert response.status_code == 409
    assert set(response.get_json()["error"]["fields"]) == {"responses.0.id"}
    assert _diary(api) == before
