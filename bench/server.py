"""The server under measurement: gunicorn on a fresh SQLite database in a throwaway folder.

``Server`` migrates the database with ``flask db upgrade``, starts ``gunicorn -w N`` on a free
port of 127.0.0.1, signs patients up over HTTP and restores their diaries through
POST /api/v1/import/backup, reads the app's own timings from the gunicorn log, and deletes
everything when done. ``Settings`` is what to run, from the BENCH_* variables.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import dataset, loadgen
from .client import BenchError, Client

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PASSWORD = "bench-patient-password"  # noqa: S105 - a throwaway account on a throwaway database
DEMO_EMAIL, DEMO_PASSWORD = "demo@example.com", "sciatica-demo"
# (days, sessions) of each patient's diary; "practice": (patients, days) of the dashboard's.
DATASETS = {
    "full": {
        "one_year": (365, 40),
        "five_year": (1825, 120),
        "reminders": 10_000,
        "practice": (500, 365),
    },
    "tiny": {"one_year": (14, 3), "five_year": (30, 4), "reminders": 50, "practice": (3, 14)},
}
# The last line of a traceback: "sqlalchemy.exc.OperationalError: (sqlite3...) ...".
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*")
ACCESS_MARK = " diary.access "  # the app's one JSON line per request (diary/logs.py)


@dataclass
class Settings:
    """What to run, from the environment."""

    seconds: int = 10
    connections: int = 16
    p95_connections: int = 4
    threads: int = 2
    workers: int = 2
    warmup: int = 1
    dataset: str = "full"
    trends_requests: int = 30
    summary_requests: int = 5
    loadgen: str = "auto"
    skip_lighthouse: bool = False
    clinic: bool = True
    clinic_logins: int = 32
    postgres_url: str = ""
    results: str = str(ROOT / "bench" / "results.json")

    @classmethod
    def from_env(cls, env=os.environ):
        """Read the BENCH_* variables."""
        settings = cls(
            seconds=int(env.get("BENCH_SECONDS", 10)),
            connections=int(env.get("BENCH_CONNECTIONS", 16)),
            p95_connections=int(env.get("BENCH_P95_CONNECTIONS", 4)),
            threads=int(env.get("BENCH_THREADS", 2)),
            workers=int(env.get("BENCH_WORKERS", 2)),
            warmup=int(env.get("BENCH_WARMUP", 1)),
            dataset=env.get("BENCH_DATASET", "full"),
            trends_requests=int(env.get("BENCH_TRENDS_REQUESTS", 30)),
            summary_requests=int(env.get("BENCH_SUMMARY_REQUESTS", 5)),
            loadgen=env.get("BENCH_LOADGEN", "auto"),
            skip_lighthouse=env.get("BENCH_SKIP_LIGHTHOUSE", "") not in ("", "0", "false"),
            clinic=env.get("BENCH_CLINIC", "1") not in ("", "0", "false"),
            clinic_logins=int(env.get("BENCH_CLINIC_LOGINS", 32)),
            postgres_url=env.get("BENCH_POSTGRES_URL", ""),
            results=env.get("BENCH_RESULTS") or cls.results,
        )
        if settings.dataset not in DATASETS:
            raise SystemExit(f"BENCH_DATASET must be one of {', '.join(DATASETS)}")
        if settings.loadgen not in ("auto", "wrk", "python"):
            raise SystemExit("BENCH_LOADGEN must be auto, wrk or python")
        counts = (
            settings.seconds,
            settings.connections,
            settings.p95_connections,
            settings.threads,
            settings.workers,
            settings.clinic_logins,
        )
        if min(counts) < 1:
            raise SystemExit(
                "BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_P95_CONNECTIONS, BENCH_THREADS, "
                "BENCH_WORKERS and BENCH_CLINIC_LOGINS must be >= 1"
            )
        settings.threads = min(settings.threads, settings.connections)
        return settings


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def git_revision():
    """The commit measured, with ``-dirty`` when the tree has changes."""
    try:
        head = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


# Every rate limit, raised so that the load is never refused. The limiter stays on, as on every
# server that runs the app: its checks and headers are part of each request's cost (turned off,
# the bench measured a POST about 200 us cheaper than a user's server runs it, in-process).
RAISED_LIMITS = {
    f"FLASK_RATELIMIT_{name}": "100000000 per minute"
    for name in (
        "API_PER_IP",
        "API_PER_ACCOUNT",
        "PASSWORD_PER_ACCOUNT",
        "PASSWORD_PER_IP",
        "PASSWORD_FAILURES",
        "RESTORES",
        "LOGIN",
        "SIGNUP",
        "CONFIRM",
        "SHARE_VIEWS",
    )
}


def app_environment(database_url, **settings):
    """The app's environment: ``database_url``, a fresh key, rate limits on but raised
    (``RAISED_LIMITS``), plain HTTP, and ``settings`` (``FLASK_*`` variables)."""
    env = dict(os.environ)
    for name in ("FLASK_DEBUG", "FLASK_ENV", "FLASK_APP"):
        env.pop(name, None)
    for name in [name for name in env if name.startswith("FLASK_RATELIMIT_")]:
        env.pop(name)
    env.update(
        DATABASE_URL=database_url,
        FLASK_SECRET_KEY=secrets.token_hex(32),
        FLASK_SESSION_COOKIE_SECURE="false",
        FLASK_REMEMBER_COOKIE_SECURE="false",
        **RAISED_LIMITS,
        **settings,
    )
    return env


def flask_command(env, *args):
    """Run ``flask --app diary <args>`` in ``env``; answers its output."""
    done = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "flask", "--app", "diary", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed: {done.stderr.strip()[-1500:]}")
    return done.stdout


def migrate(database_url):
    """``flask db upgrade`` on the database at ``database_url``."""
    flask_command(app_environment(database_url), "db", "upgrade")


class Server:
    """One throwaway folder: its database, gunicorn, log and visitors.

    ``database_url`` serves another database than the folder's own SQLite file; ``settings``
    are more ``FLASK_*`` variables (``FLASK_TRENDS_CACHE_SIZE="0"``, say).
    """

    def __init__(self, settings, database_url=None, **app_settings):
        self.settings = settings
        self.folder = Path(tempfile.mkdtemp(prefix="diary-bench-"))
        self.port = None
        self.process = None
        self.log = self.folder / "gunicorn.log"
        self.clients = []
        url = database_url or f"sqlite:///{self.folder / 'bench.sqlite'}"
        self.env = app_environment(url, **app_settings)

    # The database

    def flask(self, *args):
        """Run ``flask --app diary <args>`` on the bench database."""
        return flask_command(self.env, *args)

    def migrate(self):
        """Create the bench database's tables: ``flask db upgrade``."""
        self.flask("db", "upgrade")

    # gunicorn

    def start(self):
        """Start gunicorn and wait until /healthz answers."""
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.settings.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            "diary:create_app()",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with {self.process.returncode}: {self.log_tail()}"
                )
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    pass
                probe = self.client()
                if probe.request("GET", "/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz within 60 s: {self.log_tail()}")

    def log_tail(self, size=1500):
        """The end of the server's log."""
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def log_size(self):
        """Where the server's log ends now: ``timings`` reads what follows."""
        return self.log.stat().st_size

    def stop(self):
        """Stop gunicorn (its workers stop with it)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def client(self):
        """A new visitor with its own cookies."""
        visitor = Client(HOST, self.port)
        self.clients.append(visitor)
        return visitor

    def cleanup(self):
        """Stop the server and delete the folder."""
        for visitor in self.clients:
            visitor.close()
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def settle(self):
        """Wait until the requests still queued when the load stopped have been answered.

        gunicorn's sync workers go on serving what wrk left in the listen queue; without this
        pause they would slow the next endpoint's run.
        """
        probe = self.client()
        for _ in range(3):
            probe.request("GET", "/healthz")
        time.sleep(0.5)

    def measure(self, tool, target, route, connections):
        """Warm up, then load ``target`` at ``connections``; adds the server's own view of the
        requests from its log (``route`` as the access log names it)."""
        settings = self.settings
        threads = min(settings.threads, connections)
        if settings.warmup:
            loadgen.run(tool, target, settings.warmup, connections, threads)
        offset = self.log_size()
        measured = loadgen.run(tool, target, settings.seconds, connections, threads)
        self.settle()
        measured["server"] = self.timings(offset, target.method, route)
        measured["connections"] = connections
        return measured

    def timings(self, offset, method, route):
        """The app's own times for ``method route`` (its access log from ``offset``).

        They leave out the wait for a free gunicorn worker, which the client's latencies hold.
        """
        with self.log.open("rb") as log:
            log.seek(offset)
            lines = log.read().decode("utf-8", "replace").splitlines()
        times, statuses, errors = [], {}, []
        for line in lines:
            if EXCEPTION_LINE.match(line) and line not in errors:
                errors.append(line)
            if ACCESS_MARK not in line:
                continue
            try:
                record = json.loads(line.split(ACCESS_MARK, 1)[1])
            except ValueError:
                continue
            if record.get("method") != method or record.get("route") != route:
                continue
            statuses[str(record["status"])] = statuses.get(str(record["status"]), 0) + 1
            if record.get("ms") is not None:
                times.append(record["ms"])
        return {
            "requests": len(times),
            "p50_ms": round(loadgen.percentile(times, 0.50), 2) if times else None,
            "p95_ms": round(loadgen.percentile(times, 0.95), 2) if times else None,
            "statuses": statuses,
            "tracebacks": sum("Traceback (most recent call last)" in line for line in lines),
            "exceptions": errors[:5],
        }

    # Patients

    def sign_up(self, name):
        """A new patient ``bench-<name>@example.com``, signed up over HTTP and logged in."""
        visitor = self.client()
        visitor.register(f"bench-{name}@example.com", PASSWORD, dataset.TIMEZONE)
        return visitor

    def patient(self, name, days, sessions, seed):
        """Sign up a patient over HTTP and restore ``days`` of diary, with the questionnaires
        answered along the way, through the backup import."""
        visitor = self.sign_up(name)
        entries, session_rows, first, last = dataset.diary(days, sessions, seed=seed)
        responses = dataset.questionnaires(session_rows, first, last, seed=seed)
        document = dataset.backup_document(entries, session_rows, responses=responses)
        started = time.perf_counter()
        created = visitor.post_json("/api/v1/import/backup", document, expect=200).json()
        expected = {"entries": entries, "sessions": session_rows, "responses": responses}
        if any(created[kind] != len(rows) for kind, rows in expected.items()):
            raise BenchError(f"the {name} import created {created}, expected more")
        info = {
            "entries": len(entries),
            "sessions": len(session_rows),
            "responses": len(responses),
            "from": first.isoformat(),
            "to": last.isoformat(),
            "backup_bytes": len(json.dumps(document)),
            "import_s": round(time.perf_counter() - started, 2),
        }
        return visitor, info, dataset.date_range(first, last)

    def log_in(self, email):
        """A visitor logged in as the patient ``email`` (password ``PASSWORD``)."""
        visitor = self.client()
        visitor.login(email, PASSWORD)
        return visitor

    def seed_demo(self):
        """The demo patient of ``flask seed-demo`` (Lighthouse scores their pages)."""
        self.flask("seed-demo")

    def demo(self):
        """A visitor logged in as the demo patient."""
        visitor = self.client()
        visitor.login(DEMO_EMAIL, DEMO_PASSWORD)
        return visitor
