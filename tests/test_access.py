"""A second patient gets 404 on every route of the first patient's objects, and changes nothing."""

import pytest
from helpers import entry_body, page_csrf, session_body

API_ROUTES = [
    ("GET", "/entries/{entry}"),
    ("PUT", "/entries/{entry}"),
    ("DELETE", "/entries/{entry}"),
    ("GET", "/sessions/{session}"),
    ("PUT", "/sessions/{session}"),
    ("DELETE", "/sessions/{session}"),
]
PAGE_ROUTES = [
    ("GET", "/entries/{entry}/edit"),
    ("POST", "/entries/{entry}/edit"),
    ("GET", "/entries/{entry}/delete"),
    ("POST", "/entries/{entry}/delete"),
    ("GET", "/sessions/{session}/edit"),
    ("POST", "/sessions/{session}/edit"),
    ("GET", "/sessions/{session}/delete"),
    ("POST", "/sessions/{session}/delete"),
]


@pytest.fixture
def owned(api):
    """The first patient's entry and session, as stored."""
    entry = api.post("/entries", entry_body()).get_json()
    session = api.post("/sessions", session_body()).get_json()
    return {"entry": entry, "session": session}


@pytest.mark.parametrize(("method", "route"), API_ROUTES)
def test_api_routes_answer_404_to_another_patient(api, other_api, owned, method, route):
    path = route.format(entry=owned["entry"]["id"], session=owned["session"]["id"])
    body = entry_body(pain={"overall": 0}) if "entries" in route else session_body(pain_after=0)
    response = other_api.call(method, path, json=body if method == "PUT" else None)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert api.get(f"/entries/{owned['entry']['id']}").get_json() == owned["entry"]
    assert api.get(f"/sessions/{owned['session']['id']}").get_json() == owned["session"]


@pytest.mark.parametrize(("method", "route"), PAGE_ROUTES)
def test_pages_answer_404_to_another_patient(api, other_api, owned, method, route):
    path = route.format(entry=owned["entry"]["id"], session=owned["session"]["id"])
    data = {"csrf_token": page_csrf(other_api.client, "/entries/new"), "overall": "0"}
    response = other_api.client.open(path, method=method, data=data if method == "POST" else None)
    assert response.status_code == 404
    assert api.get(f"/entries/{owned['entry']['id']}").get_json() == owned["entry"]
    assert api.get(f"/sessions/{owned['session']['id']}").get_json() == owned["session"]


def test_lists_show_only_ones_own(api, other_api, owned):
    assert other_api.get("/entries").get_json()["entries"] == []
    assert other_api.get("/sessions").get_json()["sessions"] == []
    history = other_api.client.get("/entries").get_data(as_text=True)
    assert owned["entry"]["id"] not in history
    assert owned["session"]["id"] not in other_api.client.get("/sessions").get_data(as_text=True)
