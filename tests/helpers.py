"""Helpers the tests share: apps on test databases, sign-up and login, the API client, bodies.

Fixtures live in conftest.py; tests import these with ``from helpers import ...`` (pytest puts
tests/ on ``sys.path``, so tests/browser/ imports them the same way).
"""

import csv
import email
import email.policy
import io
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from diary import create_app
from diary.core.extensions import db

PASSWORD = "correct horse battery"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="checks SQLite itself")

# --- apps and databases -------------------------------------------------------------------


def database_uri(database):
    """A SQLAlchemy URL for a SQLite file path, or the URL itself."""
    text = str(database)
    return text if "://" in text else f"sqlite:///{text}"


def make_app(database, **overrides):
    """An app for tests on ``database`` (a SQLite file path or a database URL)."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_uri(database),
        "RATELIMIT_ENABLED": False,
        # The test client speaks plain HTTP; production cookies are Secure by default.
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        # Absolute links (share URLs) point here. The names the tests call the app by are
        # trusted; TRUSTED_HOSTS=None trusts PUBLIC_URL's host only, as in production.
        "PUBLIC_URL": "http://localhost",
        "TRUSTED_HOSTS": ["localhost", "127.0.0.1", "diary.example", "alias.example"],
        # A key per test app, never one written into the checkout's instance folder.
        "VAPID_PRIVATE_KEY": vapid_test_key(),
    }
    config.update(overrides)
    return create_app(config)


def postgres_execute(statement):
    """Run one statement on the PostgreSQL server, outside any transaction."""
    import psycopg

    url = make_url(TEST_DATABASE_URL).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(statement)


def postgres_url(name):
    """The URL of database ``name`` on the test PostgreSQL server."""
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


def migrate_database(database):
    """Migrate ``database`` (what ``make_app`` takes) to head."""
    app = make_app(database)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@contextmanager
def database_copy(folder, template):
    """A fresh copy of the migrated ``template``: a SQLite file in ``folder``, or a PostgreSQL
    database (dropped afterwards); yields what ``make_app`` takes."""
    if ON_POSTGRES:
        name = f"diary_test_{uuid.uuid4().hex[:16]}"
        postgres_execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        try:
            yield postgres_url(name)
        finally:
            postgres_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    path = folder / "diary.sqlite"
    shutil.copy(template, path)
    yield path


@contextmanager
def sql_statements(app):
    """The SQL statements ``app`` sends while the block runs (a list, filled as they go)."""
    sent = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def sqlite_trace(app):
    """Every statement SQLite runs for ``app`` while the block runs, as sqlite3 traces them:
    also what the app sends straight to sqlite3 (``BEGIN``, pragmas) and the commits."""
    sent = []
    with app.app_context():
        engine = db.engine

    def checkout(dbapi_connection, record, proxy):
        dbapi_connection.set_trace_callback(sent.append)

    def checkin(dbapi_connection, record):
        dbapi_connection.set_trace_callback(None)

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield sent
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)


# --- forms and the API --------------------------------------------------------------------


def page_csrf(client, path="/login"):
    """The CSRF token of the form on ``path``."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


# A list while the session includes the check of recorded answers (tests/conftest.py turns it
# on): every answer ``Api`` gets is kept, and tests/test_openapi_clients.py checks each one
# against the OpenAPI document after the other tests.
recorded_answers = None


@dataclass(frozen=True)
class RecordedAnswer:
    """One call through ``Api``: the test that made it, the request line and the whole answer."""

    test: str
    method: str
    path: str
    query: str
    status: int
    headers: tuple
    body: bytes


def answer_of(response):
    """A test client's ``response`` as a ``RecordedAnswer``."""
    request = response.request
    return RecordedAnswer(
        test=os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0],
        method=request.method,
        path=request.path,
        query=request.query_string.decode("latin-1"),
        status=response.status_code,
        headers=tuple(response.headers.items()),
        body=response.get_data(),
    )


def record_answer(response):
    """Keep ``response`` (a test client's answer) while recording is on; returns it."""
    if recorded_answers is not None:
        recorded_answers.append(answer_of(response))
    return response


