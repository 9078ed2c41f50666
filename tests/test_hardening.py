"""Hardening, round two (issue 13): redirects, logs, form numbers, session lifetimes, absolute
links, security events, CSV cells and id clashes."""

import csv
import io
import json
import logging
import re
import time
from urllib.parse import quote

import pytest
from helpers import (
    PASSWORD,
    Api,
    backup_document,
    entry_body,
    login,
    make_app,
    page_csrf,
    register,
)
from sqlalchemy import text

from diary.core.extensions import db
from diary.core.logs import pseudonym
from diary.records import service as records

# --- 6. open redirects ---------------------------------------------------------------------

# What ``?next=`` holds once decoded; each names another site, or a way to reach one.
HOSTILE_NEXT = [
    "/\t/evil.com",
    "/\r/evil.com",
    "/\n/evil.com",
    "\t//evil.com",
    "/%09/evil.com",
    "\r\nSet-Cookie: a=b",
    "/x\r\nLocation: https://evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "\\/evil.com",
    "/%5C%5Cevil.com",
    "//evil.com",
    "///evil.com",
    "////evil.com",
    "/%2F/evil.com",
    "/%2f%2fevil.com",
    "https://evil.com",
    "http:/evil.com",
    "https:evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "@evil.com",
    "//user@evil.com",
    "/\uff0e\uff0e/evil.com",
    "\uff0f\uff0fevil\uff0ecom",
    "//evil\u3002com",
    "/ /evil.com",
]


def _assert_home(response):
    assert response.status_code == 303, response.status_code
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_redirects_away(app, target):
    register(app.test_client())
    client = app.test_client()
    token = page_csrf(client, "/login")
    response = client.post(
        "/login?next=" + quote(target, safe=""),
        data={"email": "pat@example.com", "password": PASSWORD, "csrf_token": token},
    )
    _assert_home(response)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_confirming_the_password_never_redirects_away(client, target):
    register(client)
    token = page_csrf(client, "/confirm-password")
    response = client.post(
        "/confirm-password?next=" + quote(target, safe=""),
        data={"password": PASSWORD, "csrf_token": token},
    )
    _assert_home(response)


