"""Fixtures: a freshly migrated database per test, clients, and API helpers.

The suite runs on SQLite, and on PostgreSQL when ``TEST_DATABASE_URL`` names a server
(``make test`` starts a throwaway one with tests/postgres.sh): each test then gets its own
database, created from a migrated template.

Everything that is not a fixture lives in helpers.py (strategies.py and oracle.py for the
property tests); tests import from there, never from this file.
"""

import os

import pytest

# Before the first import of these modules: their asserts report values as a test's do.
pytest.register_assert_rewrite("helpers", "oracle", "strategies")

from helpers import (  # noqa: E402
    ON_POSTGRES,
    Api,
    database_copy,
    mail_settings,
    make_app,
    migrate_database,
    postgres_execute,
    postgres_url,
    push_settings,
    register,
    register_practitioner,
    smtp_server,
)

from diary.core.extensions import db  # noqa: E402


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """One database migrated to head; each test gets a copy (migrating per test is slow)."""
    if ON_POSTGRES:
        name = f"diary_template_{os.getpid()}"
        postgres_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        postgres_execute(f"CREATE DATABASE {name}")
        migrate_database(postgres_url(name))
        yield name
        postgres_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate_database(path)
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
def smtp():
    """A real SMTP server (aiosmtpd) on 127.0.0.1; yields ``(port, Mailbox)``."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def push_service():
    """The local Web Push service (bench/push_service.py): checks VAPID, decrypts messages."""
    from bench.push_service import PushService

    with PushService() as running:
        yield running


@pytest.fixture
def sending_app(database_path, push_service, smtp):
    """An app that sends: pushes to the local push service, mail to the local SMTP server.
    A module that sends reminders takes it as its ``app`` (``def app(sending_app)``)."""
    from diary.core import mailer
    from diary.services import push

    app = make_app(
        database_path,
        PUBLIC_URL="https://diary.example",
        **push_settings(push_service),
        **mail_settings(smtp[0]),
    )
    with app.app_context():
        push_service.app_public_key = push.public_key()
    yield app
    mailer.drain(app)
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


@pytest.fixture
def practitioner_api(app):
    """A signed-up, logged-in practitioner, in a separate client."""
    client = app.test_client()
    response = register_practitioner(client)
    assert response.status_code == 303, response.get_data(as_text=True)
    return Api(client)


def pytest_collection_modifyitems(items):
    """Tests marked ``after_api_tests`` run last, with every answer ``Api`` gets recorded
    (``helpers.recorded_answers``) for them to check; without them nothing is recorded."""
    last = [item for item in items if item.get_closest_marker("after_api_tests")]
    if last:
        import helpers

        helpers.recorded_answers = []
        items[:] = [item for item in items if item not in last] + last