class Api:
    """Calls /api/v1 as a logged-in patient, sending the CSRF header on unsafe methods."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def token(self):
        """The CSRF token from GET /api/v1/me."""
        if self._token is None:
            self._token = record_answer(self.client.get("/api/v1/me")).get_json()["csrf_token"]
        return self._token

    def call(self, method, path, json=None, headers=None, **kwargs):
        """Any request; ``json`` is sent as the body."""
        headers = dict(headers or {})
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            headers.setdefault("X-CSRFToken", self.token())
        return record_answer(
            self.client.open("/api/v1" + path, method=method, json=json, headers=headers, **kwargs)
        )

    def get(self, path, **kwargs):
        """GET."""
        return self.call("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        """POST."""
        return self.call("POST", path, json=json, **kwargs)

    def put(self, path, json=None, **kwargs):
        """PUT."""
        return self.call("PUT", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        """PATCH."""
        return self.call("PATCH", path, json=json, **kwargs)

    def delete(self, path, json=None, **kwargs):
        """DELETE."""
        return self.call("DELETE", path, json=json, **kwargs)


def register(client, email="pat@example.com", password=PASSWORD, timezone="Europe/London"):
    """Sign up through the real form (with its CSRF token)."""
    token = page_csrf(client, "/register")
    return client.post(
        "/register",
        data={"email": email, "password": password, "timezone": timezone, "csrf_token": token},
    )


def register_practitioner(
    client, email="lee@example.com", practice="Northside Acupuncture", name="Dr Sam Lee"
):
    """Sign a practitioner up through the real form."""
    token = page_csrf(client, "/register")
    return client.post(
        "/register",
        data={
            "email": email,
            "password": PASSWORD,
            "timezone": "Europe/London",
            "role": "practitioner",
            "practice": practice,
            "display_name": name,
            "csrf_token": token,
        },
    )


def connect(patient_api, practitioner_api, include_notes=False):
    """Connect the patient to the practitioner by code; the connection (care-team shape)."""
    code = practitioner_api.get("/practice/code").get_json()["code"]
    response = patient_api.post("/care-team", {"code": code, "include_notes": include_notes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def login(client, email="pat@example.com", password=PASSWORD, **extra):
    """Log in through the real form."""
    token = page_csrf(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, **extra}
    )


# --- bodies -------------------------------------------------------------------------------


def new_id():
    """A fresh client-side UUID."""
    return str(uuid.uuid4())


def entry_body(**overrides):
    """A valid entry body."""
    body = {
        "id": new_id(),
        "recorded_at": "2026-03-02T08:30:00Z",
        "pain": {"overall": 6, "back": 4, "leg": 7},
        "locations": [{"region": "buttock", "side": "left"}],
        "pain_types": ["burning"],
        "triggers": ["sitting"],
        "relievers": ["heat"],
        "medications": "Ibuprofen 400 mg",
        "sleep_quality": 5,
        "interference": 6,
        "notes": "Long drive.",
    }
    body.update(overrides)
    return body


def session_body(**overrides):
    """A valid acupuncture session body."""
    body = {
        "id": new_id(),
        "started_at": "2026-03-03T10:00:00Z",
        "practitioner": "Dr Lee",
        "techniques": ["manual", "electroacupuncture"],
        "points": "BL23, GB30",
        "pain_before": 6,
        "pain_after": 3,
        "notes": "",
    }
    body.update(overrides)
    return body


PEG_ANSWERS = {"pain": 6, "enjoyment": 5, "activity": 7}
RED_FLAGS_NO = dict.fromkeys(("saddle_numbness", "bladder", "bowel", "both_legs", "sexual"), False)


def rmdq_answers(yes=0):
    """RMDQ answers with the first ``yes`` of the 24 statements ticked."""
    return {f"q{n}": n <= yes for n in range(1, 25)}


def response_body(**overrides):
    """A valid questionnaire response body (a PEG, score 6)."""
    body = {
        "id": new_id(),
        "instrument": "peg",
        "answered_at": "2026-03-02T09:00:00Z",
        "answers": dict(PEG_ANSWERS),
    }
    body.update(overrides)
    return body


# --- exports (test_csv_export, test_fhir, test_backup, test_exports) ----------------------


def fill_diary(api):
    """Two custom words, three entries (one edited, one sparse) and two sessions."""
    assert api.post("/vocabulary/triggers", {"label": "Gardening"}).status_code == 201
    assert api.post("/vocabulary/techniques", {"label": "Gua sha"}).status_code == 201
    full = entry_body(triggers=["sitting", "gardening"])
    sparse = {
        "id": new_id(),
        "recorded_at": "2026-03-01T20:00:00Z",
        "pain": {"overall": 3},
    }
    edited = entry_body(recorded_at="2026-03-04T07:15:00Z", notes="Before the edit")
    for body in (full, sparse, edited):
        assert api.post("/entries", body).status_code == 201
    assert api.put(f"/entries/{edited['id']}", {**edited, "notes": "After"}).status_code == 200
    for body in (
        session_body(techniques=["manual", "gua_sha"]),
        session_body(started_at="2026-03-06T10:00:00Z", practitioner="", points=""),
    ):
        assert api.post("/sessions", body).status_code == 201
    responses = [
        response_body(answers={"pain": 7, "enjoyment": 6, "activity": 7}),
        response_body(
            instrument="red_flags",
            answers={**RED_FLAGS_NO, "bladder": True},
            answered_at="2026-03-02T09:01:00Z",
        ),
    ]
    for body in responses:
        assert api.post("/responses", body).status_code == 201
    return {"entries": [full, sparse, edited], "responses": responses}


def csv_rows(response):
    """The rows of a CSV download, as dicts."""
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def backup_document(entries=(), sessions=(), vocabulary=None, responses=()):
    """A backup document (format version 1) holding these records and own words."""
    return {
        "format": "pain-diary-backup",
        "version": 1,
        "exported_at": "2026-03-10T12:00:00Z",
        "profile": {"email": "pat@example.com", "display_name": "", "timezone": "UTC"},
        "vocabulary": vocabulary or {},
        "entries": list(entries),
        "sessions": list(sessions),
        "responses": list(responses),
    }


def valid_backup_document():
    """A small valid backup: two entries, two sessions, two responses and one own word."""
    return backup_document(
        [entry_body(triggers=["gardening"]), entry_body(recorded_at="2026-03-04T08:00:00Z")],
        [session_body(), session_body(started_at="2026-03-09T10:00:00Z")],
        {"triggers": [{"key": "gardening", "label": "Gardening"}]},
        [
            response_body(),
            response_body(
                instrument="rmdq", answers=rmdq_answers(9), answered_at="2026-03-04T08:05:00Z"
            ),
        ],
    )


# --- printed pages (poppler-utils: pdftotext, pdftoppm) ------------------------------------

POPPLER = {tool: shutil.which(tool) for tool in ("pdfinfo", "pdftotext", "pdftoppm")}


def require_poppler():
    """Skip (fail under CI=true) unless poppler-utils can read the printed PDFs."""
    missing = [tool for tool, path in POPPLER.items() if path is None]
    if missing:
        message = f"install poppler-utils: {', '.join(missing)} missing"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _poppler(tool, *args, data):
    done = subprocess.run(  # noqa: S603 - poppler on our own PDF bytes, no shell
        [POPPLER[tool], *args], input=data, capture_output=True, check=True
    )
    return done.stdout


def pdf_page_texts(pdf):
    """The text of each page of ``pdf`` (bytes), laid out as printed (``pdftotext -layout``)."""
    text = _poppler("pdftotext", "-layout", "-enc", "UTF-8", "-", "-", data=pdf).decode()
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_raw_text(pdf):
    """The text of ``pdf`` in the order it was drawn (``pdftotext -raw``): a table cell's lines
    follow each other, where ``-layout`` sets cells side by side line by line."""
    return _poppler("pdftotext", "-raw", "-enc", "UTF-8", "-", "-", data=pdf).decode()


def pdf_page_size(pdf):
    """The first page's size in points (width, height), as ``pdfinfo`` reports it."""
    info = _poppler("pdfinfo", "-", data=pdf).decode()
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return float(width), float(height)


