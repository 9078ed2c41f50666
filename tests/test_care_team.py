"""Connect codes, consent and the patient's care team (PRODUCT.md section 13)."""

import re

import pytest
from helpers import PASSWORD, Api, connect, make_app, page_csrf, register, register_practitioner

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


def test_a_practitioner_has_one_code_until_they_replace_it(practitioner_api):
    first = practitioner_api.get("/practice/code").get_json()
    assert CODE.match(first["code"])
    assert first["url"] == "http://localhost/connect/" + first["code"].replace("-", "")
    assert practitioner_api.get("/practice/code").get_json() == first
    second = practitioner_api.post("/practice/code").get_json()
    assert CODE.match(second["code"]) and second["code"] != first["code"]
    assert practitioner_api.get("/practice/code").get_json() == second


def test_a_patient_connects_with_the_code_in_any_case_and_with_or_without_dashes(
    api, practitioner_api
):
    code = practitioner_api.get("/practice/code").get_json()["code"]
    response = api.post("/care-team", {"code": code.replace("-", " ").lower()})
    assert response.status_code == 201
    member = response.get_json()
    assert set(member) == {"id", "practitioner", "since", "include_notes", "access_log"}
    assert member["practitioner"] == {
        "display_name": "Dr Sam Lee",
        "practice": "Northside Acupuncture",
    }
    assert member["include_notes"] is False and member["access_log"] == []
    assert api.get("/care-team").get_json() == {"care_team": [member]}


def test_connecting_twice_to_one_practitioner_is_a_conflict(api, practitioner_api):
    connect(api, practitioner_api)
    code = practitioner_api.get("/practice/code").get_json()["code"]
    response = api.post("/care-team", {"code": code})
    assert response.status_code == 409
    assert len(api.get("/care-team").get_json()["care_team"]) == 1


def test_unknown_malformed_and_replaced_codes_get_one_answer(api, practitioner_api):
    old = practitioner_api.get("/practice/code").get_json()["code"]
    practitioner_api.post("/practice/code")
    answers = [
        api.post("/care-team", {"code": code})
        for code in (old, "ABCD-EFGH-JKLM", "too short", "", None, 12, "O0O0-I1I1-O0O0")
    ]
    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.get_data() for answer in answers}) == 1
    api.client.get("/care-team")  # shows (and so uses up) the welcome message
    pages = [
        api.client.get(f"/connect/{code}")
        for code in (old.replace("-", ""), "ABCDEFGHJKLM", "x")
    ]
    assert {page.status_code for page in pages} == {404}
    assert len({page.get_data() for page in pages}) == 1


