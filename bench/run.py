"""``make bench``: measure the targets of PRODUCT.md section 9 on a real gunicorn server.

Run from the project root: ``.venv/bin/python -m bench.run`` (``make bench`` installs what it
needs first). Everything happens in a throwaway folder: a fresh SQLite database migrated with
``flask db upgrade``, ``gunicorn -w 2`` on a free port of 127.0.0.1, two patients signed up over
HTTP (one year and five years of diary, restored through POST /api/v1/import/backup), then:

- wrk (or a Python fallback) at 16 connections on /healthz, POST /api/v1/entries, the 1-year
  trends, the log page and a share report: requests/s, p50, p95, ratio to /healthz;
- the median of sequential 5-year trends requests;
- the log page's own HTML+CSS+JS bytes, and where Chart.js loads (and whether deferred);
- Lighthouse (mobile) on /login, /entries/new and /trends of the demo patient.

It prints one table and writes ``bench/results.json``. It exits 0 when it measured, whatever the
figures (a MISS is a result), and non-zero only when the tooling itself failed.

Settings (environment): BENCH_SECONDS (10) per load run, BENCH_CONNECTIONS (16),
BENCH_THREADS (2), BENCH_WORKERS (2), BENCH_WARMUP (1 s of load before each run),
BENCH_DATASET (``full``; ``tiny`` for the smoke test), BENCH_TRENDS_REQUESTS (30),
BENCH_LOADGEN (``auto``, ``wrk`` or ``python``), BENCH_SKIP_LIGHTHOUSE (``1`` skips it),
BENCH_RESULTS (``bench/results.json``).
"""

import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from . import cdn, dataset, lighthouse, loadgen, pages
from .client import BenchError, Client

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PASSWORD = "bench-patient-password"  # noqa: S105 - a throwaway account on a throwaway database
DEMO_EMAIL, DEMO_PASSWORD = "demo@example.com", "sciatica-demo"
# (days, sessions) of each patient's diary.
DATASETS = {
    "full": {"one_year": (365, 40), "five_year": (1825, 120)},
    "tiny": {"one_year": (14, 3), "five_year": (30, 4)},
}
LOG_PAGE_LIMIT = 40_000  # bytes: "40 KB", read strictly (40 x 1000)
LIGHTHOUSE_PAGES = ("/login", "/entries/new", "/trends")
# The endpoints under load: shown in this order; POST runs last so its new entries cannot change
# what the read endpoints measure.
ENDPOINTS = ("healthz", "post_entry", "trends_1y", "entries_new", "share_report")
RUN_ORDER = ("healthz", "trends_1y", "entries_new", "share_report", "post_entry")
# The last line of a traceback: "sqlalchemy.exc.OperationalError: (sqlite3...) ...".
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*")
ACCESS_MARK = " diary.access "  # the app's one JSON line per request (diary/logs.py)
CHART_PAGES = ("/", "/trends", "/s/<token>")
PLAIN_PAGES = ("/entries/new", "/entries", "/sessions", "/shares", "/account")


