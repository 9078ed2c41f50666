"""Mails, pushes and the account pages in the patient's language (PRODUCT.md section 15).

Through a real SMTP server (aiosmtpd) and the local push service. The pseudo-locale ``en_XA``
is stored straight in the profile (the API refuses it on purpose): every message of a mail or
push written in it comes out bracketed, ``[Ŧîmé ţö lög ýöûr pàîñ. ····]``.
"""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from helpers import (
    Api,
    login,
    page_csrf,
    register,
)
from pseudo import untranslated

from diary.core import mailer
from diary.core.extensions import db
from diary.core.timeutil import utcnow
from diary.models import User
from diary.services import reminders
from diary.services.reminder_sender import send_due

PSEUDO = {"Accept-Language": "en-XA,en;q=0.5"}
BRACKETED = re.compile(r"^\[.*\]$", re.DOTALL)


@pytest.fixture
def service(push_service):
    """The local push service."""
    return push_service


@pytest.fixture
def app(sending_app):
    """The app with the local push service allowed and mail going to the local SMTP server."""
    return sending_app


@pytest.fixture
def mailbox(smtp):
    """The mails the SMTP server received."""
    return smtp[1]


def patient(app, service, email, locale=None):
    """A verified patient with one push subscription and the profile ``locale`` stored as is;
    ``(user_id, endpoint)``."""
    client = app.test_client()
    assert register(client, email=email, timezone="Europe/Berlin").status_code == 303
    subscription = service.subscription()
    assert Api(client).post("/push/subscriptions", subscription).status_code == 201
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        user.locale = locale
        user.email_verified_at = utcnow()
        db.session.commit()
        return user.id, subscription["endpoint"]


def set_locale(app, email, locale):
    """Store ``locale`` in the profile directly (``en_XA`` included)."""
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        user.locale = locale
        db.session.commit()


def add_reminder(app, user_id, **fields):
    """A log reminder at 20:00 every day by push and e-mail, made on 1 March 2026."""
    body = {"local_time": "20:00", "channels": ["push", "email"], **fields}
    with time_machine.travel("2026-03-01T00:00Z", tick=False), app.app_context():
        reminders.create(user_id, reminders.clean_reminder(body))


def text_of(mail):
    """The plain-text body of a mail."""
    return mail.get_body(("plain",)).get_content()


def prose_of(mail):
    """The body's lines without their links: what a translator wrote."""
    lines = [re.sub(r"https://\S+", "", line).strip() for line in text_of(mail).splitlines()]
    return [line for line in lines if line]


def test_a_reminder_comes_in_each_patients_language(app, service, mailbox):
    pseudo_id, pseudo_endpoint = patient(app, service, "xa@example.com", locale="en_XA")
    english_id, english_endpoint = patient(app, service, "en@example.com")
    german_id, _ = patient(app, service, "de@example.com", locale="de")
    for user_id in (pseudo_id, english_id, german_id):
        add_reminder(app, user_id)
    mailer.drain(app)
    before = len(mailbox.messages)
    with app.app_context():
        counts = send_due(datetime(2026, 3, 29, 18, 0, tzinfo=UTC))  # 20:00 in Berlin
    assert counts["pushed"] == 3 and counts["emailed"] == 3, counts

    (pseudo_push,) = service.for_endpoint(pseudo_endpoint)
    assert BRACKETED.match(pseudo_push.payload["title"])
    assert BRACKETED.match(pseudo_push.payload["body"])
    assert pseudo_push.payload["url"] == "/entries/new"
    (english_push,) = service.for_endpoint(english_endpoint)
    assert english_push.payload == {
        "title": "Pain diary",
        "body": "Time to log your pain.",
        "url": "/entries/new",
    }

    mails = {mail.recipients[0]: mail for mail in mailbox.messages[before:]}
    pseudo_mail = mails["xa@example.com"]
    assert BRACKETED.match(pseudo_mail["Subject"])
    assert pseudo_mail["Content-Language"] == "en-XA"
    assert all(BRACKETED.match(line) for line in prose_of(pseudo_mail)), text_of(pseudo_mail)
    assert "https://diary.example/unsubscribe/" in text_of(pseudo_mail)
    assert pseudo_mail["List-Unsubscribe"].startswith("<https://diary.example/unsubscribe/")

    english_mail = mails["en@example.com"]
    assert english_mail["Subject"] == "Time to log your pain"
    assert english_mail["Content-Language"] == "en"
    assert prose_of(english_mail) == [
        "Time to log your pain.",
        "Open your pain diary:",
        "You get this because you set a reminder in your pain diary. Change or stop reminders:",
        "Stop all reminder e-mails with one click:",
    ]
    assert mails["de@example.com"]["Content-Language"] == "de"


def test_the_test_push_is_in_the_language_of_the_request(app, service):
    client = app.test_client()
    register(client, timezone="Europe/Berlin")
    subscription = service.subscription()
    api = Api(client)
    assert api.post("/push/subscriptions", subscription).status_code == 201
    answer = api.post("/push/test", headers=PSEUDO)
    assert answer.status_code == 200 and answer.get_json()["delivered"] == 1
    (message,) = service.for_endpoint(subscription["endpoint"])
    assert BRACKETED.match(message.payload["body"]) and BRACKETED.match(message.payload["title"])


