"""E-mail (PRODUCT.md section 12): address verification and password reset, through a real
SMTP server (aiosmtpd) on 127.0.0.1."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from helpers import (
    PASSWORD,
    Api,
    login,
    mail_settings,
    make_app,
    page_csrf,
    register,
    sql_statements,
)

from diary.core import mailer
from diary.core.extensions import db
from diary.models import User
from diary.services import accounts

PUBLIC = "https://diary.example"
NEW_PASSWORD = "a brand new long passphrase"


@pytest.fixture
def app(database_path, smtp):
    """The app sending mail to the test's SMTP server, links built from PUBLIC_URL."""
    port, _ = smtp
    app = make_app(database_path, PUBLIC_URL=PUBLIC, **mail_settings(port))
    yield app
    mailer.drain(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def mailbox(smtp):
    """The mails the SMTP server received."""
    return smtp[1]


def path_of(url):
    """The path of an absolute URL (the test client asks by path)."""
    return urlsplit(url).path


def form_post(client, path, **data):
    """POST a form on ``path`` with the CSRF token of that page."""
    token = page_csrf(client, path)
    return client.post(path, data={**data, "csrf_token": token})


def user_row(app, email="pat@example.com"):
    """The patient's row, read fresh."""
    with app.app_context():
        return db.session.scalar(db.select(User).where(User.email == email))


# Verification ------------------------------------------------------------------------------


def test_sign_up_mails_a_verification_link_built_from_public_url(app, client, mailbox):
    alias = "http://alias.example"  # a trusted name, but never the one in links
    html = client.get("/register", base_url=alias).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)
    response = client.post(
        "/register",
        data={"email": "pat@example.com", "password": PASSWORD, "csrf_token": token},
        base_url=alias,
    )
    assert response.status_code == 303
    (message,) = mailbox.wait_for(1)
    assert message.recipients == ["pat@example.com"]
    assert message["From"] == "Pain diary <diary@diary.example>"
    link = mailbox.link(message, "/verify-email/")
    assert link.startswith(PUBLIC + "/verify-email/")
    me = client.get("/api/v1/me", base_url=alias).get_json()
    assert me["email_verified"] is False


def test_the_link_page_verifies_only_when_its_button_is_pressed(app, api, client, mailbox):
    link = mailbox.link(mailbox.wait_for(1)[0], "/verify-email/")
    page = client.get(path_of(link))  # what a mail scanner does
    assert page.status_code == 200
    assert "Confirm my address" in page.get_data(as_text=True)
    assert api.get("/me").get_json()["email_verified"] is False
    # Opened in another browser, without a login: it still works.
    other = app.test_client()
    done = form_post(other, path_of(link))
    assert done.status_code == 303
    assert api.get("/me").get_json()["email_verified"] is True
    assert user_row(app).email_verified_at is not None


def test_a_verification_link_expires_after_seven_days(app, client, mailbox):
    with time_machine.travel("2026-03-01T10:00:00Z", tick=False):
        register(client)
        link = mailbox.link(mailbox.wait_for(1)[0], "/verify-email/")
    with time_machine.travel("2026-03-08T09:59:00Z", tick=False):
        assert client.get(path_of(link)).status_code == 200
    with time_machine.travel("2026-03-08T10:01:00Z", tick=False):
        page = client.get(path_of(link))
        assert page.status_code == 410
        assert "This link has expired." in page.get_data(as_text=True)
    assert user_row(app).email_verified_at is None


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "eyJ1IjoxLCJlIjoicGF0QGV4YW1wbGUuY29tIn0.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"],
)
def test_a_forged_verification_link_changes_nothing(app, api, client, token):
    page = client.get(f"/verify-email/{token}")
    assert page.status_code == 404
    assert "This link is not valid." in page.get_data(as_text=True)
    assert api.get("/me").get_json()["email_verified"] is False


def test_changing_the_address_unverifies_it_and_kills_old_links(app, api, client, mailbox):
    first = mailbox.link(mailbox.wait_for(1)[0], "/verify-email/")
    assert form_post(client, path_of(first)).status_code == 303
    assert api.get("/me").get_json()["email_verified"] is True
    old = first
    assert api.patch("/me", {"email": "new@example.com"}).status_code == 200  # fresh login
    me = api.get("/me").get_json()
    assert me["email"] == "new@example.com" and me["email_verified"] is False
    mailbox.wait_for(2)
    (second,) = mailbox.to("new@example.com")
    assert client.get(path_of(old)).status_code == 404  # sent to the old address
    assert form_post(client, path_of(mailbox.link(second, "/verify-email/"))).status_code == 303
    assert api.get("/me").get_json()["email_verified"] is True