def test_include_notes_must_be_a_boolean(api, practitioner_api):
    code = practitioner_api.get("/practice/code").get_json()["code"]
    response = api.post("/care-team", {"code": code, "include_notes": "yes"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"include_notes": "must be true or false"}


def test_the_patient_turns_notes_on_and_off_and_disconnects(api, practitioner_api):
    member = connect(api, practitioner_api)
    changed = api.patch(f"/care-team/{member['id']}", {"include_notes": True})
    assert changed.status_code == 200 and changed.get_json()["include_notes"] is True
    assert api.patch(f"/care-team/{member['id']}", {}).status_code == 422
    assert api.delete(f"/care-team/{member['id']}").status_code == 204
    assert api.get("/care-team").get_json() == {"care_team": []}
    assert api.delete(f"/care-team/{member['id']}").status_code == 404
    # Connecting again after a disconnect is a new connection with a new id.
    assert connect(api, practitioner_api)["id"] != member["id"]


def test_another_patient_cannot_touch_a_connection(api, other_api, practitioner_api):
    member = connect(api, practitioner_api)
    assert other_api.patch(f"/care-team/{member['id']}", {"include_notes": True}).status_code == 404
    assert other_api.delete(f"/care-team/{member['id']}").status_code == 404
    assert other_api.get("/care-team").get_json() == {"care_team": []}
    assert api.get("/care-team").get_json()["care_team"][0]["include_notes"] is False


def test_the_consent_page_says_who_what_and_for_how_long(api, practitioner_api):
    code = practitioner_api.get("/practice/code").get_json()["code"].replace("-", "")
    page = api.client.get(f"/connect/{code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for words in ("Dr Sam Lee", "Northside Acupuncture", "pain entries", "acupuncture sessions",
                  "questionnaires", "trends", "until you or they end it", "Connect", "Cancel"):
        assert words in html, words
    assert 'name="include_notes" value="y">' in html  # unticked
    assert api.get("/care-team").get_json() == {"care_team": []}  # nothing until Connect


@pytest.mark.parametrize("ticked", [False, True])
def test_connect_on_the_consent_page_shares_notes_only_if_ticked(api, practitioner_api, ticked):
    code = practitioner_api.get("/practice/code").get_json()["code"].replace("-", "")
    data = {"csrf_token": page_csrf(api.client, f"/connect/{code}")}
    if ticked:
        data["include_notes"] = "y"
    response = api.client.post(f"/connect/{code}", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/care-team"
    [member] = api.get("/care-team").get_json()["care_team"]
    assert member["include_notes"] is ticked
    again = api.client.get(f"/connect/{code}")
    assert again.status_code == 409 and "already connected" in again.get_data(as_text=True)


def test_the_code_field_on_the_care_team_page_leads_to_the_consent_page(api, practitioner_api):
    code = practitioner_api.get("/practice/code").get_json()["code"]
    token = page_csrf(api.client, "/care-team")
    response = api.client.post("/care-team", data={"code": code.lower(), "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/connect/" + code.replace("-", "")
    wrong = api.client.post("/care-team", data={"code": "nope", "csrf_token": token})
    assert wrong.status_code == 404
    assert "This code does not work" in wrong.get_data(as_text=True)


def test_the_care_team_page_lists_connections_with_their_access_log(api, practitioner_api):
    member = connect(api, practitioner_api)
    assert practitioner_api.get(f"/practice/patients/{member['id']}/trends").status_code == 200
    html = api.client.get("/care-team").get_data(as_text=True)
    assert "Dr Sam Lee, Northside Acupuncture" in html
    assert "read your trends (JSON)" in html


def test_the_code_page_shows_the_code_and_a_qr_of_the_connect_url(practitioner_api):
    answer = practitioner_api.get("/practice/code").get_json()
    page = practitioner_api.client.get("/practice/code")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert answer["code"] in html and answer["url"] in html and "<svg" in html
    assert page.headers["Cache-Control"] == "no-store"
    token = page_csrf(practitioner_api.client, "/practice/code")
    replaced = practitioner_api.client.post("/practice/code", data={"csrf_token": token})
    assert replaced.status_code == 303
    assert practitioner_api.get("/practice/code").get_json()["code"] != answer["code"]


def test_connect_codes_are_rate_limited_page_and_api_together(database_path):
    app = make_app(database_path, RATELIMIT_ENABLED=True)
    client = app.test_client()
    assert register(client).status_code == 303
    api = Api(client)
    statuses = [api.post("/care-team", {"code": f"ABCD-EFGH-{n:04d}"}).status_code
                for n in range(5)]
    statuses += [client.get(f"/connect/ABCDEFGH{n:04d}").status_code for n in range(5)]
    assert statuses == [404] * 10
    assert api.post("/care-team", {"code": "ABCD-EFGH-JKLM"}).status_code == 429
    assert client.get("/connect/ABCDEFGHJKLM").status_code == 429


def test_deleting_either_account_ends_the_connection(app, api, practitioner_api):
    connect(api, practitioner_api)
    assert practitioner_api.delete("/me", {"password": PASSWORD}).status_code == 204
    assert api.get("/care-team").get_json() == {"care_team": []}
    other = app.test_client()
    register_practitioner(other, email="kim@example.com")
    kim = Api(other)
    member = connect(api, kim)
    assert api.delete("/me", {"password": PASSWORD}).status_code == 204
    assert kim.get(f"/practice/patients/{member['id']}/trends").status_code == 404
