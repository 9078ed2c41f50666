"""``make bench``: measure the targets of PRODUCT.md section 9 on a real gunicorn server.

Run from the project root: ``.venv/bin/python -m bench.run`` (``make bench`` installs what it
needs first). Everything happens in a throwaway folder: a fresh SQLite database migrated with
``flask db upgrade``, ``gunicorn -w 2`` on a free port of 127.0.0.1, two patients signed up over
HTTP (one year and five years of diary, restored through POST /api/v1/import/backup), then:

- wrk (or a Python fallback) at 16 connections on /healthz, POST /api/v1/entries, the 1-year
  trends, the log page and a share report: requests/s, p50, p95, ratio to /healthz; and
  POST /api/v1/entries again at 4 connections, for its p95;
- the median of sequential 5-year trends requests;
- the one-year patient's course-summary PDF: sequential requests and its page count (pdfinfo);
- the log page's own HTML+CSS+JS bytes, and where Chart.js loads (and whether deferred);
- Lighthouse (mobile) on /login, /entries/new and /trends of the demo patient;
- one-year trends computed every time on a one-patient and a 1,000-patient database, on SQLite
  and PostgreSQL, each as a ratio to /healthz (``bench/scale.py``).

It prints one table and writes ``bench/results.json``. It exits 0 when it measured, whatever the
figures (a MISS is a result), and non-zero only when the tooling itself failed.

This module runs the measurements in that order; the rest lives in other modules:
``bench/server.py`` (the settings, the throwaway folder, gunicorn, migrations and the patients
seeded over HTTP), ``bench/targets.py`` (the section 9 targets as a table, and their verdicts),
``bench/report.py`` (the printed table and results.json), and for the clinic rows
``bench/clinic.py`` (the databases) and ``bench/scale.py`` (their servers and loads).

Settings (environment): BENCH_SECONDS (10) per load run, BENCH_CONNECTIONS (16),
BENCH_P95_CONNECTIONS (4: the POST run whose p95 section 9 judges), BENCH_THREADS (2),
BENCH_WORKERS (2), BENCH_WARMUP (1 s of load before each run),
BENCH_DATASET (``full``; ``tiny`` for the smoke test), BENCH_TRENDS_REQUESTS (30),
BENCH_SUMMARY_REQUESTS (5),
BENCH_LOADGEN (``auto``, ``wrk`` or ``python``), BENCH_SKIP_LIGHTHOUSE (``1`` skips it),
BENCH_CLINIC (``0`` skips the clinic rows), BENCH_CLINIC_LOGINS (32 patients the clinic load
goes round), BENCH_POSTGRES_URL (a PostgreSQL server for them; default: a throwaway cluster),
BENCH_RESULTS (``bench/results.json``).
"""

import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import asdict
from datetime import UTC, datetime

from . import cdn, dataset, lighthouse, loadgen, pages, practice, report, scale, targets
from . import reminders as reminder_bench
from .client import BenchError
from .server import DATASETS, HOST, PASSWORD, ROOT, Server, Settings, git_revision

# The endpoints of report.ENDPOINTS, in the order they are measured: POST runs last so its new
# entries cannot change what the read endpoints measure.
RUN_ORDER = (
    "healthz",
    "trends_1y",
    "entries_new",
    "share_report",
    "post_entry",
    "post_entry_p95",
)


def add_ratios(endpoints):
    """Each endpoint's throughput over /healthz's, when measured at as many connections."""
    baseline = endpoints["healthz"]
    for measured in endpoints.values():
        comparable = measured["connections"] == baseline["connections"]
        ratio = measured["requests_per_s"] / baseline["requests_per_s"] if comparable else None
        measured["ratio_to_healthz"] = None if not ratio else round(ratio, 3)