def test_a_path_here_is_still_followed(client):
    register(client)
    token = page_csrf(client, "/confirm-password")
    response = client.post(
        "/confirm-password?next=" + quote("/trends?days=30", safe=""),
        data={"password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/trends?days=30"


# --- 7. nothing clinical in the logs; versions that cannot overflow ------------------------


def test_database_errors_carry_no_values(app):
    with app.app_context():
        with pytest.raises(Exception) as raised:  # noqa: B017 - any database error
            db.session.execute(
                text("INSERT INTO entries (id, notes) VALUES (:id, :notes)"),
                {"id": "x", "notes": "SECRET-NOTE-TEXT"},
            )
        db.session.rollback()
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(raised.value)


def test_a_database_error_in_a_request_logs_no_value(api, caplog, monkeypatch):
    """PostgreSQL quotes the failing row in its own message: the log never holds messages."""

    def failing_insert(kind, user, cleaned, now=None):
        db.session.execute(
            text("INSERT INTO entries (id, notes) VALUES (:id, :notes)"),
            {"id": cleaned["id"], "notes": cleaned["notes"]},
        )

    monkeypatch.setattr(records, "create", failing_insert)
    caplog.set_level(logging.INFO)
    assert api.post("/entries", entry_body(notes="SECRET-NOTE-TEXT")).status_code == 500
    assert "SECRET-NOTE-TEXT" not in caplog.text
    assert "IntegrityError" in caplog.text


def test_an_unexpected_error_logs_its_class_and_route_only(api, caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("invalid literal: SECRET-NOTE-TEXT")

    monkeypatch.setattr(records, "create", broken)
    caplog.set_level(logging.INFO)
    response = api.post("/entries", entry_body(notes="SECRET-NOTE-TEXT"))
    assert response.status_code == 500
    assert "SECRET-NOTE-TEXT" not in caplog.text
    [line] = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert "builtins.ValueError" in line and "POST /api/v1/entries" in line
    assert "in broken" in line, "where it happened is still told"


def test_a_restored_version_leaves_room_to_edit(api):
    entry = entry_body()
    huge = backup_document([{**entry, "version": 2**31 - 1}])
    refused = api.post("/import/backup", huge)
    assert refused.status_code == 422
    assert "entries.0.version" in refused.get_json()["error"]["fields"]
    kept = api.post("/import/backup", backup_document([{**entry, "version": 1_000_000}]))
    assert kept.status_code == 200
    edited = api.put(f"/entries/{entry['id']}", {**entry, "notes": "edited"})
    assert edited.status_code == 200 and edited.get_json()["version"] == 1_000_001


# --- 8. form numbers: ASCII digits only -----------------------------------------------------

ODD_DIGITS = ["²", "⑤", "٣"]  # superscript, circled, Arabic-Indic


@pytest.mark.parametrize("digit", ODD_DIGITS)
def test_odd_digits_in_the_log_form_are_refused(api, digit):
    form = {"csrf_token": page_csrf(api.client, "/entries/new"), "overall": digit}
    response = api.client.post("/entries/new", data=form)
    assert response.status_code == 422
    assert 'id="pain-overall-error"' in response.get_data(as_text=True)
    assert api.get("/entries").get_json()["entries"] == []


@pytest.mark.parametrize("digit", ODD_DIGITS)
def test_odd_digits_in_the_session_form_are_refused(api, digit):
    form = {
        "csrf_token": page_csrf(api.client, "/sessions/new"),
        "pain_before": digit,
        "started_at": "2026-03-03T10:00",
    }
    response = api.client.post("/sessions/new", data=form)
    assert response.status_code == 422
    assert api.get("/sessions").get_json()["sessions"] == []


@pytest.mark.parametrize("digit", ODD_DIGITS)
def test_odd_digits_in_the_share_form_are_refused(api, digit):
    form = {"csrf_token": page_csrf(api.client, "/shares"), "expires_in_days": digit}
    response = api.client.post("/shares", data=form)
    assert response.status_code == 422
    assert 'id="expires_in_days-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("digit", ODD_DIGITS)
def test_odd_digits_as_the_edit_forms_version_are_no_version(api, digit):
    entry = entry_body()
    api.post("/entries", entry)
    form = {
        "csrf_token": page_csrf(api.client, f"/entries/{entry['id']}/edit"),
        "overall": "3",
        "recorded_at": "2026-03-02T08:30",
        "version": digit,
    }
    response = api.client.post(f"/entries/{entry['id']}/edit", data=form)
    assert response.status_code in (200, 303), response.status_code
    assert api.get(f"/entries/{entry['id']}").get_json()["pain"]["overall"] == 3


# --- 10. session lifetimes -----------------------------------------------------------------


class Clock:
    """``time.time`` moved on by hand (the signed cookie and the session read it)."""

    def __init__(self, monkeypatch):
        self.offset = 0
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + self.offset)

    def advance(self, minutes=0, hours=0, days=0):
        """Move the clock on."""
        self.offset += minutes * 60 + hours * 3600 + days * 86400


def _logged_in(client):
    return client.get("/api/v1/me").status_code == 200


def test_a_browser_session_ends_after_30_idle_minutes(client, monkeypatch):
    clock = Clock(monkeypatch)
    register(client)
    cookie = client.get_cookie("session")
    assert cookie.expires is None, "a browser session: the cookie ends with the browser"
    for _ in range(3):  # used every 29 minutes: kept
        clock.advance(minutes=29)
        assert _logged_in(client)
    clock.advance(minutes=31)
    assert not _logged_in(client)
    assert client.get("/").status_code == 302, "pages ask to log in again"


def test_a_browser_session_ends_after_12_hours_however_used(client, monkeypatch):
    clock = Clock(monkeypatch)
    register(client)
    copied = client.get_cookie("session").value
    for _ in range(35):  # 11 h 40 min, used every 20 minutes
        clock.advance(minutes=20)
        assert _logged_in(client)
    clock.advance(minutes=21)
    assert not _logged_in(client)
    thief = client.application.test_client()
    thief.set_cookie("session", copied)
    assert not _logged_in(thief), "a copy of the cookie dies with it"


def test_keep_me_signed_in_lasts_30_days(app, monkeypatch):
    clock = Clock(monkeypatch)
    register(app.test_client())
    client = app.test_client()
    assert login(client, remember="y").status_code == 303
    assert client.get_cookie("session").expires is not None
    clock.advance(hours=13)
    assert _logged_in(client), "no idle or 12-hour limit"
    clock.advance(days=29)
    assert _logged_in(client)
    clock.advance(hours=12)
    assert not _logged_in(client)


def test_a_session_without_lifetimes_is_not_accepted(app, client):
    """A cookie signed before lifetimes existed (or forged without them) logs nobody in."""
    register(client)
    with client.session_transaction() as session:
        del session["login_at"]
    assert not _logged_in(client)


# --- 11. absolute links from PUBLIC_URL, never from the Host header ------------------------


def test_share_urls_ignore_the_host_header(api):
    alias = "http://alias.example"  # a name the site also answers to (helpers.make_app)
    api.token()  # the session holds its CSRF secret before it is copied to the other name
    api.client.set_cookie("session", api.client.get_cookie("session").value, domain="alias.example")
    created = api.post("/shares", {"label": "Physio"}, base_url=alias)
    assert created.status_code == 201
    assert created.get_json()["url"] == "http://localhost/s/" + created.get_json()["token"]
    form = {"csrf_token": page_csrf(api.client, "/shares"), "label": "GP"}
    page = api.client.post("/shares", data=form, base_url=alias)
    html = api.client.get(page.headers["Location"], base_url=alias).get_data(as_text=True)
    assert "alias.example" not in html
    assert re.search(r'value="http://localhost/s/[^"]+"', html)


def test_only_the_public_hosts_name_is_trusted(database_path):
    app = make_app(database_path, PUBLIC_URL="https://diary.example.org/", TRUSTED_HOSTS=None)
    assert app.config["PUBLIC_URL"] == "https://diary.example.org"
    client = app.test_client()
    assert client.get("/login", base_url="https://diary.example.org").status_code == 200
    assert client.get("/login", base_url="http://evil.example").status_code == 400


@pytest.mark.parametrize(
    "url", ["diary.example.org", "ftp://diary.example.org", "https://diary.example.org/app"]
)
def test_a_public_url_must_be_an_origin(database_path, url):
    with pytest.raises(RuntimeError, match="FLASK_PUBLIC_URL"):
        make_app(database_path, PUBLIC_URL=url)


def test_make_run_sets_the_public_url():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "FLASK_PUBLIC_URL=http://127.0.0.1:5000" in run


# --- 12. security events, with a pseudonymous account --------------------------------------


def _events(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "diary.security"]


def test_security_events_name_the_account_by_pseudonym(app, client, caplog):
    caplog.set_level(logging.INFO)
    register(client)
    api = Api(client)
    with app.app_context():
        account = pseudonym(1)
    assert len(account) == 16 and account != pseudonym_of_other(app)
    stranger = app.test_client()
    login(stranger, password="not the password")
    login(stranger)
    api.get("/export/entries.csv")
    api.post("/shares", {"label": "Physio"})
    api.post("/import/backup", backup_document([entry_body()]))
    token = page_csrf(client, "/account/password")
    client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    Api(client).delete("/me", {"password": "a brand new passphrase"})  # a new CSRF token
    events = {event["event"]: event for event in _events(caplog)}
    for name in (
        "signed_up",
        "login_failed",
        "login",
        "export",
        "share_created",
        "restore",
        "password_changed",
        "account_deleted",
    ):
        assert events[name]["account"] == account, name
        assert events[name]["route"].startswith("/"), name
    assert events["export"]["format"] == "csv"
    assert events["restore"]["entries"] == 1
    for secret in ("pat@example.com", PASSWORD, "a brand new passphrase", "Physio"):
        assert secret not in caplog.text


def pseudonym_of_other(app):
    """Another account's pseudonym, to show they differ."""
    with app.app_context():
        return pseudonym(2)


def test_an_unknown_address_fails_without_an_account(app, caplog):
    caplog.set_level(logging.INFO)
    login(app.test_client(), email="nobody@example.com")
    [event] = [event for event in _events(caplog) if event["event"] == "login_failed"]
    assert "account" not in event and "nobody" not in caplog.text


# --- 13. CSV cells and id clashes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("notes", "cell"),
    [
        ("a;=1+1", "a;=1+1"),
        ("\u200b=1+1", "'\u200b=1+1"),
        ("\ufeff=HYPERLINK(1)", "'\ufeff=HYPERLINK(1)"),
        ("\u200b\u200d+1", "'\u200b\u200d+1"),
        ("\u200bplain", "\u200bplain"),
    ],
)
def test_csv_quotes_every_text_cell_and_defuses_behind_invisible_marks(api, notes, cell):
    api.post("/entries", entry_body(notes=notes, medications="", pain={"overall": 5}))
    raw = api.get("/export/entries.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert row["notes"] == cell
    assert '"' + cell.replace('"', '""') + '"' in raw, "the text cell is quoted"
    assert ',5,""' in raw or ",5," in raw, "numbers stay numbers"


def test_a_restore_naming_another_patients_id_is_told_only_that_it_is_taken(api, other_api):
    entry = entry_body()
    assert other_api.post("/entries", entry).status_code == 201
    response = api.post("/import/backup", backup_document([entry]))
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {"entries.0.id": "is taken"}
    assert "diary" not in json.dumps(response.get_json()["error"]["fields"])
    direct = api.post("/entries", entry)
    assert direct.status_code == 409
    assert direct.get_json()["error"]["fields"] == {"id": "is taken"}
