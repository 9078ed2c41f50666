"""What every export shares (PRODUCT.md sections 6 and 8): one patient's data only, a login
and a recent password, never cached; and the account page's downloads."""

import pytest
from helpers import csv_rows, entry_body, fill_diary, valid_backup_document

EXPORTS = ("/export/entries.csv", "/export/responses.csv", "/export/fhir", "/export/backup.json")


def test_another_patients_exports_hold_none_of_the_first_patients_data(api, other_api):
    made = fill_diary(api)
    ids = [entry["id"] for entry in made["entries"] + made["responses"]]
    csv_response = other_api.get("/export/entries.csv")
    assert csv_rows(csv_response) == []
    assert csv_rows(other_api.get("/export/responses.csv")) == []
    for response in (other_api.get(path) for path in EXPORTS):
        text = response.get_data(as_text=True)
        assert all(entry_id not in text for entry_id in ids)
        assert "Long drive" not in text and "Gardening" not in text and "Dr Lee" not in text
    document = other_api.get("/export/backup.json").get_json()
    assert document["entries"] == [] and document["sessions"] == []
    assert document["responses"] == []
    assert document["profile"]["email"] == "other@example.com"
    fhir_bundle = other_api.get("/export/fhir").get_json()
    kinds = {item["resource"]["resourceType"] for item in fhir_bundle["entry"]}
    assert kinds == {"Patient", "Questionnaire"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/export/entries.csv"),
        ("GET", "/api/v1/export/responses.csv"),
        ("GET", "/api/v1/export/fhir"),
        ("GET", "/api/v1/export/backup.json"),
        ("POST", "/api/v1/import/backup"),
    ],
)
def test_exports_and_restore_need_a_login(client, method, path):
    response = client.open(
        path, method=method, json=valid_backup_document() if method == "POST" else None
    )
    # PRODUCT.md section 6: an unsafe request may meet the CSRF check (400) before the login one.
    expected = (
        {401: "unauthorized"} if method == "GET" else {401: "unauthorized", 400: "bad_request"}
    )
    assert response.status_code in expected
    assert response.get_json()["error"]["code"] == expected[response.status_code]


def test_exports_are_never_cached(api):
    for path in EXPORTS:
        assert api.get(path).headers["Cache-Control"] == "no-store"


def _age_login(client, seconds=16 * 60):
    with client.session_transaction() as session:
        session["auth_at"] -= seconds


@pytest.mark.parametrize("path", EXPORTS)
def test_api_exports_need_a_recent_password(api, path):
    _age_login(api.client)
    response = api.get(path)
    assert response.status_code == 401
    assert "confirm" in response.get_json()["error"]["message"].lower()
    api.post("/me/confirm", {"password": "correct horse battery"})
    assert api.get(path).status_code == 200


@pytest.mark.parametrize(
    ("kind", "mimetype"),
    [
        ("entries.csv", "text/csv"),
        ("fhir.json", "application/fhir+json"),
        ("backup.json", "application/json"),
    ],
)
def test_account_page_downloads(api, kind, mimetype):
    api.post("/entries", entry_body())
    html = api.client.get("/account").get_data(as_text=True)
    assert f"/account/export/{kind}" in html
    response = api.client.get(f"/account/export/{kind}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert "attachment" in response.headers["Content-Disposition"]
    _age_login(api.client)
    stale = api.client.get(f"/account/export/{kind}")
    assert stale.status_code == 302
    assert stale.headers["Location"].startswith("/confirm-password?next=/account/export/")
