"""Limits that hold (issue 13): one patient never stalls the others, quotas, password budgets,
rate limits shared across routes and workers, and no password hashed under the write lock."""

import http.client
import io
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import orjson
import pytest
from helpers import (
    ON_POSTGRES,
    PASSWORD,
    Api,
    backup_document,
    database_uri,
    entry_body,
    login,
    make_app,
    new_id,
    page_csrf,
    register,
    session_body,
)

from diary.core.extensions import db
from diary.records import service as records
from diary.services import accounts

ROOT = Path(__file__).resolve().parents[1]


def _iso(instant):
    return instant.isoformat().replace("+00:00", "Z")


def _entries(count, start=datetime(2020, 1, 1, 8, tzinfo=UTC)):
    return [entry_body(recorded_at=_iso(start + timedelta(hours=2 * i))) for i in range(count)]


def _sessions(count, start=datetime(2020, 1, 1, 18, tzinfo=UTC)):
    return [session_body(started_at=_iso(start + timedelta(hours=2 * i))) for i in range(count)]


def _limited(database_path, **settings):
    """An app whose rate limits are on, with ``settings`` for the numbers."""
    return make_app(database_path, RATELIMIT_ENABLED=True, **settings)


def _patient(app, email="pat@example.com"):
    client = app.test_client()
    assert register(client, email=email).status_code == 303
    return Api(client)


# --- 1. a large restore never stalls another patient's writes -----------------------------


def test_other_patients_write_at_once_during_a_large_restore(database_path, tmp_path):
    """The largest restore allowed (20,000 entries and 20,000 sessions) checks its document
    without holding SQLite's write lock and writes in short batches: another patient's writes
    meanwhile answer 201 within a second (before: they waited for the whole restore). On
    gunicorn with two workers, as in production: one restores, the other serves the writes."""
    pytest.importorskip("gunicorn")
    most = records.MAX_PER_ACCOUNT
    body = orjson.dumps(backup_document(_entries(most), _sessions(most)))
    with gunicorn(database_path, tmp_path, workers=2, FLASK_RATELIMIT_ENABLED="false") as port:
        restorer = HttpPatient(port, "pat@example.com")
        writer = HttpPatient(port, "other@example.com")
        restored = {}

        def restore():
            restored["answer"] = restorer.request("POST", "/api/v1/import/backup", body)

        worker = threading.Thread(target=restore)
        worker.start()
        latencies = []
        time.sleep(0.3)  # the restore is reading and checking its document now
        while worker.is_alive():
            started = time.perf_counter()
            status, answer = writer.request("POST", "/api/v1/entries", orjson.dumps(entry_body()))
            latencies.append(time.perf_counter() - started)
            assert status == 201, answer
            time.sleep(0.05)
        worker.join()
    counts = {"entries": most, "sessions": most, "responses": 0, "vocabulary": 0}
    assert restored["answer"] == (200, counts)
    assert len(latencies) >= 3, "the restore was over before the other patient wrote"
    assert max(latencies) < 1.0, f"slowest write {max(latencies):.2f} s, median " + (
        f"{statistics.median(latencies):.3f} s"
    )


def test_a_restore_that_clashes_midway_takes_back_what_it_wrote(api, other_api, monkeypatch):
    """Written in batches, a restore still writes all or nothing: when another request stores
    one of its ids between two batches, the batches already written are deleted again."""
    from diary.services import backup

    monkeypatch.setattr(backup, "WRITE_BATCH", 2)
    entries = _entries(5)
    write = backup._write

    def racing_write(user, new_terms, new_rows, now):
        # Another device stores the last entry after the check, before the batches.
        assert api.post("/entries", entries[-1]).status_code == 201
        return write(user, new_terms, new_rows, now)

    monkeypatch.setattr(backup, "_write", racing_write)
    document = backup_document(entries, vocabulary={"triggers": [{"key": "yard", "label": "Yard"}]})
    response = api.post("/import/backup", document)
    assert response.status_code == 409
    assert [entry["id"] for entry in api.get("/entries").get_json()["entries"]] == [
        entries[-1]["id"]
    ]
    custom = [item for item in api.get("/vocabulary").get_json()["triggers"] if item["custom"]]
    assert custom == []


