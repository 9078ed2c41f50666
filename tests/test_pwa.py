"""The installable app's server side: manifest, service worker, offline page, logout cleanup."""

import json
import re

from helpers import PASSWORD, page_csrf


def test_manifest_names_the_app_and_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_service_worker_is_served_from_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert b'startsWith("/api/")' in response.data, "the worker leaves the API alone"


def test_offline_page_is_public_and_holds_no_diary(client, api):
    anonymous = client.application.test_client()
    response = anonymous.get("/offline")
    assert response.status_code == 200
    assert "No connection right now" in response.get_data(as_text=True)
    assert "data-outbox" in response.get_data(as_text=True)


def test_every_page_links_the_manifest(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="manifest"' in html and "js/pwa.js" in html


def test_logout_tells_the_browser_to_forget_caches_and_storage(api):
    response = api.client.post("/logout", data={"csrf_token": page_csrf(api.client, "/")})
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_the_practitioners_report_installs_nothing(api, client):
    """A clinic browser opening a report gets no manifest and no service worker."""
    token = api.post("/shares", {"label": "Dr Lee"}).get_json()["token"]
    for path in (f"/s/{token}", "/s/not-a-real-token"):
        html = client.get(path).get_data(as_text=True)
        assert 'rel="manifest"' not in html and "js/pwa.js" not in html, path


def test_deleting_the_account_tells_the_browser_to_forget_caches_and_storage(api):
    page = api.client.post(
        "/account/delete",
        data={"password": PASSWORD, "csrf_token": page_csrf(api.client, "/account")},
    )
    assert page.status_code == 303
    assert page.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_deleting_the_account_through_the_api_forgets_too(api):
    response = api.delete("/me", {"password": PASSWORD})
    assert response.status_code == 204
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_the_worker_queues_the_check_in_and_each_questionnaire_page(client):
    source = client.get("/sw.js").get_data(as_text=True)
    forms = json.loads(re.search(r"const RECORD_FORMS = (\{.*?\});\n", source).group(1))
    spec = forms["/check-in"]
    assert spec["endpoint"] == "/api/v1/responses" and spec["urgent_page"] == "/check-in/urgent"
    assert spec["pages"]["rmdq"] == "/questionnaires/rmdq"
    assert spec["instruments"]["red_flags"]["urgent"] is True
    assert [item["key"] for item in spec["instruments"]["peg"]["items"]] == [
        "pain", "enjoyment", "activity"
    ]
