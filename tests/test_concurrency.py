"""PRODUCT.md section 9 under real concurrency: gunicorn with two workers, sixteen writers.

One patient, sixteen threads, each with its own keep-alive connection and the patient's cookie
and CSRF token. They create entries with client ids, replay earlier ids (the same body must
answer 200, another body 409), and four of them also edit a few shared entries with If-Match
(a 412 means: read again). Transport errors and 429 are retried with backoff, as the offline
phone client does. Afterwards: no 5xx, exactly the confirmed entries stored (none lost, none
twice), every successful edit counted in the final version, and no traceback or "database is
locked" in gunicorn's log. A second test races four PUTs with the same If-Match, twenty
times: each time exactly one may win. The database is the test's own, migrated (SQLite, or
PostgreSQL when the suite runs there).
"""

import http.client
import importlib.util
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from helpers import PASSWORD, database_uri
from oracle import ENTRY_EDITABLE

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 16
EDITORS = 4  # threads 0-3 also edit the shared entries
OPERATIONS = 40  # per thread
REPLAY_SHARE = 0.25
SHARED_ENTRIES = 4
ATTEMPTS = 6
REQUEST_TIMEOUT = 30
RUN_TIMEOUT = 240
START_TIMEOUT = 60
RACE_ROUNDS = 20
RACERS = 4

def require_gunicorn():
    """Skip without gunicorn, except under CI=true, where it must be installed."""
    if importlib.util.find_spec("gunicorn") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("gunicorn is needed under CI=true (pip install -e '.[test]')")
        pytest.skip("gunicorn is not installed")


class Server:
    """A gunicorn process on 127.0.0.1 and a free port, its log in a file."""

    def __init__(self, database, log_path):
        self.log_path = log_path
        env = {
            **os.environ,
            "DATABASE_URL": database_uri(database),
            "FLASK_SECRET_KEY": secrets.token_hex(32),
            "FLASK_RATELIMIT_ENABLED": "false",
            "FLASK_SESSION_COOKIE_SECURE": "false",
            "FLASK_REMEMBER_COOKIE_SECURE": "false",
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            "127.0.0.1:0",  # the kernel picks a free port; gunicorn logs which
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "diary:create_app()",
        ]
        self.log = open(log_path, "w")  # closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.port = self._wait_until_ready()

    def _wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        port = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited ({self.process.returncode}):\n{self.output()}")
            if port is None:
                found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.output())
                port = int(found.group(1)) if found else None
            if port is not None:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status == 200:
                        return port
                except OSError:
                    pass
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer /healthz in {START_TIMEOUT} s:\n{self.output()}")

    def output(self):
        """Everything gunicorn and the app wrote so far."""
        self.log.flush()
        return Path(self.log_path).read_text(errors="replace")

    def stop(self):
        """Stop gunicorn (this process only), waiting for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.log.close()


@pytest.fixture
def server(database_path, tmp_path):
    """gunicorn on the test's own migrated database (stopped however the test ends)."""
    require_gunicorn()
    running = Server(database_path, tmp_path / "gunicorn.log")
    try:
        yield running
    finally:
        running.stop()


class Client:
    """One keep-alive connection with the patient's cookie; retries like the phone client."""

    def __init__(self, port, cookie="", csrf_token=""):
        self.port = port
        self.cookie = cookie
        self.csrf_token = csrf_token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        self.statuses = Counter()
        self.server_errors = []
        self.retries = 0

    def send(self, method, path, body=None, headers=None, form=False):
        """One request, retried on transport errors and 429: (status, headers, body, retried)."""
        headers = {"Cookie": self.cookie, **(headers or {})}
        if body is not None:
            headers["Content-Type"] = (
                "application/x-www-form-urlencoded" if form else "application/json"
            )
            body = urlencode(body) if form else json.dumps(body)
        if method not in ("GET", "HEAD") and self.csrf_token:
            headers["X-CSRFToken"] = self.csrf_token
        retried = False
        for attempt in range(ATTEMPTS):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                retried = True
                self.retries += 1
                time.sleep(0.05 * 2**attempt)
                continue
            self.statuses[response.status] += 1
            if response.status == 429 and attempt < ATTEMPTS - 1:
                self.retries += 1
                time.sleep(0.05 * 2**attempt)
                continue
            if response.status >= 500:
                self.server_errors.append((method, path, response.status, payload[:300]))
            return response.status, response, payload, retried
        raise AssertionError(f"{method} {path}: no answer after {ATTEMPTS} attempts")

    def json(self, method, path, body=None, headers=None):
        """A JSON request: (status, parsed body or None, response, retried)."""
        status, response, payload, retried = self.send(method, path, body, headers)
        parsed = json.loads(payload) if payload and payload[:1] in b"{[" else None
        return status, parsed, response, retried

    def close(self):
        """Close the connection."""
        self.connection.close()