# --- 2. quotas and paging -------------------------------------------------------------------


def test_a_backup_with_more_records_than_an_account_holds_is_refused_unread(api):
    most = records.MAX_PER_ACCOUNT
    document = backup_document([{"id": new_id()}] * (most + 1))  # never checked one by one
    response = api.post("/import/backup", document)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "entries": f"holds {most + 1}; a backup holds at most {most}"
    }
    assert api.get("/entries").get_json() == {"entries": []}


def test_an_account_holds_at_most_its_quota(api, monkeypatch):
    monkeypatch.setattr(records, "MAX_PER_ACCOUNT", 3)
    kept = [entry_body(recorded_at=f"2026-03-0{day}T08:00:00Z") for day in (1, 2, 3)]
    for body in kept:
        assert api.post("/entries", body).status_code == 201
    full = api.post("/entries", entry_body(recorded_at="2026-03-04T08:00:00Z"))
    assert full.status_code == 422
    assert set(full.get_json()["error"]["fields"]) == {"entries"}
    assert api.post("/entries", kept[0]).status_code == 200, "a replay still answers"
    restore = api.post("/import/backup", backup_document(_entries(2)))
    assert restore.status_code == 422
    assert restore.get_json()["error"]["fields"] == {
        "entries": "would hold 5; an account holds at most 3"
    }
    assert len(api.get("/entries").get_json()["entries"]) == 3
    form = {
        "csrf_token": page_csrf(api.client, "/entries/new"),
        "overall": "4",
        "recorded_at": "2026-03-05T08:00",
    }
    page = api.client.post("/entries/new", data=form)
    assert page.status_code == 422 and "the most one account can hold" in page.get_data(
        as_text=True
    )


def test_restores_share_a_small_budget_per_patient(database_path):
    app = _limited(database_path, RATELIMIT_RESTORES="2 per hour")
    api = _patient(app)
    document = backup_document(_entries(1))
    assert api.post("/import/backup", document).status_code == 200
    assert api.post("/import/backup", document).status_code == 200
    upload = (io.BytesIO(orjson.dumps(document)), "backup.json")
    page = api.client.post(
        "/account/restore",
        data={"csrf_token": page_csrf(api.client, "/account"), "file": upload},
        content_type="multipart/form-data",
    )
    assert page.status_code == 429, "the page and the API count together"
    other = _patient(app, "other@example.com")
    assert other.post("/import/backup", backup_document(_entries(1))).status_code == 200


def test_a_restore_parses_its_upload_without_extra_copies(app):
    """The body is parsed from its bytes: no cached copy, no decoded text (before: three)."""
    from flask import request

    from diary.http import uploaded_document

    body = orjson.dumps({"format": "pain-diary-backup", "notes": "x" * 8_000_000})
    with app.test_request_context(
        "/api/v1/import/backup", method="POST", data=body, content_type="application/json"
    ):
        request.max_content_length = 20 * 1024 * 1024  # as security.guard_body sets it
        tracemalloc.start()
        try:
            document = uploaded_document()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(document["notes"]) == 8_000_000
    assert peak < 2.5 * len(body), f"peak {peak / len(body):.1f} times the upload"


