"""Session cookies: checked once per worker, yet refused when forged, expired or of another
key."""

import time

import pytest
from flask import request

from diary.core import sessions


@pytest.fixture
def cookie(api):
    """The logged-in patient's session cookie (after one request that checked it)."""
    assert api.get("/me").status_code == 200
    return api.client.get_cookie("session").value


def _open(app, value, interface=None):
    """The session ``interface`` (the app's) makes of a request sending cookie ``value``."""
    with app.test_request_context(headers={"Cookie": f"session={value}"}):
        return (interface or app.session_interface).open_session(app, request)


def test_a_cookie_is_checked_once_per_worker(app, cookie, monkeypatch):
    checks = []
    make = app.session_interface.get_signing_serializer

    def counting(app_):
        checks.append(app_)
        return make(app_)

    monkeypatch.setattr(app.session_interface, "get_signing_serializer", counting)
    app.session_interface._checked.clear()
    first, second = _open(app, cookie), _open(app, cookie)
    assert dict(first) == dict(second) and "_user_id" in first
    assert len(checks) == 1


def test_each_request_gets_a_session_of_its_own(app, cookie):
    first = _open(app, cookie)
    flashes = list(first.get("_flashes", []))
    first["_user_id"] = "0:someone-else"
    first.setdefault("_flashes", []).append(("info", "changed"))
    again = _open(app, cookie)
    assert again["_user_id"] != "0:someone-else"
    assert again.get("_flashes", []) == flashes


def test_a_forged_cookie_is_refused_even_after_the_real_one(api, cookie):
    payload, timestamp, signature = cookie.rsplit(".", 2)
    forged = f"{payload}.{timestamp}.{'A' * len(signature)}"
    api.client.set_cookie("session", forged)
    assert api.get("/me").status_code == 401
    api.client.set_cookie("session", cookie)
    assert api.get("/me").status_code == 200


def test_a_checked_cookie_still_expires(app, cookie, monkeypatch):
    assert "_user_id" in _open(app, cookie)
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 5
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert "_user_id" not in _open(app, cookie)


def test_a_cookie_signed_with_another_key_is_refused(app, cookie):
    fresh = sessions.CheckedOnceSessionInterface()
    app.secret_key = "another-secret-key"
    assert "_user_id" not in _open(app, cookie, fresh)


def test_at_most_size_cookies_are_kept(app):
    interface = sessions.CheckedOnceSessionInterface(size=2)
    signer = interface.get_signing_serializer(app)
    for number in range(5):
        assert _open(app, signer.dumps({"number": number}), interface)["number"] == number
        assert len(interface._checked) <= 2
