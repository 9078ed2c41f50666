"""TOTP two-factor login (PRODUCT.md section 13), checked with pyotp as an authenticator app."""

import time

import pyotp
import pytest
from helpers import PASSWORD, Api, login, make_app, page_csrf, register


def turn_on(api):
    """Turn two-factor login on through the API; ``(secret, recovery codes)``."""
    started = api.post("/me/totp")
    assert started.status_code == 200, started.get_json()
    secret = started.get_json()["secret"]
    confirmed = api.post("/me/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200, confirmed.get_json()
    return secret, confirmed.get_json()["recovery_codes"]


def send_code(client, code):
    """Answer the code step of the login."""
    token = page_csrf(client, "/login/code")
    return client.post("/login/code", data={"code": code, "csrf_token": token})


def password_step(app):
    """A new browser that typed the right password; the answer."""
    client = app.test_client()
    response = login(client)
    return client, response


def test_setting_up_gives_a_secret_and_an_otpauth_url(api):
    answer = api.post("/me/totp").get_json()
    assert set(answer) == {"secret", "otpauth_url"}
    parsed = pyotp.parse_uri(answer["otpauth_url"])
    assert parsed.secret == answer["secret"] and parsed.issuer == "Pain diary"
    assert parsed.name == "pat@example.com" and parsed.interval == 30 and parsed.digits == 6


def test_a_right_code_turns_it_on_with_ten_recovery_codes(api):
    _, codes = turn_on(api)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)


def test_a_wrong_code_does_not_turn_it_on(app, api):
    secret = api.post("/me/totp").get_json()["secret"]
    wrong = str((int(pyotp.TOTP(secret).now()) + 1) % 1_000_000).zfill(6)
    response = api.post("/me/totp/confirm", {"code": wrong})
    assert response.status_code == 422
    assert "code" in response.get_json()["error"]["fields"]
    _, answer = password_step(app)
    assert answer.headers["Location"] == "/"  # still one step


def test_confirming_without_starting_is_refused(api):
    response = api.post("/me/totp/confirm", {"code": "123456"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["code"]


def test_setting_up_again_while_on_is_a_conflict(api):
    turn_on(api)
    assert api.post("/me/totp").status_code == 409


def test_the_password_alone_does_not_start_a_session(app, api):
    turn_on(api)
    client, response = password_step(app)
    assert response.status_code == 303 and response.headers["Location"] == "/login/code"
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/").status_code == 302


def test_a_current_code_logs_in_and_cannot_be_used_twice(app, api):
    secret, _ = turn_on(api)
    client, _ = password_step(app)
    # The confirm used the current step: the next step's code (within the drift) logs in.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    response = send_code(client, code)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/api/v1/me").get_json()["email"] == "pat@example.com"
    replay, _ = password_step(app)
    refused = send_code(replay, code)
    assert refused.status_code == 422
    assert "was used already" in refused.get_data(as_text=True)
    assert replay.get("/api/v1/me").status_code == 401


def test_an_expired_code_is_refused(app, api):
    secret, _ = turn_on(api)
    client, _ = password_step(app)
    old = pyotp.TOTP(secret).at(time.time() - 90)
    assert send_code(client, old).status_code == 422
    assert client.get("/api/v1/me").status_code == 401


def test_a_code_from_another_secret_is_refused(app, api):
    turn_on(api)
    client, _ = password_step(app)
    assert send_code(client, pyotp.TOTP(pyotp.random_base32()).now()).status_code == 422


def test_a_recovery_code_works_once_in_any_case_and_without_the_dash(app, api):
    _, codes = turn_on(api)
    client, _ = password_step(app)
    typed = codes[3].replace("-", "").lower()
    assert send_code(client, f" {typed} ").status_code == 303
    assert client.get("/api/v1/me").status_code == 200
    again, _ = password_step(app)
    assert send_code(again, codes[3]).status_code == 422
    assert send_code(again, codes[4]).status_code == 303


def test_turning_it_off_needs_the_password(app, api):
    turn_on(api)
    wrong = api.delete("/me/totp", {"password": "not the password"})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["fields"] == {"password": "is not right"}
    assert api.delete("/me/totp", {"password": PASSWORD}).status_code == 204
    _, response = password_step(app)
    assert response.headers["Location"] == "/"


def test_the_code_step_needs_a_password_step_first(client):
    assert register(client).status_code == 303
    fresh = client.application.test_client()
    response = fresh.get("/login/code")
    assert response.status_code == 303 and response.headers["Location"] == "/login"


def test_the_account_page_sets_it_up_and_shows_the_codes_once(api):
    client = api.client
    token = page_csrf(client, "/account")
    assert client.post("/account/totp/start", data={"csrf_token": token}).status_code == 303
    page = client.get("/account/totp").get_data(as_text=True)
    assert "<svg" in page and "qr-code" in page
    secret = page.split('class="secret">')[1].split("<")[0]
    confirmed = client.post(
        "/account/totp/confirm",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": token},
    )
    assert confirmed.status_code == 200
    html = confirmed.get_data(as_text=True)
    assert html.count("<li><code>") == 10
    later = client.get("/account/totp").get_data(as_text=True)
    assert "<li><code>" not in later and "Recovery codes left: 10 of 10" in later


def test_the_code_step_is_rate_limited(database_path):
    app = make_app(database_path, RATELIMIT_ENABLED=True)
    client = app.test_client()
    assert register(client).status_code == 303
    secret, _ = turn_on(Api(client))
    browser = app.test_client()
    assert login(browser).status_code == 303
    statuses = [send_code(browser, "000000").status_code for _ in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
    assert send_code(browser, pyotp.TOTP(secret).now()).status_code == 429


@pytest.mark.parametrize("body", [{}, {"code": 123456}, {"code": None}, {"code": "12345"}])
def test_confirm_refuses_codes_that_are_not_six_digits_of_text(api, body):
    api.post("/me/totp")
    assert api.post("/me/totp/confirm", body).status_code == 422


def test_the_dashboard_recommends_two_factor_login_until_it_is_on(app):
    from helpers import register_practitioner

    client = app.test_client()
    assert register_practitioner(client).status_code == 303
    assert "data-totp-advice" in client.get("/practice").get_data(as_text=True)
    turn_on(Api(client))
    assert "data-totp-advice" not in client.get("/practice").get_data(as_text=True)
