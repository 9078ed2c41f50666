"""Fixtures: a freshly migrated database per test, clients, and API helpers.

The suite runs on SQLite, and on PostgreSQL when ``TEST_DATABASE_URL`` names a server
(``make test`` starts a throwaway one with tests/postgres.sh): each test then gets its own
database, created from a migrated template.
"""

import os
import re
import shutil
import uuid
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import make_url

from diary import create_app
from diary.core.extensions import db

PASSWORD = "correct horse battery"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="checks SQLite itself")


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
    }
    config.update(overrides)
    return create_app(config)


def _postgres(statement):
    """Run one statement on the PostgreSQL server, outside any transaction."""
    import psycopg

    url = make_url(TEST_DATABASE_URL).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(statement)


def _postgres_url(name):
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


def _migrate(database):
    app = make_app(database)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """One database migrated to head; each test gets a copy (migrating per test is slow)."""
    if ON_POSTGRES:
        name = f"diary_template_{os.getpid()}"
        _postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _postgres(f"CREATE DATABASE {name}")
        _migrate(_postgres_url(name))
        yield name
        _postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    _migrate(path)
    yield path


@contextmanager
def database_copy(folder, template):
    """A fresh copy of the migrated ``template``: a SQLite file in ``folder``, or a PostgreSQL
    database (dropped afterwards); yields what ``make_app`` takes."""
    if ON_POSTGRES:
        name = f"diary_test_{uuid.uuid4().hex[:16]}"
        _postgres(f"CREATE DATABASE {name} TEMPLATE {template}")
        try:
            yield _postgres_url(name)
        finally:
            _postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    path = folder / "diary.sqlite"
    shutil.copy(template, path)
    yield path


@pytest.fixture
def database_path(tmp_path, migrated_template):
    """A fresh copy of the migrated database: a SQLite file, or a PostgreSQL URL."""
    with database_copy(tmp_path, migrated_template) as database:
        yield database


@pytest.fixture
def app(database_path):
    """The app on a fresh, migrated database, CSRF on as in production."""
    app = make_app(database_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client with its own cookie jar."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The Flask CLI runner."""
    return app.test_cli_runner()


def page_csrf(client, path="/login"):
    """The CSRF token of the form on ``path``."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


class Api:
    """Calls /api/v1 as a logged-in patient, sending the CSRF header on unsafe methods."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def token(self):
        """The CSRF token from GET /api/v1/me."""
        if self._token is None:
            self._token = self.client.get("/api/v1/me").get_json()["csrf_token"]
        return self._token

    def call(self, method, path, json=None, headers=None, **kwargs):
        """Any request; ``json`` is sent as the body."""
        headers = dict(headers or {})
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            headers.setdefault("X-CSRFToken", self.token())
        return self.client.open(
            "/api/v1" + path, method=method, json=json, headers=headers, **kwargs
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


def login(client, email="pat@example.com", password=PASSWORD, **extra):
    """Log in through the real form."""
    token = page_csrf(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, **extra}
    )


@pytest.fixture
def api(client):
    """A signed-up, logged-in patient's API helper."""
    response = register(client)
    assert response.status_code == 303, response.get_data(as_text=True)
    return Api(client)


@pytest.fixture
def other_api(app):
    """A second patient, in a separate client."""
    other = app.test_client()
    assert register(other, email="other@example.com").status_code == 303
    return Api(other)


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