def register_patient(port):
    """Sign up through the real form; returns the session cookie and the API's CSRF token."""
    client = Client(port)
    status, response, page, _ = client.send("GET", "/register")
    assert status == 200
    client.cookie = _session_cookie(response, client.cookie)
    form_token = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1).decode()
    form = {
        "email": "writer@example.com",
        "password": PASSWORD,
        "timezone": "Europe/London",
        "csrf_token": form_token,
    }
    status, response, _, _ = client.send("POST", "/register", form, form=True)
    assert status in (302, 303), status
    client.cookie = _session_cookie(response, client.cookie)
    status, me, response, _ = client.json("GET", "/api/v1/me")
    assert status == 200, me
    client.cookie = _session_cookie(response, client.cookie)
    client.close()
    return client.cookie, me["csrf_token"]


def _session_cookie(response, current):
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    if "session" in cookies:
        return f"session={cookies['session'].value}"
    return current


def new_entry(rng, thread, number):
    """A valid entry body with a fresh client id and a recent time."""
    recorded = datetime.now(UTC) - timedelta(minutes=rng.randrange(60 * 24 * 30))
    return {
        "id": str(uuid.uuid4()),
        "recorded_at": recorded.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pain": {"overall": rng.randrange(11), "back": rng.randrange(11), "leg": None},
        "locations": [{"region": rng.choice(["buttock", "calf", "thigh_back"]), "side": "left"}],
        "triggers": rng.sample(["sitting", "driving", "lifting", "walking"], 2),
        "notes": f"writer {thread} entry {number}",
    }


class Outcome:
    """What one writer saw."""

    def __init__(self):
        self.created = set()  # ids confirmed stored: 201, or 200 after a lost answer
        self.created_twice = []
        self.replay_mismatches = []
        self.edits = Counter()  # shared entry id -> successful changing PUTs
        self.stale = 0  # 412s: read again
        self.error = None


class ReplayPool:
    """Entries confirmed stored, with their bodies, that any writer may replay."""

    def __init__(self):
        self.lock = threading.Lock()
        self.bodies = []

    def add(self, body):
        """Offer a stored entry for replays."""
        with self.lock:
            self.bodies.append(body)

    def pick(self, rng):
        """An earlier entry's body, or None while there is none."""
        with self.lock:
            return rng.choice(self.bodies) if self.bodies else None


def write(client, thread, pool, shared_ids, outcome):
    """One writer: creates, replays and (for editors) If-Match edits."""
    rng = random.Random(f"writer-{thread}")  # a reproducible workload
    try:
        for number in range(OPERATIONS):
            if thread < EDITORS and number % 3 == 2:
                edit(client, thread, number, rng.choice(shared_ids), outcome)
                continue
            earlier = pool.pick(rng) if rng.random() < REPLAY_SHARE else None
            if earlier is not None:
                replay(client, earlier, rng, outcome)
                continue
            body = new_entry(rng, thread, number)
            status, answer, _, retried = client.json("POST", "/api/v1/entries", body)
            if status == 201 or (status == 200 and retried):
                if body["id"] in outcome.created:
                    outcome.created_twice.append(body["id"])
                outcome.created.add(body["id"])
                pool.add(body)
            elif status < 500:
                outcome.replay_mismatches.append(("new", body["id"], status, answer))
    except Exception as error:  # reported by the test, with the thread
        outcome.error = f"writer {thread}: {error!r}"
    finally:
        client.close()


def replay(client, body, rng, outcome):
    """Send an earlier entry again: the same body answers 200, another body 409."""
    same = rng.random() < 0.5
    if not same:
        body = {**body, "pain": {**body["pain"], "overall": (body["pain"]["overall"] + 1) % 11}}
    status, answer, _, _ = client.json("POST", "/api/v1/entries", body)
    expected = 200 if same else 409
    if status != expected and status < 500:
        outcome.replay_mismatches.append(("same" if same else "other", body["id"], status, answer))


def edit(client, thread, number, entry_id, outcome):
    """Read a shared entry and replace its notes with If-Match; a 412 is fine (read again)."""
    path = f"/api/v1/entries/{entry_id}"
    status, current, response, _ = client.json("GET", path)
    if status != 200:
        return
    notes = f"edited by writer {thread} at step {number}"
    body = {name: current[name] for name in ENTRY_EDITABLE} | {"notes": notes}
    headers = {"If-Match": response.getheader("ETag")}
    status, answer, _, retried = client.json("PUT", path, body, headers)
    if status == 200:
        assert answer["version"] == current["version"] + 1, (current, answer)
        outcome.edits[entry_id] += 1
    elif status == 412:
        # After a lost answer the edit may have landed before the retry found it stale.
        if retried and answer["current"]["notes"] == notes:
            outcome.edits[entry_id] += 1
        else:
            outcome.stale += 1


