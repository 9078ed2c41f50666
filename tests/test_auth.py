"""Sign up, log in, log out: the forms, password rules, and what a copied cookie can do."""

import pytest
from helpers import PASSWORD, Api, login, page_csrf, register
from sqlalchemy import select

from diary.core.extensions import db
from diary.models import User
from diary.services.accounts import common_passwords, password_problem


def test_register_lands_on_today_logged_in(client):
    response = register(client, email="  New.Patient@Example.COM ", timezone="America/Denver")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "<h1>Hello</h1>" in client.get("/").get_data(as_text=True)
    me = client.get("/api/v1/me").get_json()
    assert me["email"] == "new.patient@example.com"
    assert me["timezone"] == "America/Denver"
    assert me["display_name"] == ""


@pytest.mark.parametrize("timezone", ["", "Mars/Olympus_Mons", "not a zone"])
def test_unknown_or_missing_time_zone_becomes_utc(client, timezone):
    assert register(client, timezone=timezone).status_code == 303
    assert client.get("/api/v1/me").get_json()["timezone"] == "UTC"


def test_password_is_stored_as_argon2id(app, client):
    register(client)
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("email", "password", "field", "message"),
    [
        ("a@example.com", "short pass", "password", "at least 12"),
        ("a@example.com", "x" * 129, "password", "at most 128"),
        ("a@example.com", "qwertyuiop123", "password", "common"),
        ("a@example.com", "Password1234", "password", "common"),
        ("not-an-email", PASSWORD, "email", "email address"),
        ("", PASSWORD, "email", "required"),
    ],
)
def test_register_refuses_with_a_message_next_to_the_field(client, email, password, field, message):
    response = register(client, email=email, password=password)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert client.get("/api/v1/me").status_code == 401


def test_password_rules_have_no_composition_rules():
    assert password_problem("all lower case words") is None
    assert password_problem("x" * 12) is None and password_problem("x" * 128) is None
    assert len(common_passwords()) > 200