class Bench:
    """One measurement run: its server, patients and results."""

    def __init__(self, settings):
        self.settings = settings
        self.server = Server(settings)

    def load_target(self, name, one_year, one_year_range, share_token, writer):
        """Load target ``name``: (label, loadgen.Target, expected status, logged route,
        connections).

        Made just before its run, with the cookies the visitor holds then: a browser sends the
        cookie the server last set, so the server never rewrites a session cookie on every
        request (the login's activity time is renewed once a minute). ``writer`` is a patient
        of its own, so the entries the POST load adds change neither the 1-year patient's
        trends nor the later measurements.
        """
        settings = self.settings
        visitor = writer if name.startswith("post_entry") else one_year
        if name != "healthz":
            visitor.get("/api/v1/me")  # the cookie as the server last set it
        rng = random.Random(7)  # noqa: S311 - test data, not secrets

        def new_entry():
            """A new entry's JSON body (a new id each time)."""
            return json.dumps(dataset.entry_body(rng)).encode()

        def target(path, headers=None, entry_body=None):
            """A GET of ``path``, or a POST of a new entry when ``entry_body`` is given."""
            method = "POST" if entry_body else "GET"
            return loadgen.Target(HOST, self.server.port, path, method, headers, entry_body)

        cookie = {"Cookie": visitor.cookie_header()}
        if name == "healthz":
            return "GET /healthz", target("/healthz"), 200, "/healthz", settings.connections
        if name.startswith("post_entry"):
            headers = {
                **cookie,
                "X-CSRFToken": writer.csrf_token(),
                "Content-Type": "application/json",
            }
            connections = (
                settings.connections if name == "post_entry" else settings.p95_connections
            )
            label = f"POST /api/v1/entries ({connections} c.)"
            post = target("/api/v1/entries", headers, new_entry)
            return label, post, 201, "/api/v1/entries", connections
        if name == "trends_1y":
            trends = target(f"/api/v1/trends?{one_year_range}", cookie)
            return (
                "GET /api/v1/trends (1 year)",
                trends,
                200,
                "/api/v1/trends",
                settings.connections,
            )
        if name == "entries_new":
            page = target("/entries/new", cookie)
            return "GET /entries/new", page, 200, "/entries/new", settings.connections
        report_page = target(f"/s/{share_token}")
        return "GET /s/<token>", report_page, 200, "/s/<token>", settings.connections

    def preflight(self, target, expected):
        """One request as the load will send it: the status must be the expected one.

        wrk counts only answers >= 400 as errors, so a redirect to the login page would
        otherwise pass for a fast success.
        """
        probe = self.server.client()
        body = target.entry_body() if target.entry_body else None
        response = probe.request(target.method, target.path, body, target.headers)
        if response.status != expected:
            raise BenchError(
                f"{target.method} {target.path.split('?')[0]} answered {response.status}, "
                f"expected {expected}: {response.body[:200]!r}"
            )

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

    def summary_pdf(self, visitor, date_range):
        """The patient's course summary of ``date_range``, asked for one request after another:
        latency in ms, and the PDF's size and page count (``pdfinfo``, when installed)."""
        # The export needs a password typed in the last 15 minutes; the sign-up was earlier.
        visitor.post_json("/api/v1/me/confirm", {"password": PASSWORD}, expect=204)
        path = f"/api/v1/export/summary.pdf?{date_range}"
        figures = self.sequential(visitor, path, self.settings.summary_requests)
        pdf = visitor.get(path).body
        figures["bytes"] = len(pdf)
        figures["pages"], figures["pages_reason"] = pdf_pages(pdf)
        return figures

    def lighthouse(self):
        """Scores of the demo patient's pages; ``status`` says why there are none."""
        reason = lighthouse.unavailable_reason()
        if reason:
            return {"status": "failed", "reason": reason, "pages": {}}
        scored = {"status": "ok", "reason": None, "pages": {}}
        try:
            self.server.seed_demo()
            scored["version"] = lighthouse.install()
        except (BenchError, lighthouse.LighthouseError, subprocess.TimeoutExpired) as error:
            return {"status": "failed", "reason": str(error), "pages": {}}
        headers = {"Cookie": self.server.demo().cookie_header()}
        missing = cdn.missing_files()
        with cdn.CdnServer(self.server.folder) as stand_in:
            for path in targets.LIGHTHOUSE_PAGES:
                if path == "/trends" and missing:
                    scored["pages"][path] = {
                        "error": "Chart.js is not in .cache/npm (run `make npm-assets`): "
                        + ", ".join(missing)
                    }
                    continue
                out = self.server.folder / f"lighthouse{path.replace('/', '-')}.json"
                url = f"http://{HOST}:{self.server.port}{path}"
                try:
                    page = lighthouse.run(
                        url,
                        out,
                        cdn_port=stand_in.port,
                        headers=None if path == "/login" else headers,
                    )
                except lighthouse.LighthouseError as error:
                    page = {"error": str(error)}
                scored["pages"][path] = page
                wrong = targets.lighthouse_problem(path, url, page)
                if wrong:
                    page["error"] = wrong
        failed = [path for path, page in scored["pages"].items() if "error" in page]
        if failed:
            every = len(failed) == len(targets.LIGHTHOUSE_PAGES)
            scored["status"] = "failed" if every else "partial"
            scored["reason"] = "; ".join(f"{p}: {scored['pages'][p]['error']}" for p in failed)
        return scored

    def page_checks(self, visitor, share_token):
        """The log page's weight, and Chart.js on chart pages only, deferred."""
        checks = {"log_page": pages.page_weight(visitor, "/entries/new"), "chart_js": {}}
        for path in (*targets.PLAIN_PAGES, *targets.CHART_PAGES):
            real = path.replace("<token>", share_token)
            checks["chart_js"][path] = pages.chart_scripts(visitor.get(real).text)
        return checks

    def run(self, results):
        """Every measurement, filling ``results`` as it goes."""
        settings, server = self.settings, self.server
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
        server.migrate()
        server.start()
        results["config"]["app_settings"] = {
            name: value
            for name, value in sorted(server.env.items())
            if name.startswith("FLASK_") and name != "FLASK_SECRET_KEY"
        }

        sizes = DATASETS[settings.dataset]
        one_year, info_1y, range_1y = server.patient("one-year", *sizes["one_year"], seed=1)
        five_year, info_5y, range_5y = server.patient("five-year", *sizes["five_year"], seed=5)
        results["dataset"] = {"one_year": info_1y, "five_year": info_5y}
        share = one_year.post_json(
            "/api/v1/shares", {"label": "Bench", "include_notes": True}, expect=201
        ).json()

        results["pages"] = self.page_checks(one_year, share["token"])

        writer = server.sign_up("writer")
        for name in RUN_ORDER:
            label, target, expected, route, connections = self.load_target(
                name, one_year, range_1y, share["token"], writer
            )
            self.preflight(target, expected)
            measured = server.measure(tool, target, route, connections)
            measured.update(label=label, path=target.path.split("?")[0], tool=tool)
            results["endpoints"][name] = measured
            timings = measured["server"]
            failed = sum(n for status, n in timings["statuses"].items() if int(status) >= 500)
            if failed:
                results["problems"].append(
                    f"{label}: the app answered {failed} requests with a 5xx under load: "
                    + (" | ".join(timings["exceptions"]) or "see the gunicorn log")
                )
        add_ratios(results["endpoints"])

        count = settings.trends_requests
        uncached_1y, uncached_5y = targets.uncached(info_1y), targets.uncached(info_5y)
        results["trends_sequential"] = {
            # Computed every time: each request asks a range no request asked before (the whole
            # diary and `number` empty days after it), so the server's trends cache never has it.
            "five_year_cold": self.sequential(five_year, uncached_5y, count),
            "one_year_cold": self.sequential(one_year, uncached_1y, count),
            # The same range again and again: the cached document after the first request.
            "five_year": self.sequential(five_year, f"/api/v1/trends?{range_5y}", count),
            # The default 90 days still reads the whole history (progress needs the baseline).
            "five_year_default_range": self.sequential(five_year, "/api/v1/trends", count),
            "one_year": self.sequential(one_year, f"/api/v1/trends?{range_1y}", count),
        }
        results["summary_pdf"] = self.summary_pdf(one_year, range_1y)
        # Section 16: `flask reminders send`, two senders, a push service answering in 50 ms.
        results["reminders"] = reminder_bench.measure(sizes["reminders"])
        # Section 16: in process, on a database of its own (bench/practice.py).
        results["practice"] = practice.measure(*sizes["practice"], requests=count)
        if settings.skip_lighthouse:
            results["lighthouse"] = {
                "status": "skipped",
                "reason": "BENCH_SKIP_LIGHTHOUSE is set",
                "pages": {},
            }
        else:
            results["lighthouse"] = self.lighthouse()
        server.stop()  # idle, but its workers hold memory the clinic's servers may want
        if settings.clinic:
            results["clinic"] = scale.measure(settings, tool)
        else:
            results["clinic"] = {"skipped": "BENCH_CLINIC=0"}


def pdf_pages(pdf):
    """``(pages, None)`` as ``pdfinfo`` counts them, or ``(None, why not)``."""
    tool = shutil.which("pdfinfo")
    if tool is None:
        return None, "pdfinfo (poppler-utils) is not installed"
    done = subprocess.run(  # noqa: S603 - poppler on the PDF the bench just fetched
        [tool, "-"], input=pdf, capture_output=True, check=False, timeout=60
    )
    found = re.search(rb"^Pages:\s+(\d+)", done.stdout, re.MULTILINE)
    if done.returncode or not found:
        return None, f"pdfinfo could not read it: {done.stderr.decode(errors='replace')[:200]}"
    return int(found.group(1)), None


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
        "summary_pdf": None,
        "pages": {},
        "lighthouse": None,
        "clinic": None,
        "reminders": None,
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
        results["server_log_tail"] = bench.server.log_tail()
        status = 1
    finally:
        bench.server.cleanup()
    results["machine"]["load_after"] = round(os.getloadavg()[0], 2)
    results["duration_s"] = round(time.time() - started, 1)
    results["targets"] = targets.evaluate(results)
    path = report.write(results, settings.results)
    print(report.report(results))
    print(f"\nWrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
