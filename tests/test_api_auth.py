"""Without a session every /api/v1 route answers 401 JSON, never a redirect (PRODUCT.md section 6).

Driven by the app's url_map, so a route added later is covered without touching this file. An
unsafe request may get 400 instead, when the CSRF check runs before the login check.
"""

import re

from helpers import new_id, page_csrf

# Routes the contract makes public.
PUBLIC = {("/api/v1/openapi.json", "GET")}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Path arguments that name something other than a record; the rest are filled with a UUID.
ARGUMENTS = {"category": "triggers"}


def api_calls(app):
    """Each (rule, method, path) of /api/v1, its arguments filled in."""
    calls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(
            r"<(?:[^:>]+:)?([^>]+)>", lambda match: ARGUMENTS.get(match[1], new_id()), rule.rule
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            calls.append((rule.rule, method, path))
    return calls


def check_refused(response, rule, method, allowed):
    """An answer of ``allowed`` (status -> error code) with a JSON error body: no redirect."""
    status, body = response.status_code, response.get_json(silent=True)
    assert status in allowed, (rule, method, status, response.headers.get("Location"))
    assert response.mimetype == "application/json", (rule, method, response.mimetype)
    assert body["error"]["code"] == allowed[status], (rule, method, body)
    assert body["error"]["message"], (rule, method, body)


def private_calls(app):
    """The calls that need a session; checks the map really was read."""
    calls = [call for call in api_calls(app) if call[:2] not in PUBLIC]
    assert {("/api/v1/me", "GET"), ("/api/v1/entries/<record_id>", "PUT")} <= {
        call[:2] for call in calls
    }
    assert len(calls) >= 20
    return calls


def test_every_private_route_answers_401_json_without_a_session(app, client):
    """401 unauthorized; an unsafe method without the CSRF header may get 400 bad_request."""
    for rule, method, path in private_calls(app):
        unsafe = method in UNSAFE
        response = client.open(path, method=method, json={} if unsafe else None)
        allowed = {401: "unauthorized", 400: "bad_request"} if unsafe else {401: "unauthorized"}
        check_refused(response, rule, method, allowed)


def test_unsafe_methods_with_a_valid_csrf_token_but_no_login_answer_401(app, client):
    """Past the CSRF check (a token from the login form), the login check answers 401."""
    token = page_csrf(client, "/login")
    for rule, method, path in private_calls(app):
        if method in UNSAFE:
            response = client.open(path, method=method, json={}, headers={"X-CSRFToken": token})
            check_refused(response, rule, method, {401: "unauthorized"})


def test_the_public_routes_really_are_public(client):
    for path, method in PUBLIC:
        assert client.open(path, method=method).status_code == 200, path