def race(port, cookie, csrf_token, path, bodies, headers):
    """PUT each body to ``path`` at the same moment, one connection each: the sorted statuses."""
    clients = [Client(port, cookie, csrf_token) for _ in bodies]
    start = threading.Barrier(len(bodies))
    statuses = []

    def put(client, body):
        client.connection.connect()
        start.wait(timeout=REQUEST_TIMEOUT)
        statuses.append(client.json("PUT", path, body, headers)[0])
        client.close()

    racers = [
        threading.Thread(target=put, args=pair, daemon=True)
        for pair in zip(clients, bodies, strict=True)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=RUN_TIMEOUT)
    return sorted(statuses)


def assert_clean_log(server):
    """No traceback, lock timeout or worker timeout in gunicorn's and the app's log."""
    log = server.output()
    for trouble in ("Traceback", "database is locked", "WORKER TIMEOUT", "Exception"):
        assert trouble not in log, log[-4000:]


def test_sixteen_writers_lose_and_duplicate_nothing(server):
    """16 concurrent writers with retries: 0 server errors, 0 lost and 0 duplicated entries."""
    cookie, csrf_token = register_patient(server.port)
    setup = Client(server.port, cookie, csrf_token)
    rng = random.Random("shared")  # a reproducible workload
    shared_ids = []
    for number in range(SHARED_ENTRIES):
        status, entry, _, _ = setup.json("POST", "/api/v1/entries", new_entry(rng, -1, number))
        assert status == 201, entry
        shared_ids.append(entry["id"])

    pool = ReplayPool()
    outcomes = [Outcome() for _ in range(WRITERS)]
    clients = [Client(server.port, cookie, csrf_token) for _ in range(WRITERS)]
    threads = [
        threading.Thread(
            target=write, args=(clients[n], n, pool, shared_ids, outcomes[n]), daemon=True
        )
        for n in range(WRITERS)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1, RUN_TIMEOUT - (time.monotonic() - started)))
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), f"writers still busy after {elapsed}"

    statuses = sum((client.statuses for client in clients), Counter())
    summary = (
        f"{sum(statuses.values())} answers in {elapsed:.1f} s: {dict(statuses)}, "
        f"{sum(client.retries for client in clients)} retries"
    )
    assert [o.error for o in outcomes if o.error] == [], summary
    server_errors = [error for client in clients for error in client.server_errors]
    assert server_errors == [], summary
    assert [m for o in outcomes for m in o.replay_mismatches] == [], summary
    assert [i for o in outcomes for i in o.created_twice] == [], summary

    status, listing, _, _ = setup.json("GET", "/api/v1/entries")
    assert status == 200
    stored = [entry["id"] for entry in listing["entries"]]
    created = set().union(*(outcome.created for outcome in outcomes))
    assert len(stored) == len(set(stored)), "an entry is listed twice"
    assert set(stored) - set(shared_ids) == created, summary
    assert len(stored) == len(created) + SHARED_ENTRIES, summary
    assert len(created) > WRITERS * OPERATIONS // 2, summary

    edits = sum((outcome.edits for outcome in outcomes), Counter())
    assert sum(edits.values()) > 0, summary
    versions = {}
    for entry_id in shared_ids:
        status, entry, _, _ = setup.json("GET", f"/api/v1/entries/{entry_id}")
        assert status == 200
        versions[entry_id] = entry["version"]
    setup.close()
    assert_clean_log(server)

    lost = {
        entry_id: {"version": version, "successful_edits": edits[entry_id]}
        for entry_id, version in versions.items()
        if version != 1 + edits[entry_id]
    }
    assert lost == {}, summary


def test_simultaneous_edits_with_the_same_if_match_have_one_winner(server):
    """Four PUTs with the same If-Match at once, twenty times: one 200 and three 412 each."""
    cookie, csrf_token = register_patient(server.port)
    setup = Client(server.port, cookie, csrf_token)
    status, entry, _, _ = setup.json("POST", "/api/v1/entries", new_entry(random.Random(0), 0, 0))
    assert status == 201
    path = f"/api/v1/entries/{entry['id']}"
    rounds = []
    for round_number in range(RACE_ROUNDS):
        status, current, response, _ = setup.json("GET", path)
        assert status == 200
        body = {name: current[name] for name in ENTRY_EDITABLE}
        headers = {"If-Match": response.getheader("ETag")}
        bodies = [body | {"notes": f"round {round_number} racer {n}"} for n in range(RACERS)]
        rounds.append(race(server.port, cookie, csrf_token, path, bodies, headers))
    status, final, _, _ = setup.json("GET", path)
    setup.close()
    assert_clean_log(server)
    assert rounds == [[200] + [412] * (RACERS - 1)] * RACE_ROUNDS
    assert final["version"] == 1 + RACE_ROUNDS
