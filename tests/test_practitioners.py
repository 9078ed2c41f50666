"""Practitioner accounts (PRODUCT.md section 13): sign-up with a practice, no diary of their own."""

import pytest
from helpers import PASSWORD, Api, page_csrf, register, register_practitioner


@pytest.fixture
def practitioner(app):
    """A signed-up, logged-in practitioner's API helper."""
    client = app.test_client()
    response = register_practitioner(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/practice"
    return Api(client)


def test_a_practitioner_signs_up_with_a_practice_and_lands_on_the_dashboard(practitioner):
    me = practitioner.get("/me").get_json()
    assert me["role"] == "practitioner"
    assert me["practice"] == "Northside Acupuncture"
    assert me["display_name"] == "Dr Sam Lee"
    page = practitioner.client.get("/practice")
    assert page.status_code == 200
    assert "Your patients" in page.get_data(as_text=True)


def test_a_patient_has_role_patient_and_no_practice(api):
    me = api.get("/me").get_json()
    assert me["role"] == "patient"
    assert "practice" not in me


@pytest.mark.parametrize(
    ("practice", "message"),
    [
        ("", "is required for a practitioner"),
        ("   ", "is required for a practitioner"),
        ("x" * 121, "at most 120 characters"),
    ],
)
def test_a_practitioner_needs_a_practice_of_1_to_120_characters(client, practice, message):
    response = register_practitioner(client, practice=practice)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_an_unknown_role_is_refused(client):
    token = page_csrf(client, "/register")
    response = client.post(
        "/register",
        data={"email": "x@example.com", "password": PASSWORD, "role": "admin", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "must be patient or practitioner" in response.get_data(as_text=True)


def test_a_patient_who_fills_in_a_practice_stays_a_patient_without_one(client):
    token = page_csrf(client, "/register")
    client.post(
        "/register",
        data={
            "email": "p@example.com", "password": PASSWORD, "practice": "Mine", "csrf_token": token
        },
    )
    me = Api(client).get("/me").get_json()
    assert me["role"] == "patient" and "practice" not in me


@pytest.mark.parametrize(
    "path",
    ["/entries", "/entries/new", "/sessions", "/sessions/new", "/trends", "/shares",
     "/account/export/backup.json"],
)
def test_a_practitioner_gets_404_on_the_diary_pages(practitioner, path):
    assert practitioner.client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/entries"), ("POST", "/entries"), ("GET", "/sessions"), ("GET", "/trends"),
     ("GET", "/vocabulary"), ("GET", "/shares"), ("GET", "/export/backup.json")],
)
def test_a_practitioner_gets_404_on_the_diary_api(practitioner, method, path):
    response = practitioner.call(method, path, json={"pain": {"overall": 3}})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_site_root_sends_a_practitioner_to_their_patients(practitioner):
    response = practitioner.client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/practice"


def test_a_practitioner_keeps_their_account_page(practitioner):
    page = practitioner.client.get("/account")
    assert page.status_code == 200


def test_a_patient_gets_404_on_the_practice_pages(api):
    assert api.client.get("/practice").status_code == 404


def test_the_register_form_offers_the_practitioner_choice(client):
    html = client.get("/register").get_data(as_text=True)
    assert 'name="role" value="practitioner"' in html
    assert 'name="practice"' in html


def test_registering_twice_still_says_the_address_is_taken(client):
    assert register(client, email="lee@example.com").status_code == 303
    other = client.application.test_client()
    response = register_practitioner(other)
    assert response.status_code == 422
    assert "already has an account" in response.get_data(as_text=True)
