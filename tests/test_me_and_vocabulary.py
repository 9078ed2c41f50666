"""/api/v1/me and /api/v1/vocabulary."""

import pytest
from helpers import entry_body, session_body
from sqlalchemy import func, select

from diary.core.extensions import db
from diary.models import AcupunctureSession, CustomTerm, Entry, User
from diary.vocabulary import BUILT_IN


def test_me_has_a_usable_csrf_token(api):
    me = api.get("/me").get_json()
    assert set(me) == {
        "email", "display_name", "timezone", "locale", "email_verified", "role", "csrf_token"
    }
    assert me["role"] == "patient"
    assert me["csrf_token"]


def test_patch_me(api):
    response = api.patch("/me", {"timezone": "Asia/Kolkata", "display_name": "  Sam Lee "})
    assert response.status_code == 200
    assert response.get_json()["timezone"] == "Asia/Kolkata"
    assert response.get_json()["display_name"] == "Sam Lee"
    assert api.patch("/me", {}).get_json()["display_name"] == "Sam Lee"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Atlantis/Capital"}, "timezone"),
        ({"timezone": None}, "timezone"),
        ({"display_name": "n" * 81}, "display_name"),
        ({"display_name": 7}, "display_name"),
    ],
)
def test_patch_me_refuses_bad_fields_and_changes_nothing(api, body, field):
    def profile():
        # The CSRF token is signed with the current second: it may differ between two calls.
        return {k: v for k, v in api.get("/me").get_json().items() if k != "csrf_token"}

    before = profile()
    response = api.patch("/me", {**body, "display_name": body.get("display_name", "Changed")})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert profile() == before


def test_delete_me_needs_the_password(api):
    assert api.delete("/me", {}).status_code == 422
    wrong = api.delete("/me", {"password": "wrong password here"})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["fields"] == {"password": "is not right"}
    assert api.get("/me").status_code == 200


def test_delete_me_removes_every_row(app, api, other_api):
    api.post("/entries", entry_body())
    api.post("/sessions", session_body())
    api.post("/vocabulary/triggers", {"label": "Gardening"})
    other_api.post("/entries", entry_body())
    assert api.delete("/me", {"password": "correct horse battery"}).status_code == 204
    assert api.client.get("/api/v1/me").status_code == 401
    with app.app_context():
        for model in (Entry, AcupunctureSession, CustomTerm):
            owners = db.session.scalars(select(model.user_id)).all()
            assert len(set(owners)) <= 1
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_vocabulary_lists_built_in_keys(api):
    vocabulary = api.get("/vocabulary").get_json()
    assert set(vocabulary) == {"regions", "pain_types", "triggers", "relievers", "techniques"}
    for category, keys in BUILT_IN.items():
        assert [item["key"] for item in vocabulary[category]] == list(keys)
        assert all(item["custom"] is False and item["label"] for item in vocabulary[category])


def test_custom_items_are_per_patient_and_usable(api, other_api):
    created = api.post("/vocabulary/triggers", {"label": "Gardening"})
    assert created.status_code == 201
    assert created.get_json() == {"key": "gardening", "label": "Gardening", "custom": True}
    triggers = api.get("/vocabulary").get_json()["triggers"]
    assert triggers[-1] == {"key": "gardening", "label": "Gardening", "custom": True}
    assert api.post("/entries", entry_body(triggers=["gardening"])).status_code == 201
    refused = other_api.post("/entries", entry_body(triggers=["gardening"]))
    assert refused.status_code == 422
    assert "gardening" not in [
        t["key"] for t in other_api.get("/vocabulary").get_json()["triggers"]
    ]


def test_custom_keys_never_collide_with_built_in_keys(api):
    first = api.post("/vocabulary/triggers", {"label": "Standing-up"}).get_json()
    assert first["key"] not in BUILT_IN["triggers"]
    massage = api.post("/vocabulary/triggers", {"label": "Massage"}).get_json()
    assert massage["key"] != "massage", "built-in in another category"
    second = api.post("/vocabulary/pain_types", {"label": "Ziehen ✓"}).get_json()
    assert second["key"] == "ziehen"


def test_custom_keys_are_unique_per_patient_across_lists(api):
    trigger = api.post("/vocabulary/triggers", {"label": "Gardening"})
    reliever = api.post("/vocabulary/relievers", {"label": "Gardening"})
    assert trigger.status_code == reliever.status_code == 201
    assert trigger.get_json()["key"] == "gardening"
    assert reliever.get_json()["key"] == "gardening_2"
    body = entry_body(triggers=["gardening"], relievers=["gardening_2"])
    assert api.post("/entries", body).status_code == 201


@pytest.mark.parametrize("label", ["gardening", "GARDENING", "  Gardening  "])
def test_same_label_ignoring_case_is_422(api, label):
    api.post("/vocabulary/triggers", {"label": "Gardening"})
    response = api.post("/vocabulary/triggers", {"label": label})
    assert response.status_code == 422
    assert "label" in response.get_json()["error"]["fields"]


def test_built_in_label_ignoring_case_is_422(api):
    assert api.post("/vocabulary/triggers", {"label": "sitting"}).status_code == 422


@pytest.mark.parametrize("body", [{}, {"label": ""}, {"label": "x" * 61}, {"label": 3}])
def test_bad_labels_are_422(api, body):
    response = api.post("/vocabulary/relievers", body)
    assert response.status_code == 422
    assert "label" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("category", ["regions", "moods", "entries"])
def test_regions_and_unknown_categories_are_404(api, category):
    response = api.post(f"/vocabulary/{category}", {"label": "Elbow"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