def test_changing_the_address_needs_a_recent_password(app, api):
    with time_machine.travel(timedelta(minutes=16)):
        response = api.patch("/me", {"email": "new@example.com"})
        assert response.status_code == 401
        assert api.get("/me").get_json()["email"] == "pat@example.com"


def test_the_address_is_checked_like_at_sign_up(app, api, other_api):
    response = api.patch("/me", {"email": "other@example.com"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"email": "already has an account"}
    response = api.patch("/me", {"email": "not an address"})
    assert response.status_code == 422 and "email" in response.get_json()["error"]["fields"]


def test_asking_for_a_new_link_mails_one(app, api, client, mailbox):
    mailbox.wait_for(1)
    assert api.post("/me/verify-email").status_code == 202
    assert len(mailbox.wait_for(2)) == 2
    link = mailbox.link(mailbox.messages[1], "/verify-email/")
    assert form_post(client, path_of(link)).status_code == 303
    response = api.post("/me/verify-email")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_without_a_mail_server_the_app_runs_and_says_e_mail_is_off(database_path):
    app = make_app(database_path)
    client = app.test_client()
    assert register(client).status_code == 303
    api = Api(client)
    assert api.get("/me").get_json()["email_verified"] is False
    response = api.post("/me/verify-email")
    assert response.status_code == 409
    assert "E-mail is off" in response.get_json()["error"]["message"]
    assert "E-mail is off on this server" in client.get("/account").get_data(as_text=True)
    anonymous = app.test_client()
    page = anonymous.get("/password/forgot").get_data(as_text=True)
    assert "E-mail is off on this server" in page and 'name="email"' not in page
    with app.app_context():
        db.engine.dispose()


# Password reset ----------------------------------------------------------------------------


def request_reset(client, email):
    """POST /password/forgot for ``email``; the answer."""
    return form_post(client, "/password/forgot", email=email)


def reset_link(app, mailbox, email="pat@example.com"):
    """Ask for a reset of ``email`` and return the mailed link's path."""
    mailer.drain(app)
    before = len(mailbox.to(email))
    assert request_reset(app.test_client(), email).status_code == 200
    mailer.drain(app)
    mails = mailbox.to(email)
    assert len(mails) == before + 1
    return path_of(mailbox.link(mails[-1], "/password/reset/"))


def answer_text(response):
    """The page without its CSRF token (which differs per session)."""
    return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


def test_login_offers_forgot_password(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot">Forgot password?</a>' in page


def test_forgot_answers_the_same_whether_or_not_the_address_has_an_account(
    app, api, mailbox
):
    mailbox.wait_for(1)  # the sign-up's verification
    known, unknown = app.test_client(), app.test_client()
    page_csrf(known, "/password/forgot"), page_csrf(unknown, "/password/forgot")
    with sql_statements(app) as statements:
        first = request_reset(known, "pat@example.com")
        mailer.drain(app)
        known_sql = list(statements)
        second = request_reset(unknown, "nobody@example.com")
        mailer.drain(app)
        unknown_sql = statements[len(known_sql) :]
    assert first.status_code == second.status_code == 200
    assert answer_text(first) == answer_text(second)
    assert "a link to choose a new password is on its way" in answer_text(first)
    # The same work either way, and the account is looked up after the answer (in the
    # background): no query of the request tells the two apart.
    assert known_sql == unknown_sql
    mailer.drain(app)
    assert len(mailbox.to("pat@example.com")) == 2
    assert mailbox.to("nobody@example.com") == []


def test_a_reset_link_sets_the_password_once_and_logs_out_everywhere(app, api, client, mailbox):
    other_device = app.test_client()
    assert login(other_device).status_code == 303
    link = reset_link(app, mailbox)
    browser = app.test_client()
    page = browser.get(link)
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "same-origin"  # the token stays on this site
    done = form_post(browser, link, password=NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["Location"] == "/"
    # Logged in here, out everywhere else; the address is verified by the reset.
    me = Api(browser).get("/me")
    assert me.status_code == 200 and me.get_json()["email_verified"] is True
    assert Api(other_device).get("/me").status_code == 401
    assert Api(client).get("/me").status_code == 401
    assert login(app.test_client(), password=PASSWORD).status_code == 422
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 303
    # Used: a clear page, nothing changed.
    again = browser.get(link)
    assert again.status_code == 410
    assert "This link has been used already." in again.get_data(as_text=True)
    late = app.test_client()
    token = page_csrf(late, "/login")
    refused = late.post(link, data={"password": "yet another long password", "csrf_token": token})
    assert refused.status_code == 410
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 303


def test_a_reset_link_lasts_one_hour(app, api, mailbox):
    with time_machine.travel("2026-03-01T10:00:00Z", tick=False):
        link = reset_link(app, mailbox)
    browser = app.test_client()
    with time_machine.travel("2026-03-01T11:01:00Z", tick=False):
        page = browser.get(link)
    assert page.status_code == 410 and "This link has expired." in page.get_data(as_text=True)
    with time_machine.travel("2026-03-01T10:59:00Z", tick=False):
        assert form_post(browser, link, password=NEW_PASSWORD).status_code == 303


def test_a_forged_or_tampered_reset_link_changes_nothing(app, api, mailbox):
    link = reset_link(app, mailbox)
    browser = app.test_client()
    for bad in (link[:-2] + ("AA" if not link.endswith("AA") else "BB"), "/password/reset/x.y.z"):
        page = browser.get(bad)
        assert page.status_code == 404
        assert "This link is not valid." in page.get_data(as_text=True)
    assert login(app.test_client()).status_code == 303


def test_a_reset_follows_the_password_rules(app, api, mailbox):
    link = reset_link(app, mailbox)
    browser = app.test_client()
    response = form_post(browser, link, password="short")
    assert response.status_code == 422
    assert "at least 12 characters" in response.get_data(as_text=True)
    response = form_post(browser, link, password="password1234")
    assert response.status_code == 422 and "common passwords" in response.get_data(as_text=True)
    assert login(app.test_client()).status_code == 303  # unchanged
    assert form_post(browser, link, password=NEW_PASSWORD).status_code == 303


def test_two_uses_of_one_link_at_once_change_the_password_once(app, api):
    readers = []
    for _ in range(2):  # both requests read the account before either writes
        with app.app_context():
            user = db.session.scalar(db.select(User))
            db.session.expunge(user)
            readers.append(user)
    with app.app_context():
        assert accounts.reset_password(db.session.merge(readers[0]), NEW_PASSWORD) is True
    with app.app_context():
        late = db.session.merge(readers[1], load=False)
        assert accounts.reset_password(late, "another long passphrase") is False
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 303


def test_reset_requests_are_limited_per_address_and_per_ip(database_path, smtp):
    port, mailbox = smtp
    app = make_app(
        database_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_RESET_PER_EMAIL="2 per hour",
        RATELIMIT_RESET_PER_IP="4 per hour",
        **mail_settings(port),
    )
    client = app.test_client()
    answers = [request_reset(client, "pat@example.com") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert "Too many requests" in answers[-1].get_data(as_text=True)
    assert int(answers[-1].headers["Retry-After"]) > 0
    statuses = [request_reset(client, f"p{n}@example.com").status_code for n in range(3)]
    assert statuses == [200, 429, 429]  # the address's 4 per hour, the 3 above included
    mailer.drain(app)
    with app.app_context():
        db.engine.dispose()


def test_the_account_page_changes_the_address_with_the_password(app, api, client, mailbox):
    mailbox.wait_for(1)
    page = client.get("/account").get_data(as_text=True)
    assert "is <strong>not confirmed yet</strong>" in page
    token = page_csrf(client, "/account")
    wrong = client.post(
        "/account/email",
        data={"new_email": "new@example.com", "password": "wrong", "csrf_token": token},
    )
    assert wrong.status_code == 422
    done = client.post(
        "/account/email",
        data={"new_email": "new@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert done.status_code == 303
    mailbox.wait_for(2)
    assert len(mailbox.to("new@example.com")) == 1
    assert api.get("/me").get_json()["email"] == "new@example.com"
    again = client.post("/account/verify-email", data={"csrf_token": token})
    assert again.status_code == 303
    assert len(mailbox.wait_for(3)) == 3