@dataclass
class Settings:
    """What to run, from the environment."""

    seconds: int = 10
    connections: int = 16
    threads: int = 2
    workers: int = 2
    warmup: int = 1
    dataset: str = "full"
    trends_requests: int = 30
    loadgen: str = "auto"
    skip_lighthouse: bool = False
    results: str = str(ROOT / "bench" / "results.json")

    @classmethod
    def from_env(cls, env=os.environ):
        """Read the BENCH_* variables."""
        settings = cls(
            seconds=int(env.get("BENCH_SECONDS", 10)),
            connections=int(env.get("BENCH_CONNECTIONS", 16)),
            threads=int(env.get("BENCH_THREADS", 2)),
            workers=int(env.get("BENCH_WORKERS", 2)),
            warmup=int(env.get("BENCH_WARMUP", 1)),
            dataset=env.get("BENCH_DATASET", "full"),
            trends_requests=int(env.get("BENCH_TRENDS_REQUESTS", 30)),
            loadgen=env.get("BENCH_LOADGEN", "auto"),
            skip_lighthouse=env.get("BENCH_SKIP_LIGHTHOUSE", "") not in ("", "0", "false"),
            results=env.get("BENCH_RESULTS") or cls.results,
        )
        if settings.dataset not in DATASETS:
            raise SystemExit(f"BENCH_DATASET must be one of {', '.join(DATASETS)}")
        if settings.loadgen not in ("auto", "wrk", "python"):
            raise SystemExit("BENCH_LOADGEN must be auto, wrk or python")
        if min(settings.seconds, settings.connections, settings.threads, settings.workers) < 1:
            raise SystemExit(
                "BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_THREADS and BENCH_WORKERS must be >= 1"
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


class Bench:
    """One measurement run: its folder, server, patients and results."""

    def __init__(self, settings):
        self.settings = settings
        self.folder = Path(tempfile.mkdtemp(prefix="diary-bench-"))
        self.port = None
        self.server = None
        self.server_log = self.folder / "gunicorn.log"
        self.clients = []
        self.env = self._environment()

    def _environment(self):
        env = dict(os.environ)
        for name in ("FLASK_DEBUG", "FLASK_ENV", "FLASK_APP"):
            env.pop(name, None)
        env.update(
            DATABASE_URL=f"sqlite:///{self.folder / 'bench.sqlite'}",
            FLASK_SECRET_KEY=secrets.token_hex(32),
            FLASK_RATELIMIT_ENABLED="false",
            FLASK_SESSION_COOKIE_SECURE="false",
            FLASK_REMEMBER_COOKIE_SECURE="false",
        )
        return env

    # The server

    def flask(self, *args):
        """Run ``flask --app diary <args>`` on the bench database."""
        done = subprocess.run(  # noqa: S603 - our own command line
            [sys.executable, "-m", "flask", "--app", "diary", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"flask {' '.join(args)} failed: {done.stderr.strip()[-1500:]}")
        return done.stdout

    def start_server(self):
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
        with self.server_log.open("wb") as log:
            self.server = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with {self.server.returncode}: {self.log_tail()}"
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
            return self.server_log.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def stop_server(self):
        """Stop gunicorn (its workers stop with it)."""
        if self.server is None or self.server.poll() is not None:
            return
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=5)

    def client(self):
        """A new visitor with its own cookies."""
        visitor = Client(HOST, self.port)
        self.clients.append(visitor)
        return visitor

    def cleanup(self):
        """Stop the server and delete the folder."""
        for visitor in self.clients:
            visitor.close()
        self.stop_server()
        shutil.rmtree(self.folder, ignore_errors=True)

    # Data

    def patient(self, name, days, sessions, seed):
        """Sign up a patient over HTTP and restore ``days`` of diary through the backup import."""
        visitor = self.client()
        visitor.register(f"bench-{name}@example.com", PASSWORD, dataset.TIMEZONE)
        entries, session_rows, first, last = dataset.diary(days, sessions, seed=seed)
        document = dataset.backup_document(entries, session_rows)
        started = time.perf_counter()
        created = visitor.post_json("/api/v1/import/backup", document, expect=200).json()
        if created["entries"] != len(entries) or created["sessions"] != len(session_rows):
            raise BenchError(f"the {name} import created {created}, expected more")
        info = {
            "entries": len(entries),
            "sessions": len(session_rows),
            "from": first.isoformat(),
            "to": last.isoformat(),
            "backup_bytes": len(json.dumps(document)),
            "import_s": round(time.perf_counter() - started, 2),
        }
        return visitor, info, dataset.date_range(first, last)

    # Measurements

    def targets(self, one_year, one_year_range, share_token, writer):
        """The load targets by name: (label, loadgen.Target, expected status, logged route).

        ``writer`` is a patient of its own, so the entries the POST load adds change neither
        the 1-year patient's trends nor the later measurements.
        """
        cookie = {"Cookie": one_year.cookie_header()}
        token = writer.csrf_token()  # first: asking for it puts it in the session cookie
        api_headers = {"Cookie": writer.cookie_header(), "X-CSRFToken": token}
        rng = random.Random(7)  # noqa: S311 - test data, not secrets

        def new_entry():
            return json.dumps(dataset.entry_body(rng)).encode()

        def target(path, headers=None, entry_body=None):
            method = "POST" if entry_body else "GET"
            return loadgen.Target(HOST, self.port, path, method, headers, entry_body)

        return {
            "healthz": ("GET /healthz", target("/healthz"), 200, "/healthz"),
            "post_entry": (
                "POST /api/v1/entries",
                target(
                    "/api/v1/entries",
                    {**api_headers, "Content-Type": "application/json"},
                    new_entry,
                ),
                201,
                "/api/v1/entries",
            ),
            "trends_1y": (
                "GET /api/v1/trends (1 year)",
                target(f"/api/v1/trends?{one_year_range}", cookie),
                200,
                "/api/v1/trends",
            ),
            "entries_new": (
                "GET /entries/new",
                target("/entries/new", cookie),
                200,
                "/entries/new",
            ),
            "share_report": ("GET /s/<token>", target(f"/s/{share_token}"), 200, "/s/<token>"),
        }

    def preflight(self, target, expected):
        """One request as the load will send it: the status must be the expected one.

        wrk counts only answers >= 400 as errors, so a redirect to the login page would
        otherwise pass for a fast success.
        """
        probe = self.client()
        body = target.entry_body() if target.entry_body else None
        response = probe.request(target.method, target.path, body, target.headers)
        if response.status != expected:
            raise BenchError(
                f"{target.method} {target.path.split('?')[0]} answered {response.status}, "
                f"expected {expected}: {response.body[:200]!r}"
            )

    def load(self, tool, target, route):
        """Warm up, then measure one endpoint; adds the server's own view from its log."""
        settings = self.settings
        if settings.warmup:
            loadgen.run(tool, target, settings.warmup, settings.connections, settings.threads)
        offset = self.server_log.stat().st_size
        measured = loadgen.run(
            tool, target, settings.seconds, settings.connections, settings.threads
        )
        self.settle()
        measured["server"] = self.server_timings(offset, target.method, route)
        return measured

    def settle(self):
        """Wait until the requests still queued when the load stopped have been answered.

        gunicorn's sync workers go on serving what wrk left in the listen queue; without this
        pause they would slow the next endpoint's run.
        """
        probe = self.client()
        for _ in range(3):
            probe.request("GET", "/healthz")
        time.sleep(0.5)

    def server_timings(self, offset, method, route):
        """The app's own times for ``method route`` (its access log from ``offset``).

        They leave out the wait for a free gunicorn worker, which the client's latencies hold.
        """
        with self.server_log.open("rb") as log:
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

    def sequential(self, visitor, path, count):
        """``count`` requests one after another (after 3 warm-ups): latency statistics in ms.

        ``path`` is a path, or a function of the request's number giving a path.
        """
        path_of = path if callable(path) else (lambda number: path)
        for number in range(count, count + 3):
            visitor.get(path_of(number))
        times = [visitor.get(path_of(number)).elapsed * 1000 for number in range(count)]
        return {
            "requests": count,
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(loadgen.percentile(times, 0.95), 2),
            "min_ms": round(min(times), 2),
            "max_ms": round(max(times), 2),
        }

    def lighthouse(self):
        """Scores of the demo patient's pages; ``status`` says why there are none."""
        reason = lighthouse.unavailable_reason()
        if reason:
            return {"status": "failed", "reason": reason, "pages": {}}
        report = {"status": "ok", "reason": None, "pages": {}}
        try:
            self.flask("seed-demo")
            report["version"] = lighthouse.install()
        except (BenchError, lighthouse.LighthouseError, subprocess.TimeoutExpired) as error:
            return {"status": "failed", "reason": str(error), "pages": {}}
        demo = self.client()
        demo.login(DEMO_EMAIL, DEMO_PASSWORD)
        headers = {"Cookie": demo.cookie_header()}
        missing = cdn.missing_files()
        with cdn.CdnServer(self.folder) as stand_in:
            for path in LIGHTHOUSE_PAGES:
                if path == "/trends" and missing:
                    report["pages"][path] = {
                        "error": "Chart.js is not in .cache/npm (run `make npm-assets`): "
                        + ", ".join(missing)
                    }
                    continue
                out = self.folder / f"lighthouse{path.replace('/', '-')}.json"
                url = f"http://{HOST}:{self.port}{path}"
                try:
                    page = lighthouse.run(
                        url,
                        out,
                        cdn_port=stand_in.port,
                        headers=None if path == "/login" else headers,
                    )
                except lighthouse.LighthouseError as error:
                    page = {"error": str(error)}
                report["pages"][path] = page
                wrong = lighthouse_problem(path, url, page)
                if wrong:
                    page["error"] = wrong
        failed = [path for path, page in report["pages"].items() if "error" in page]
        if failed:
            report["status"] = "failed" if len(failed) == len(LIGHTHOUSE_PAGES) else "partial"
            report["reason"] = "; ".join(f"{p}: {report['pages'][p]['error']}" for p in failed)
        return report

    def run(self, results):
        """Every measurement, filling ``results`` as it goes."""
        settings = self.settings
        tool = loadgen.tool_name(settings.loadgen)
        results["config"]["loadgen"] = tool
        if tool == "python":
            results["problems"].append(
                "wrk is not installed: the Python load generator (threads + http.client, "
                "keep-alive) was used; its rates are lower and less exact than wrk's"
            )
        if (ROOT / "instance" / "config.py").exists():
            results["problems"].append(
                "instance/config.py exists and was read by the benchmarked app"
            )
        self.flask("db", "upgrade")
        self.start_server()

        sizes = DATASETS[settings.dataset]
        one_year, info_1y, range_1y = self.patient("one-year", *sizes["one_year"], seed=1)
        five_year, info_5y, range_5y = self.patient("five-year", *sizes["five_year"], seed=5)
        results["dataset"] = {"one_year": info_1y, "five_year": info_5y}
        share = one_year.post_json(
            "/api/v1/shares", {"label": "Bench", "include_notes": True}, expect=201
        ).json()

        results["pages"] = self.page_checks(one_year, share["token"])

        writer = self.client()
        writer.register("bench-writer@example.com", PASSWORD, dataset.TIMEZONE)
        targets = self.targets(one_year, range_1y, share["token"], writer)
        for name in RUN_ORDER:
            label, target, expected, route = targets[name]
            self.preflight(target, expected)
            measured = self.load(tool, target, route)
            measured.update(label=label, path=target.path.split("?")[0], tool=tool)
            results["endpoints"][name] = measured
            server = measured["server"]
            failed = sum(n for status, n in server["statuses"].items() if int(status) >= 500)
            if failed:
                results["problems"].append(
                    f"{label}: the app answered {failed} requests with a 5xx under load: "
                    + (" | ".join(server["exceptions"]) or "see the gunicorn log")
                )
        baseline = results["endpoints"]["healthz"]["requests_per_s"]
        for measured in results["endpoints"].values():
            ratio = measured["requests_per_s"] / baseline if baseline else None
            measured["ratio_to_healthz"] = None if ratio is None else round(ratio, 3)

        count = settings.trends_requests
        results["trends_sequential"] = {
            # Computed every time: each request asks a range no request asked before (the whole
            # diary and `number` empty days after it), so the server's trends cache never has it.
            "five_year_cold": self.sequential(five_year, uncached(info_5y), count),
            "one_year_cold": self.sequential(one_year, uncached(info_1y), count),
            # The same range again and again: the cached document after the first request.
            "five_year": self.sequential(five_year, f"/api/v1/trends?{range_5y}", count),
            # The default 90 days still reads the whole history (progress needs the baseline).
            "five_year_default_range": self.sequential(five_year, "/api/v1/trends", count),
            "one_year": self.sequential(one_year, f"/api/v1/trends?{range_1y}", count),
        }
        if settings.skip_lighthouse:
            results["lighthouse"] = {
                "status": "skipped",
                "reason": "BENCH_SKIP_LIGHTHOUSE is set",
                "pages": {},
            }
        else:
            results["lighthouse"] = self.lighthouse()

    def page_checks(self, visitor, share_token):
        """The log page's weight, and Chart.js on chart pages only, deferred."""
        checks = {"log_page": pages.page_weight(visitor, "/entries/new"), "chart_js": {}}
        for path in (*PLAIN_PAGES, *CHART_PAGES):
            real = path.replace("<token>", share_token)
            checks["chart_js"][path] = pages.chart_scripts(visitor.get(real).text)
        return checks


def uncached(info):
    """Request number -> a trends path over the patient's whole diary plus that many days."""
    first, last = date.fromisoformat(info["from"]), date.fromisoformat(info["to"])
    return lambda number: (
        f"/api/v1/trends?{dataset.date_range(first, last + timedelta(days=number))}"
    )


def lighthouse_problem(path, url, page):
    """Why a page's scores would not be the page's (a redirect, Chart.js not loaded), or None."""
    if "error" in page:
        return None
    if page.get("final_url") != url:
        return f"Lighthouse ended on {page.get('final_url')}, not {url} (logged out?)"
    if path == "/trends":
        loaded = [item for item in page["cdn_requests"] if item["status"] == 200]
        if len(loaded) < len(pages.CHART_SCRIPTS):
            return f"Chart.js did not load from the local jsDelivr: {page['cdn_requests']}"
    return None


def evaluate(results):
    """PASS or MISS for each target of PRODUCT.md section 9 (SKIP when not asked for)."""
    endpoints = results.get("endpoints", {})
    targets = []

    def add(key, description, value, limit, passed, reason=None, status=None):
        if status is None:
            status = "PASS" if passed else "MISS"
        targets.append(
            {
                "id": key,
                "target": description,
                "value": value,
                "limit": limit,
                "status": status,
                "reason": reason,
            }
        )

    def errors_of(name):
        errors = endpoints.get(name, {}).get("errors") or {}
        return sum(errors.values())

    for key, name, limit in (
        ("post_entry_ratio", "post_entry", 0.20),
        ("trends_1y_ratio", "trends_1y", 0.10),
    ):
        measured = endpoints.get(name)
        description = f"{name} throughput / healthz >= {limit}"
        if not measured or measured.get("ratio_to_healthz") is None:
            add(key, description, None, limit, False, "not measured")
            continue
        failures = errors_of(name) + errors_of("healthz")
        reason = f"{failures} failed requests during the runs" if failures else None
        ratio = measured["ratio_to_healthz"]
        add(key, description, ratio, limit, ratio >= limit and not failures, reason)

    post = endpoints.get("post_entry")
    connections = results["config"]["connections"]
    description = f"POST /api/v1/entries p95 <= 25 ms at {connections} connections"
    if post:
        failures = errors_of("post_entry")
        reason = f"{failures} failed requests" if failures else None
        add("post_entry_p95", description, post["p95_ms"], 25, post["p95_ms"] <= 25, reason)
    else:
        add("post_entry_p95", description, None, 25, False, "not measured")

    five = results.get("trends_sequential", {}).get("five_year_cold")
    description = "GET /api/v1/trends over 5 years, computed (not cached): median <= 40 ms"
    if five:
        add("trends_5y_median", description, five["median_ms"], 40, five["median_ms"] <= 40)
    else:
        add("trends_5y_median", description, None, 40, False, "not measured")

    page_checks = results.get("pages") or {}
    log_page = page_checks.get("log_page")
    description = f"log page's own HTML+CSS+JS <= {LOG_PAGE_LIMIT:,} bytes"
    if log_page:
        size = log_page["total_bytes"]
        add("log_page_weight", description, size, LOG_PAGE_LIMIT, size <= LOG_PAGE_LIMIT)
    else:
        add("log_page_weight", description, None, LOG_PAGE_LIMIT, False, "not measured")

    charts = page_checks.get("chart_js")
    description = "Chart.js absent from /entries/new, loaded with defer on /trends"
    if charts:
        log_form, trends = charts["/entries/new"], charts["/trends"]
        problems = []
        if log_form["loads_chart_js"]:
            problems.append("/entries/new loads Chart.js")
        if not trends["loads_chart_js"]:
            problems.append("/trends does not load Chart.js")
        elif not trends["chart_js_deferred"]:
            problems.append("Chart.js on /trends is not a <script defer>")
        if trends["blocking_third_party"]:
            problems.append(
                "blocking CDN scripts on /trends: " + ", ".join(trends["blocking_third_party"])
            )
        others = [p for p in PLAIN_PAGES if charts[p]["loads_chart_js"]]
        if others:
            problems.append("also loaded on " + ", ".join(others))
        add(
            "chart_js_placement",
            description,
            not problems,
            True,
            not problems,
            "; ".join(problems) or None,
        )
    else:
        add("chart_js_placement", description, None, True, False, "not measured")

    report = results.get("lighthouse") or {"status": "failed", "reason": "not run", "pages": {}}
    for key, category, limit in (
        ("lighthouse_performance", "performance", 95),
        ("lighthouse_accessibility", "accessibility", 100),
        ("lighthouse_best_practices", "best-practices", 100),
    ):
        description = f"Lighthouse mobile {category} >= {limit} on " + ", ".join(LIGHTHOUSE_PAGES)
        if report["status"] == "skipped":
            add(key, description, None, limit, False, report["reason"], status="SKIP")
            continue
        page_reports = {path: report["pages"].get(path, {}) for path in LIGHTHOUSE_PAGES}
        scores = {
            path: None if "error" in page else page.get(category)
            for path, page in page_reports.items()
        }
        missing = [path for path, score in scores.items() if score is None]
        low = [
            f"{path} {score}"
            for path, score in scores.items()
            if score is not None and score < limit
        ]
        value = min((s for s in scores.values() if s is not None), default=None)
        reasons = low + [
            f"{path}: {page_reports[path].get('error') or report.get('reason') or 'no score'}"
            for path in missing
        ]
        add(key, description, value, limit, not missing and not low, "; ".join(reasons) or None)
    return targets


def _cell(value, digits=1):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def report(results):
    """The human-readable summary."""
    lines = []
    config, machine = results["config"], results["machine"]
    tool = (
        f"wrk ({config['threads']} threads)"
        if config.get("loadgen") == "wrk"
        else "the Python load generator (threads + http.client keep-alive, less exact than wrk)"
    )
    lines.append(
        f"make bench: {machine['cpus']} CPUs, load average {machine['load_before']} at start, "
        f"{machine['load_after']} at end; {tool} at {config['connections']} connections, "
        f"{config['seconds']} s per endpoint; "
        f"gunicorn -w {config['workers']}; dataset {config['dataset']}"
    )
    endpoints = results.get("endpoints") or {}
    if endpoints:
        lines.append("")
        lines.append(
            f"{'endpoint':<28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6} "
            f"{'failed':>6}   {'app p50':>7} {'app p95':>7}"
        )
        for name in ENDPOINTS:
            measured = endpoints.get(name)
            if not measured:
                continue
            failed = sum(measured["errors"].values())
            server = measured.get("server") or {}
            lines.append(
                f"{measured['label']:<28} {_cell(measured['requests_per_s']):>8} "
                f"{_cell(measured['p50_ms'], 2):>8} {_cell(measured['p95_ms'], 2):>8} "
                f"{_cell(measured.get('ratio_to_healthz'), 2):>6} {failed:>6}   "
                f"{_cell(server.get('p50_ms'), 2):>7} {_cell(server.get('p95_ms'), 2):>7}"
            )
        lines.append(
            "(app p50/p95: the app's own timer from its access log; it leaves out the wait for a "
            "free gunicorn worker and the work done before it starts, e.g. the CSRF check)"
        )
    sequential = results.get("trends_sequential") or {}
    data = results.get("dataset") or {}
    for name, patient, words in (
        ("five_year_cold", "five_year", "5 years, whole range, computed every time"),
        ("one_year_cold", "one_year", "1 year, whole range, computed every time"),
        ("five_year", "five_year", "5 years, whole range, cached"),
        ("five_year_default_range", "five_year", "5 years, default 90 days, cached"),
        ("one_year", "one_year", "1 year, whole range, cached"),
    ):
        if name in sequential and patient in data:
            figures, size = sequential[name], data[patient]
            lines.append(
                f"Trends, {words} ({size['entries']:,} entries, {size['sessions']} sessions): "
                f"median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms over "
                f"{figures['requests']} sequential requests"
            )
    page_checks = results.get("pages") or {}
    if page_checks:
        weight = page_checks["log_page"]
        kinds = weight["by_kind"]
        lines.append(
            f"Log page /entries/new: {weight['total_bytes']:,} bytes uncompressed (HTML "
            f"{kinds['html']:,} + CSS {kinds['css']:,} + JS {kinds['js']:,})"
        )
        charts = page_checks["chart_js"]
        on = [path for path, check in charts.items() if check["loads_chart_js"]]
        deferred = [path for path in on if charts[path]["chart_js_deferred"]]
        lines.append(
            f"Chart.js loaded on: {', '.join(on) or 'no page'}; deferred on: "
            f"{', '.join(deferred) or 'none'}"
        )
    light = results.get("lighthouse") or {}
    if light.get("status") == "skipped":
        lines.append(f"Lighthouse: skipped ({light['reason']})")
    elif light:
        lines.append(f"Lighthouse {light.get('version', '')} (mobile):".replace("  ", " "))
        for path in LIGHTHOUSE_PAGES:
            page = light["pages"].get(path, {})
            if "error" in page or not page:
                lines.append(f"  {path:<14} not scored: {page.get('error') or light.get('reason')}")
                continue
            lines.append(
                f"  {path:<14} performance {page['performance']}, accessibility "
                f"{page['accessibility']}, best practices {page['best-practices']}"
            )
    lines.append("")
    lines.append("Targets (PRODUCT.md section 9):")
    for target in results["targets"]:
        value = target["value"]
        shown = "-" if value is None else value
        reason = f" ({target['reason']})" if target["reason"] else ""
        lines.append(f"  {target['status']:<4} {target['target']}: {shown}{reason}")
    for problem in results["problems"]:
        lines.append(f"Note: {problem}")
    if results.get("tooling_error"):
        lines.append(f"TOOLING FAILED: {results['tooling_error']}")
    return "\n".join(lines)


def main():
    """Measure, print, write bench/results.json; exit 1 only when the tooling failed."""
    settings = Settings.from_env()
    started = time.time()
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": round(os.getloadavg()[0], 2),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "config": asdict(settings),
        "dataset": {},
        "endpoints": {},
        "trends_sequential": {},
        "pages": {},
        "lighthouse": None,
        "problems": [],
        "tooling_error": None,
    }
    bench = Bench(settings)
    status = 0
    try:
        bench.run(results)
    except Exception as error:
        results["tooling_error"] = f"{type(error).__name__}: {error}"
        results["traceback"] = traceback.format_exc()
        results["server_log_tail"] = bench.log_tail()
        status = 1
    finally:
        bench.cleanup()
    results["machine"]["load_after"] = round(os.getloadavg()[0], 2)
    results["duration_s"] = round(time.time() - started, 1)
    results["targets"] = evaluate(results)
    path = Path(settings.results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(report(results))
    print(f"\nWrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