def pdf_page_count(pdf):
    """How many pages ``pdf`` has, as ``pdfinfo`` reports it."""
    info = _poppler("pdfinfo", "-", data=pdf).decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def pdf_page_brightness(pdf, page=1):
    """The mean grey level (0 black - 255 white) of one printed page, rendered small."""
    image = _poppler(
        "pdftoppm", "-gray", "-r", "20", "-f", str(page), "-l", str(page), "-", data=pdf
    )
    # A binary PGM: "P5", width, height, maxval, then one byte per pixel.
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", image)
    pixels = image[header.end() :]
    return sum(pixels) / len(pixels)


@contextmanager
def serving(app):
    """``app`` served over plain HTTP in a thread while the block runs; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll keeps shutdown() quick (the default waits up to half a second per test).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


# --- a real SMTP server (aiosmtpd) -----------------------------------------------------------


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """What a local SMTP server received: each mail parsed, with its envelope recipients."""

    def __init__(self):
        self.messages = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        """aiosmtpd's hook: keep the mail."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.recipients = list(envelope.rcpt_tos)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count=1, timeout=10):
        """The first ``count`` mails, waiting up to ``timeout`` seconds for them."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.messages)} mails arrived, expected {count}"
                self._arrived.wait(left)
            return self.messages[:count]

    def to(self, address):
        """The mails sent to ``address``."""
        return [message for message in self.messages if address in message.recipients]

    @staticmethod
    def link(message, path):
        """The first absolute URL in ``message``'s text whose path starts with ``path``."""
        text = message.get_body(("plain",)).get_content()
        found = re.search(r"https?://[^/\s]+" + re.escape(path) + r"[^\s]*", text)
        assert found, f"no link to {path} in: {text}"
        return found.group(0)


@contextmanager
def smtp_server():
    """An aiosmtpd server on 127.0.0.1 while the block runs; yields ``(port, Mailbox)``."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


def mail_settings(port):
    """The app settings that send mail to the local SMTP server on ``port``."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_DEFAULT_SENDER": "Pain diary <diary@diary.example>",
    }


# --- Web Push -------------------------------------------------------------------------------


def vapid_test_key():
    """A fresh VAPID private key for a test app (base64url of the raw 32-byte scalar)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from bench.push_service import b64url

    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def push_settings(service):
    """The app settings that allow (only) the local push service ``service``."""
    return {"PUSH_ALLOWED_HOSTS": service.origin, "PUSH_TIMEOUT": 5}


def push_keys():
    """The ``keys`` of a browser's push subscription: a new P-256 public key and auth secret."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from bench.push_service import b64url

    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}