def test_confirm_must_match_when_given(client):
    token = page_csrf(client, "/register")
    response = client.post(
        "/register",
        data={
            "email": "a@example.com",
            "password": PASSWORD,
            "confirm": "other thing here",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert 'id="confirm-error"' in response.get_data(as_text=True)


def test_email_is_unique_ignoring_case(client, app):
    register(client, email="pat@example.com")
    other = app.test_client()
    response = register(other, email="PAT@example.com")
    assert response.status_code == 422
    assert "already has an account" in response.get_data(as_text=True)


def test_register_without_csrf_is_refused(client):
    response = client.post("/register", data={"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/v1/me").status_code == 401


def test_login_with_wrong_password_or_unknown_email(client, app):
    register(client)
    fresh = app.test_client()
    assert login(fresh, password="wrong password here").status_code == 422
    assert login(fresh, email="nobody@example.com").status_code == 422
    assert fresh.get("/api/v1/me").status_code == 401
    response = login(fresh, email="PAT@example.com")
    assert response.status_code == 303
    assert fresh.get("/api/v1/me").status_code == 200


def test_login_follows_only_local_next(client, app):
    register(client)
    fresh = app.test_client()
    token = page_csrf(fresh, "/login")
    data = {"email": "pat@example.com", "password": PASSWORD, "csrf_token": token}
    assert fresh.post("/login?next=/sessions", data=data).headers["Location"] == "/sessions"
    fresh.post("/logout", data={"csrf_token": page_csrf(fresh, "/")})
    token = page_csrf(fresh, "/login")
    data["csrf_token"] = token
    assert fresh.post("/login?next=//evil.example", data=data).headers["Location"] == "/"


def test_pages_redirect_to_login_but_api_answers_401(client):
    page = client.get("/entries/new")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=/entries/new")
    for path in ("/me", "/entries", "/sessions", "/vocabulary", "/entries/x"):
        response = client.get("/api/v1" + path)
        assert response.status_code == 401, path
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_unsafe_api_without_session_is_401_or_400(client):
    response = client.post("/api/v1/entries", json={"pain": {"overall": 3}})
    assert response.status_code in (400, 401)
    assert response.get_json()["error"]["code"] in ("bad_request", "unauthorized")


def test_logout_makes_a_copied_cookie_useless(client, app):
    register(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/api/v1/me").status_code == 200
    response = client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    assert response.status_code == 303
    assert client.get("/api/v1/me").status_code == 401
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/").status_code == 302


def test_remember_me_cookie_also_dies_at_logout(client, app):
    register(client)
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    login(client, remember="y")
    remember = client.get_cookie("session")
    assert remember is not None and remember.expires is not None, "kept past the browser"
    thief = app.test_client()
    thief.set_cookie("session", remember.value)
    assert thief.get("/api/v1/me").status_code == 200
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    other = app.test_client()
    other.set_cookie("session", remember.value)
    assert other.get("/api/v1/me").status_code == 401


def test_logout_needs_post_with_csrf(client):
    register(client)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/api/v1/me").status_code == 200


def test_api_helper_works_after_login(client):
    register(client)
    api = Api(client)
    assert api.patch("/me", {"display_name": "Sam"}).get_json()["display_name"] == "Sam"


def test_login_is_rate_limited(database_path):
    from helpers import make_app

    limited = make_app(database_path, RATELIMIT_ENABLED=True)
    client = limited.test_client()
    statuses = [login(client, password="wrong password here").status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429


def test_api_is_rate_limited_per_account(database_path):
    from helpers import make_app

    limited = make_app(
        database_path, RATELIMIT_ENABLED=True, RATELIMIT_API_PER_ACCOUNT="5 per minute"
    )
    client = limited.test_client()
    register(client)
    statuses = [client.get("/api/v1/entries").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    answer = client.get("/api/v1/entries")
    assert answer.get_json()["error"]["code"] == "rate_limited"
    other = limited.test_client()
    register(other, email="other@example.com")
    assert other.get("/api/v1/entries").status_code == 200, "another patient has their own budget"


def test_password_change_logs_out_other_devices(app, client):
    register(client)
    phone = app.test_client()
    login(phone)
    token = page_csrf(client, "/account/password")
    wrong = client.post(
        "/account/password",
        data={"csrf_token": token, "current_password": "nope nope nope", "new_password": "short"},
    )
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert 'id="current_password-error"' in html and 'id="new_password-error"' in html
    assert phone.get("/api/v1/me").status_code == 200, "a refused change ends nothing"
    done = client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert done.status_code == 303
    assert client.get("/api/v1/me").status_code == 200, "this device stays logged in"
    assert phone.get("/api/v1/me").status_code == 401
    fresh = app.test_client()
    assert login(fresh).status_code == 422
    assert login(fresh, password="a brand new passphrase").status_code == 303


def test_rate_limits_reset_when_the_window_has_passed(database_path):
    import time

    from helpers import make_app

    limited = make_app(
        database_path, RATELIMIT_ENABLED=True, RATELIMIT_API_PER_ACCOUNT="2 per second"
    )
    client = limited.test_client()
    register(client)
    statuses = [client.get("/api/v1/me").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    time.sleep(1.1)  # the one-second window moves on: the budget is back
    assert client.get("/api/v1/me").status_code == 200


def test_background_requests_never_rewrite_the_login_cookie(client):
    """A logged-out request still in flight when the patient signs up (the service worker
    keeping the offline pages, a static file, the offline page) must not answer with a
    Set-Cookie: arriving after the sign-up's answer it would log the new patient out."""
    client.get("/register")  # the session now holds a CSRF token, as the page's does
    for path, headers in (
        ("/entries/new", {"X-Diary-Shell": "1"}),
        ("/sessions/new", {"X-Diary-Shell": "1"}),
        ("/offline", {}),
        ("/healthz", {}),
    ):
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 401), path
        assert "Set-Cookie" not in response.headers, path
