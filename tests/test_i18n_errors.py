"""Error and field messages, vocabulary labels and error pages in the request's locale (section 15).

Under the pseudo-locale every translated message comes out bracketed; the API's codes, keys and
field paths stay English, and the patient's own words stay as typed.
"""

import re

import pytest
from helpers import entry_body, page_csrf

from diary.core.extensions import db
from diary.core.i18n import pseudo
from diary.models import User
from diary.validation import text_value

PSEUDO = {"Accept-Language": "en-XA"}
BRACKETED = re.compile(r"^\[.*\]$", re.DOTALL)


def test_api_field_errors_come_bracketed_with_english_codes_and_paths(api):
    body = entry_body()
    body["pain"]["overall"] = None
    body["notes"] = "n" * 2001
    response = api.post("/entries", body, headers=PSEUDO)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert BRACKETED.match(error["message"])
    assert set(error["fields"]) == {"pain.overall", "notes"}
    assert all(BRACKETED.match(text) for text in error["fields"].values())
    # Placeholders are filled in after translation, numbers as the locale writes them.
    expected = pseudo("must be at most %(limit)s characters (it has %(count)s)")
    assert error["fields"]["notes"] == expected % {"limit": "2,000", "count": "2,001"}


def test_api_errors_in_english_are_unchanged(api):
    body = entry_body()
    body["pain"]["overall"] = 11
    error = api.post("/entries", body).get_json()["error"]
    assert error["message"] == "Some fields need attention."
    assert error["fields"] == {"pain.overall": "must be a whole number from 0 to 10"}


def test_api_status_errors_come_bracketed(api, client):
    missing = api.get("/entries/3f2b8c1e-5d4a-4b6f-9e7d-1a2b3c4d5e6f", headers=PSEUDO)
    error = missing.get_json()["error"]
    assert missing.status_code == 404 and error["code"] == "not_found"
    assert error["message"] == pseudo("There is no such entry.")
    client.post("/logout", data={"csrf_token": page_csrf(client, "/account")})
    anonymous = client.get("/api/v1/entries", headers=PSEUDO).get_json()["error"]
    assert anonymous["code"] == "unauthorized" and BRACKETED.match(anonymous["message"])


def test_vocabulary_labels_follow_the_browser_and_keys_stay(api):
    api.post("/vocabulary/triggers", {"label": "Gardening"})
    english = api.get("/vocabulary").get_json()
    marked = api.get("/vocabulary", headers=PSEUDO).get_json()
    for category, items in english.items():
        assert [item["key"] for item in marked[category]] == [item["key"] for item in items]
    burning = next(item for item in marked["pain_types"] if item["key"] == "burning")
    assert burning["label"] == pseudo("Burning")
    assert {"key": "gardening", "label": "Gardening", "custom": True} in marked["triggers"]
    assert all(
        BRACKETED.match(item["label"]) for items in marked.values() for item in items
        if not item["custom"]
    )


def test_vocabulary_labels_follow_the_profile_locale(api, app):
    with app.app_context():
        user = db.session.scalars(db.select(User)).one()
        user.locale = "en_XA"  # the pseudo-locale, stored as a test may (core.i18n)
        db.session.commit()
    regions = api.get("/vocabulary").get_json()["regions"]
    assert regions[0] == {"key": "lower_back", "label": pseudo("Lower back"), "custom": False}


def test_a_form_error_is_a_translated_predicate_after_the_field(api):
    data = {"csrf_token": page_csrf(api.client, "/entries/new"), "overall": "5"}
    data["notes"] = "n" * 2001
    response = api.client.post("/entries/new", data=data, headers=PSEUDO)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    expected = pseudo("must be at most %(limit)s characters (it has %(count)s)")
    assert expected % {"limit": "2,000", "count": "2,001"} in html


def test_error_pages_come_in_the_browser_language(api):
    response = api.client.get("/no-such-page", headers=PSEUDO)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f"<h1>{pseudo('Not found')}</h1>" in html
    assert pseudo("Nothing was found here.") in html
    assert pseudo("Back to today") in html


def test_numbers_in_messages_follow_the_locale(app):
    with app.test_request_context(headers={"Accept-Language": "de"}):
        with pytest.raises(ValueError, match=r"2\.000"):
            text_value("n" * 2001, 2000)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ValueError, match="at most 2,000 characters"):
            text_value("n" * 2001, 2000)