def reset_asked(app, email, headers):
    """Ask for a reset link for ``email`` from a browser sending ``headers``."""
    client = app.test_client()
    token = page_csrf(client, "/password/forgot")
    answer = client.post(
        "/password/forgot", data={"email": email, "csrf_token": token}, headers=headers
    )
    assert answer.status_code == 200
    mailer.drain(app)


def test_a_reset_mail_is_in_the_language_of_the_page_it_was_asked_from(app, mailbox):
    register(app.test_client())  # signed up with no browser language: no profile locale
    mailer.drain(app)
    before = len(mailbox.messages)
    reset_asked(app, "pat@example.com", PSEUDO)
    (mail,) = mailbox.messages[before:]
    assert BRACKETED.match(mail["Subject"])
    assert mail["Content-Language"] == "en-XA"
    assert all(BRACKETED.match(line) for line in prose_of(mail)), text_of(mail)
    assert mailbox.link(mail, "/password/reset/").startswith("https://diary.example/")


def test_a_reset_mail_follows_the_profile_language_first(app, mailbox):
    register(app.test_client())
    set_locale(app, "pat@example.com", "de")
    mailer.drain(app)
    before = len(mailbox.messages)
    reset_asked(app, "pat@example.com", PSEUDO)
    (mail,) = mailbox.messages[before:]
    assert mail["Content-Language"] == "de"
    assert not mail["Subject"].startswith("[")


def test_an_english_reset_mail_reads_as_before(app, mailbox):
    register(app.test_client())
    mailer.drain(app)
    before = len(mailbox.messages)
    reset_asked(app, "pat@example.com", {})
    (mail,) = mailbox.messages[before:]
    assert mail["Subject"] == "Reset your pain diary password"
    assert mail["Content-Language"] == "en"
    assert prose_of(mail) == [
        "Someone, hopefully you, asked to reset the password of your pain diary.",
        "Choose a new password here:",
        "The link works once, for 1 hour. Using it logs out every other device.",
        "If you did not ask for this, ignore this mail: your password stays as it is.",
    ]


def test_the_verification_mail_is_in_the_sign_up_pages_language(app, mailbox):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = PSEUDO["Accept-Language"]
    assert register(client).status_code == 303
    (mail,) = mailbox.wait_for(1)
    assert BRACKETED.match(mail["Subject"])
    assert all(BRACKETED.match(line) for line in prose_of(mail)), text_of(mail)
    # Sent again from the account page: the flash names the address through a placeholder.
    answer = client.post(
        "/account/verify-email", data={"csrf_token": page_csrf(client, "/account")}
    )
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "pat@example.com" in page
    assert own_text(page, ["pat@example.com"]) == []
    assert len(mailbox.wait_for(2)) == 2
    assert BRACKETED.match(mailbox.messages[1]["Subject"])


# The page frame (base.html) is another area's: only this area's text is checked here.
NAVIGATION = {"Skip to content", "Pain diary", "Log out", "Main", "Today", "Log pain", "History",
              "Trends", "Sessions", "Account"}


def own_text(html, own=()):
    """The untranslated text of ``html`` outside the page frame."""
    return [
        text
        for text in untranslated(html, own)
        if text not in NAVIGATION and not text.endswith("· Pain diary")
    ]


def pseudo_client(app):
    """A browser asking for the pseudo-locale."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = PSEUDO["Accept-Language"]
    return client


def test_errors_and_messages_of_the_account_pages_are_marked(app):
    client = pseudo_client(app)
    wrong = client.post(
        "/login",
        data={"email": "nobody@example.com", "password": "x", "csrf_token": page_csrf(client)},
    )
    assert wrong.status_code == 422 and own_text(wrong.get_data(as_text=True)) == []
    register(client)
    token = page_csrf(client, "/account")
    refused = client.post("/account/email", data={
        "new_email": "new@example.com", "password": "wrong", "csrf_token": token
    })
    assert refused.status_code == 422
    assert own_text(refused.get_data(as_text=True), ["pat@example.com", "new@example.com"]) == []
    made = client.post("/reminders", data={
        "local_time": "07:30", "kind": "check_in", "days": ["mon"], "channels": ["push"],
        "enabled": "y", "csrf_token": page_csrf(client, "/reminders"),
    })
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "07:30" in page and own_text(page) == []
    for path in ("/care-team", "/account/totp", "/account/password", "/confirm-password"):
        assert own_text(client.get(path).get_data(as_text=True), ["pat@example.com"]) == [], path


def test_the_reminders_page_names_the_weekdays_in_its_language(app):
    client = app.test_client()
    register(client)
    page = client.get("/reminders", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert ">Mo.</label>" in page and ">So.</label>" in page
    assert ">Mon</label>" in client.get("/reminders").get_data(as_text=True)


def test_the_reminders_page_at_its_limit_is_marked(app):
    client = pseudo_client(app)
    register(client)
    token = page_csrf(client, "/reminders")
    for hour in range(reminders.MAX_REMINDERS):
        form = {"local_time": f"0{hour}:00", "days": ["mon"], "channels": ["push"]}
        assert client.post("/reminders", data={**form, "csrf_token": token}).status_code == 303
    page = client.get("/reminders").get_data(as_text=True)
    assert "the most there can be" not in page and own_text(page) == []
    english = app.test_client()
    login(english)
    assert "You have 6 reminders, the most there can be." in english.get(
        "/reminders"
    ).get_data(as_text=True)