def test_entries_come_in_pages_with_a_cursor(api):
    bodies = [entry_body(recorded_at=f"2026-03-0{day}T08:00:00Z") for day in range(1, 6)]
    twin = entry_body(recorded_at="2026-03-03T08:00:00Z")  # the same instant: ordered by id
    for body in [*bodies, twin]:
        assert api.post("/entries", body).status_code == 201
    everything = api.get("/entries").get_json()
    assert list(everything) == ["entries"], "a small diary: the contract's answer, as it was"
    expected = [entry["id"] for entry in everything["entries"]]
    seen, cursor = [], None
    for _ in range(4):
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get("/entries" + query).get_json()
        assert set(page) == {"entries", "next_cursor"}
        seen += [entry["id"] for entry in page["entries"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and cursor is None
    in_range = api.get("/entries?from=2026-03-02&to=2026-03-04&limit=1").get_json()
    assert in_range["entries"][0]["recorded_at"] == "2026-03-02T08:00:00Z"


def test_a_large_list_without_limit_stops_at_a_page(api, monkeypatch):
    from diary.api import records as listing

    monkeypatch.setattr(listing, "DEFAULT_PAGE", 2)
    for day in (1, 2, 3):
        body = entry_body(recorded_at=f"2026-03-0{day}T08:00:00Z")
        assert api.post("/entries", body).status_code == 201
    first = api.get("/entries").get_json()
    assert len(first["entries"]) == 2 and first["next_cursor"]
    rest = api.get(f"/entries?cursor={first['next_cursor']}").get_json()
    assert [entry["recorded_at"] for entry in rest["entries"]] == ["2026-03-03T08:00:00Z"]
    assert "next_cursor" not in rest


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=%C2%B2", "limit"),
        ("limit=-1", "limit"),
        ("cursor=nonsense", "cursor"),
        ("cursor=%E2%91%A4", "cursor"),
        ("cursor=MjAyNi0wMy0wMVQwODowMDowMHxub3QtYW4taWQ", "cursor"),
    ],
)
def test_bad_paging_is_a_422_naming_the_field(api, query, field):
    response = api.get(f"/sessions?{query}")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {field}


# --- 3. one password budget per account, whatever the door ---------------------------------


def _far_away(client):
    """The same client from another address (so only the account's budget can stop it)."""
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    return client


def test_password_checks_of_one_account_share_one_budget(database_path):
    """Confirm (API and page), delete (API) and log in count together, per account; before,
    the API checked passwords at 600 a minute and login counted per address only."""
    app = _limited(database_path)
    api = _patient(app)
    wrong = {"password": "not my password at all"}
    statuses = [api.post("/me/confirm", wrong).status_code for _ in range(4)]
    statuses += [api.delete("/me", wrong).status_code for _ in range(3)]
    token = page_csrf(api.client, "/confirm-password")
    statuses += [
        api.client.post("/confirm-password", data={"csrf_token": token, **wrong}).status_code
        for _ in range(3)
    ]
    assert statuses == [422] * 10
    elsewhere = _far_away(app.test_client())
    refused = login(elsewhere)  # the right password, from another address
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert api.post("/me/confirm", {"password": PASSWORD}).status_code == 429
    other = _patient(app, "other@example.com")
    _far_away(other.client)  # this address has used its budget too
    assert other.post("/me/confirm", {"password": PASSWORD}).status_code == 204


def test_unknown_addresses_get_the_same_budget(database_path):
    """An address without an account is limited like one with it: nothing leaks."""
    app = _limited(database_path)
    answers = []
    for number in range(11):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"  # a botnet, say
        answers.append(login(client, email="nobody@example.com").status_code)
    assert answers == [422] * 10 + [429]


def test_failed_passwords_back_off(database_path):
    app = _limited(
        database_path,
        RATELIMIT_PASSWORD_PER_ACCOUNT="100 per minute",
        RATELIMIT_PASSWORD_PER_IP="100 per minute",
        RATELIMIT_PASSWORD_FAILURES="3 per hour",
    )
    api = _patient(app)
    wrong = {"password": "not my password at all"}
    assert [api.post("/me/confirm", wrong).status_code for _ in range(3)] == [422] * 3
    late = api.post("/me/confirm", {"password": PASSWORD})
    assert late.status_code == 429, "even the right password waits after three failures"
    assert 3000 <= int(late.headers["Retry-After"]) <= 3600
    assert late.get_json()["error"]["code"] == "rate_limited"
    assert login(app.test_client()).status_code == 429
    other = _patient(app, "other@example.com")
    assert other.post("/me/confirm", {"password": PASSWORD}).status_code == 204


def test_password_checks_from_one_address_share_one_budget(database_path):
    app = _limited(database_path, RATELIMIT_PASSWORD_PER_IP="5 per minute")
    answers = [
        login(app.test_client(), email=f"guess{number}@example.com").status_code
        for number in range(6)
    ]
    assert answers == [422] * 5 + [429]


# --- 4. limits shared across routes (and workers) ------------------------------------------


