"""Computed trends are kept per state of the patient's diary: every change shows at once, in
every worker, and nothing of one patient can reach another."""

import sqlite3
import threading

import pytest
from helpers import (
    Api,
    entry_body,
    login,
    make_app,
    page_csrf,
    register,
    session_body,
    sql_statements,
    sqlite_only,
    sqlite_trace,
)

from diary.core.extensions import db
from diary.services.trends import TrendsCache

RANGE = "/trends?from=2026-03-01&to=2026-03-10"


def entries_on(api, day):
    """The number of entries the trends show on ``day``."""
    document = api.get(RANGE).get_json()
    return next(row["entries"] for row in document["days"] if row["date"] == day)


def test_an_unchanged_diary_is_computed_once(app, api):
    api.post("/entries", entry_body())
    first = api.get(RANGE)
    with sql_statements(app) as sent:
        again = api.get(RANGE)
    assert again.get_data() == first.get_data()
    assert not [s for s in sent if "entries" in s or "acupuncture_sessions" in s]
    with sql_statements(app) as sent:
        other_range = api.get("/trends?from=2026-03-01&to=2026-03-11")
    assert other_range.status_code == 200
    assert [s for s in sent if "entries" in s]


def test_every_change_to_the_diary_shows_at_once(app, api):
    body = entry_body(recorded_at="2026-03-02T08:30:00Z")
    api.post("/entries", body)
    assert entries_on(api, "2026-03-02") == 1

    changed = {**body, "pain": {"overall": 2, "back": None, "leg": None}}
    assert api.put(f"/entries/{body['id']}", changed).status_code == 200
    assert api.get(RANGE).get_json()["days"][1]["overall"] == 2

    token = page_csrf(api.client, "/entries/new")
    form = {"csrf_token": token, "overall": "8", "recorded_at": "2026-03-02T20:00"}
    assert api.client.post("/entries/new", data=form).status_code == 303
    assert entries_on(api, "2026-03-02") == 2

    assert api.delete(f"/entries/{body['id']}").status_code == 204
    assert entries_on(api, "2026-03-02") == 1

    session = session_body(started_at="2026-03-03T10:00:00Z")
    api.post("/sessions", session)
    assert [s["id"] for s in api.get(RANGE).get_json()["sessions"]] == [session["id"]]
    moved = {**session, "started_at": "2026-03-20T10:00:00Z"}
    assert api.put(f"/sessions/{session['id']}", moved).status_code == 200
    assert api.get(RANGE).get_json()["sessions"] == []
    assert api.put(f"/sessions/{session['id']}", session).status_code == 200
    assert len(api.get(RANGE).get_json()["sessions"]) == 1
    assert api.delete(f"/sessions/{session['id']}").status_code == 204
    assert api.get(RANGE).get_json()["sessions"] == []

    backup = api.get("/export/backup.json").get_json()
    restored = entry_body(recorded_at="2026-03-05T09:00:00Z")
    backup["entries"].append(restored)
    assert api.post("/import/backup", backup).status_code == 200
    assert entries_on(api, "2026-03-05") == 1


def test_a_change_made_in_another_worker_shows_at_once(app, api, database_path):
    api.post("/entries", entry_body(recorded_at="2026-03-02T08:30:00Z"))
    assert entries_on(api, "2026-03-02") == 1  # now cached by the first worker
    second = make_app(database_path)
    try:
        client = second.test_client()
        assert login(client).status_code == 303
        Api(client).post("/entries", entry_body(recorded_at="2026-03-02T18:00:00Z"))
        assert entries_on(api, "2026-03-02") == 2
    finally:
        with second.app_context():
            db.engine.dispose()


def test_a_new_account_never_sees_a_deleted_accounts_trends(app, api):
    api.post("/entries", entry_body(recorded_at="2026-03-02T08:30:00Z"))
    assert entries_on(api, "2026-03-02") == 1
    assert api.delete("/me", {"password": "correct horse battery"}).status_code == 204
    client = app.test_client()
    assert register(client, email="next@example.com").status_code == 303
    # On SQLite the new account may well get the deleted one's row id.
    assert entries_on(Api(client), "2026-03-02") == 0


def test_the_cache_drops_the_least_recently_used():
    cache = TrendsCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)


def test_the_cache_can_be_turned_off(database_path):
    app = make_app(database_path, TRENDS_CACHE_SIZE=0)
    try:
        client = app.test_client()
        register(client)
        api = Api(client)
        api.post("/entries", entry_body())
        api.get(RANGE)
        with sql_statements(app) as sent:
            api.get(RANGE)
        assert [s for s in sent if "entries" in s]
    finally:
        with app.app_context():
            db.engine.dispose()


@sqlite_only
def test_a_write_takes_sqlites_write_lock_only_to_write(app, api):
    """The patient is read under a plain BEGIN; the entry is written under BEGIN IMMEDIATE."""
    api.token()  # its own request, before
    with sqlite_trace(app) as statements, sql_statements(app) as through_sqlalchemy:
        assert api.post("/entries", entry_body()).status_code == 201
    # The BEGINs go straight to sqlite3, not through SQLAlchemy's statement machinery.
    assert not [s for s in through_sqlalchemy if s.startswith("BEGIN")]
    sent = [" ".join(s.split()[:3]) for s in statements if not s.startswith("PRAGMA")]
    assert sent[:3] == ["BEGIN", "SELECT users.id, users.email,", "COMMIT"]
    immediate = sent.index("BEGIN IMMEDIATE")
    assert sent[immediate + 1] == "INSERT INTO entries"
    assert sent[immediate + 2].startswith("UPDATE users SET")
    assert sent[immediate + 3] == "COMMIT"


@sqlite_only
def test_a_write_waits_for_another_process_that_holds_the_write_lock(app, api, database_path):
    """Retries are short and many: the entry is saved once the other writer is done."""
    other = sqlite3.connect(database_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    releaser = threading.Timer(0.3, other.execute, ("COMMIT",))
    releaser.start()
    try:
        response = api.post("/entries", entry_body())
    finally:
        releaser.join()
        other.close()
    assert response.status_code == 201
    assert len(api.get("/entries").get_json()["entries"]) == 1


@sqlite_only
def test_a_write_lock_never_freed_fails_as_sqlalchemy_says_it(database_path, monkeypatch):
    """After the busy timeout, BEGIN IMMEDIATE raises SQLAlchemy's OperationalError."""
    from sqlalchemy.exc import OperationalError

    from diary.core import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 30)
    other = sqlite3.connect(database_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    mine = sqlite3.connect(database_path, isolation_level=None)
    try:
        with pytest.raises(OperationalError, match="locked"):
            database._begin_immediate(mine)
    finally:
        other.execute("ROLLBACK")
        other.close()
        mine.close()