def test_the_per_patient_api_limit_counts_every_route(database_path):
    app = _limited(database_path, RATELIMIT_API_PER_ACCOUNT="5 per minute")
    api = _patient(app)
    paths = ["/me", "/trends", "/entries", "/sessions", "/vocabulary", "/shares"]
    assert [api.get(path).status_code for path in paths] == [200] * 5 + [429]


def test_the_per_address_api_limit_counts_every_route(database_path):
    app = _limited(database_path, RATELIMIT_API_PER_IP="5 per minute")
    client = app.test_client()
    paths = ["/me", "/entries", "/trends", "/openapi.json", "/shares", "/vocabulary"]
    answers = [client.get("/api/v1" + path).status_code for path in paths]
    assert answers == [401, 401, 401, 200, 401, 429]


def _sign_up_three_times(client):
    """Three sign-ups from one address (each in a browser of its own)."""
    app = client.application
    return [
        register(app.test_client(), email=f"new{number}@example.com").status_code
        for number in range(3)
    ]


def _log_in_three_times(client):
    """Three logins with a wrong password."""
    return [login(client, password="not the password").status_code for _ in range(3)]


def _confirm_three_times(client):
    """Three confirmations of a wrong password by a logged-in patient."""
    register(client)
    token = page_csrf(client, "/confirm-password")
    return [
        client.post(
            "/confirm-password", data={"password": "not it", "csrf_token": token}
        ).status_code
        for _ in range(3)
    ]


def _open_a_report_three_times(client):
    """Three openings of a share report (an unknown token: the limit comes first)."""
    return [client.get("/s/not-a-token").status_code for _ in range(3)]


@pytest.mark.parametrize(
    ("setting", "three_tries", "first_answer"),
    [
        ("RATELIMIT_SIGNUP", _sign_up_three_times, 303),
        ("RATELIMIT_LOGIN", _log_in_three_times, 422),
        ("RATELIMIT_CONFIRM", _confirm_three_times, 422),
        ("RATELIMIT_SHARE_VIEWS", _open_a_report_three_times, 404),
    ],
)
def test_form_and_report_limits_are_settings(database_path, setting, three_tries, first_answer):
    """Every limit is a setting (a server under a load test raises them all)."""
    app = _limited(database_path, **{setting: "2 per minute"})
    answers = three_tries(app.test_client())
    assert answers[0] == first_answer and answers[2] == 429, answers


@contextmanager
def gunicorn(database_path, tmp_path, workers, **env):
    """gunicorn with ``workers`` on the test's database; yields its port once it answers."""
    log_path = tmp_path / f"gunicorn-{workers}.log"
    environment = {
        **os.environ,
        "DATABASE_URL": database_uri(database_path),
        "FLASK_SECRET_KEY": "test-secret-key",
        "FLASK_PUBLIC_URL": "http://127.0.0.1",
        "FLASK_SESSION_COOKIE_SECURE": "false",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
               "127.0.0.1:0", "--timeout", "120", "diary:create_app()"]
    with open(log_path, "w") as log:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield _wait_for(process, log_path, workers)
        finally:
            process.terminate()
            process.wait(timeout=15)


def _wait_for(process, log_path, workers):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        text = log_path.read_text(errors="replace")
        port = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if port and len(re.findall(r"Booting worker", text)) >= workers:
            if _healthy(int(port.group(1))):
                time.sleep(0.5)  # the last worker finishes loading the app
                return int(port.group(1))
        time.sleep(0.2)
    pytest.fail("gunicorn did not start:\n" + log_path.read_text(errors="replace"))


def _healthy(port):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False


class HttpPatient:
    """A patient signed up over HTTP, sending JSON with the session cookie and CSRF token."""

    def __init__(self, port, email):
        self.port, self.cookies = port, {}
        page = self._send("GET", "/register")[1].decode()
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
        form = urlencode(
            {"email": email, "password": PASSWORD, "timezone": "UTC", "csrf_token": token}
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        assert self._send("POST", "/register", form, headers)[0] == 303
        status, me = self._send("GET", "/api/v1/me")
        self.csrf_token = orjson.loads(me)["csrf_token"]

    def _send(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection.request(method, path, body=body, headers={"Cookie": cookie, **(headers or {})})
        response = connection.getresponse()
        payload = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, payload

    def request(self, method, path, body):
        """A JSON request: ``(status, parsed answer)``."""
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.csrf_token}
        status, payload = self._send(method, path, body, headers)
        return status, orjson.loads(payload) if payload else None


def test_several_workers_counting_alone_is_said_loudly(database_path, tmp_path):
    """With memory:// each gunicorn worker keeps its own counts: the app says so as it
    starts (README, Deployment: use Redis for several workers); one worker is quiet."""
    pytest.importorskip("gunicorn")
    warning = "RATE LIMITS ARE PER WORKER"
    for workers in (2, 1):
        with gunicorn(database_path, tmp_path, workers):
            pass
        said = (tmp_path / f"gunicorn-{workers}.log").read_text(errors="replace")
        assert (warning in said) == (workers > 1), said


# --- 9. no password is hashed or checked under the write lock -----------------------------


class LockSpy:
    """A password hasher that notes, at each hash or check, whether a write could go ahead."""

    def __init__(self, hasher, database_path):
        self.hasher = hasher
        self.database_path = database_path
        self.seen = []

    def _look(self):
        in_transaction = db.session().in_transaction()
        other_can_write = None
        if not ON_POSTGRES:
            other = sqlite3.connect(self.database_path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                other_can_write = True
            except sqlite3.OperationalError:
                other_can_write = False
            finally:
                other.close()
        self.seen.append((in_transaction, other_can_write))

    def verify(self, *args):
        """Check, after looking."""
        self._look()
        return self.hasher.verify(*args)

    def hash(self, *args):
        """Hash, after looking."""
        self._look()
        return self.hasher.hash(*args)

    def __getattr__(self, name):
        return getattr(self.hasher, name)


def test_no_password_is_hashed_or_checked_while_holding_the_write_lock(
    app, client, database_path, monkeypatch
):
    real_hasher = accounts._hasher
    spies = []

    def spying_hasher():
        hasher, dummy = real_hasher()
        spies.append(LockSpy(hasher, database_path))
        return spies[-1], dummy

    monkeypatch.setattr(accounts, "_hasher", spying_hasher)
    assert register(client).status_code == 303  # sign-up hashes
    api = Api(client)
    stranger = app.test_client()
    assert login(stranger, password="not the password").status_code == 422  # known address
    assert login(stranger, email="nobody@example.com").status_code == 422  # unknown address
    assert login(stranger).status_code == 303
    assert api.post("/me/confirm", {"password": "wrong wrong wrong"}).status_code == 422
    assert api.delete("/me", {"password": "wrong wrong wrong"}).status_code == 422
    seen = [look for spy in spies for look in spy.seen]
    assert len(seen) >= 6
    assert all(not in_transaction for in_transaction, _ in seen), seen
    assert all(can_write in (True, None) for _, can_write in seen), seen


def test_counting_requests_starts_no_thread_and_windows_still_end(database_path, monkeypatch):
    """memory:// counts in the request: no timer thread per few requests (limits' own storage
    starts one whenever the last has ended, 10 ms after it began), and a count still ends with
    its window; the keys nobody asks for again are swept, at most once a second."""
    from diary.core import ratestore
    from diary.core.extensions import limiter

    app = _limited(database_path, RATELIMIT_API_PER_ACCOUNT="3 per second")
    api = _patient(app)
    assert isinstance(limiter.storage, ratestore.SweptMemoryStorage)
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda t: (started.append(t), real_start(t)))
    answers = []
    for _ in range(4):
        answers.append(api.get("/me").status_code)
        time.sleep(0.02)  # the library's timer has ended: it would start another
    assert answers == [200, 200, 200, 429]
    assert started == []
    time.sleep(1.05)
    assert api.get("/me").status_code == 200  # a new window
    storage = limiter.storage
    stale = "a key nobody asks for again"
    storage.incr(stale, expiry=0.01)
    assert stale in storage.storage
    time.sleep(0.02)
    storage._next_sweep = 0  # noqa: SLF001 - as if the last sweep were a second old
    storage.incr("another key", expiry=60)
    assert stale not in storage.storage and "another key" in storage.storage
    assert started == []
