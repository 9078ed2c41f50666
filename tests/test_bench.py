"""``make bench`` cannot rot: its pieces run on a tiny diary with a tiny load (no timing checks)."""

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import ON_POSTGRES, TEST_DATABASE_URL

from bench import clinic, loadgen, pages, report, scale, server, targets

ROOT = Path(__file__).resolve().parents[1]
ENDPOINT_KEYS = {"requests", "requests_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "server"}
TARGET_IDS = {
    "post_entry_ratio",
    "trends_1y_ratio",
    "post_entry_p95",
    "trends_5y_median",
    "trends_clinic_sqlite",
    "trends_clinic_postgresql",
    "summary_pdf_1y",
    "summary_pdf_pages",
    "log_page_weight",
    "chart_js_placement",
    "reminders_send",
    "practice_dashboard_p95",
    "practice_constant_queries",
    "lighthouse_performance",
    "lighthouse_accessibility",
    "lighthouse_best_practices",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """The results of one real run: gunicorn, both patients, 1 s per endpoint, no Lighthouse.

    Skipped without gunicorn, except under CI=true, where it must be installed."""
    if importlib.util.find_spec("gunicorn") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("gunicorn is needed under CI=true (pip install -e '.[test]')")
        pytest.skip("gunicorn is not installed")
    path = tmp_path_factory.mktemp("bench") / "results.json"
    env = {
        **os.environ,
        "BENCH_SECONDS": "1",
        "BENCH_WARMUP": "0",
        "BENCH_DATASET": "tiny",
        "BENCH_TRENDS_REQUESTS": "3",
        "BENCH_SUMMARY_REQUESTS": "2",
        "BENCH_SKIP_LIGHTHOUSE": "1",
        "BENCH_RESULTS": str(path),
        # The clinic rows' PostgreSQL: the suite's server when there is one, else the bench's
        # own throwaway cluster.
        "BENCH_POSTGRES_URL": TEST_DATABASE_URL if ON_POSTGRES else "",
    }
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-m", "bench.run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Targets (PRODUCT.md sections 9 and 16):" in done.stdout
    return json.loads(path.read_text())


def test_every_endpoint_is_measured_with_sane_numbers(results):
    assert results["tooling_error"] is None
    assert set(results["endpoints"]) == set(report.ENDPOINTS)
    for name, measured in results["endpoints"].items():
        assert ENDPOINT_KEYS <= set(measured), name
        assert measured["requests"] > 0, name
        assert measured["requests_per_s"] > 0, name
        assert 0 < measured["p50_ms"] <= measured["p95_ms"] <= measured["p99_ms"], name
        assert measured["server"]["requests"] > 0, name
        if name != "post_entry_p95":
            assert measured["ratio_to_healthz"] > 0, name
    assert results["endpoints"]["healthz"]["ratio_to_healthz"] == 1
    # The p95 run (section 9: at 4 connections) is not compared with /healthz at 16.
    p95_run = results["endpoints"]["post_entry_p95"]
    assert p95_run["connections"] == 4 and p95_run["ratio_to_healthz"] is None
    assert results["endpoints"]["post_entry"]["connections"] == 16


def test_the_server_runs_as_a_users_server_does(results):
    """Rate limits on (raised, so no load is refused): their work is part of every request."""
    settings = results["config"]["app_settings"]
    assert "FLASK_RATELIMIT_ENABLED" not in settings
    for name in ("API_PER_IP", "API_PER_ACCOUNT", "SHARE_VIEWS", "LOGIN"):
        assert settings[f"FLASK_RATELIMIT_{name}"] == "100000000 per minute"
    for measured in results["endpoints"].values():
        assert "429" not in measured["server"]["statuses"]


def test_each_load_request_posts_a_new_valid_entry(results):
    """Only 201s: a repeated id would answer 200 (replay) or 409, a bad body 422."""
    for name in ("post_entry", "post_entry_p95"):
        statuses = results["endpoints"][name]["server"]["statuses"]
        assert set(statuses) == {"201"}, name


def test_clinic_rows_measure_both_databases_computed_every_time(results):
    clinic_rows = results["clinic"]
    patients, days = scale.SIZES["tiny"]
    assert (clinic_rows["patients"], clinic_rows["days"]) == (patients, days)
    kinds = clinic_rows["databases"]
    if "error" in kinds["postgresql"]:
        assert not ON_POSTGRES and os.environ.get("CI") != "true", kinds["postgresql"]
        assert "PostgreSQL" in kinds["postgresql"]["error"]
        del kinds["postgresql"]
    for kind, figures in kinds.items():
        for size, logged_in in (("one_patient", 1), ("clinic", patients)):
            measured = figures[size]
            assert measured["patients_logged_in"] == logged_in, (kind, size)
            for name, route in (("healthz", "/healthz"), ("trends", "/api/v1/trends")):
                assert measured[name]["requests"] > 0, (kind, size, name)
                assert measured[name]["server"]["statuses"] == {
                    "200": measured[name]["server"]["requests"]
                }, (kind, size, route)
            assert measured["ratio_to_healthz"] > 0
            assert measured["trends_cache_size"] == 0  # every request computes
        one, many = (figures[size]["ratio_to_healthz"] for size in ("one_patient", "clinic"))
        assert figures["slowdown"] == round(one / many, 2)
        assert figures["clinic_bytes"] > 0 and figures["patient_years_per_gb"] > 0


def test_the_tiny_diaries_were_restored(results):
    sizes = server.DATASETS["tiny"]
    for name in ("one_year", "five_year"):
        days, sessions = sizes[name]
        assert results["dataset"][name]["entries"] == 2 * days
        assert results["dataset"][name]["sessions"] == sessions


def test_trends_latency_and_page_checks_are_reported(results):
    sequential = results["trends_sequential"]
    assert set(sequential) == {
        "five_year_cold",
        "one_year_cold",
        "five_year",
        "five_year_default_range",
        "one_year",
    }
    for figures in sequential.values():
        assert figures["requests"] == 3
        assert 0 < figures["min_ms"] <= figures["median_ms"] <= figures["max_ms"]
    log_page = results["pages"]["log_page"]
    assert {name.split("?")[0] for name in log_page["files"]} >= {
        "/entries/new",
        "/static/css/app.css",
    }
    assert log_page["total_bytes"] == sum(log_page["files"].values())
    assert log_page["other_sites"] == []
    charts = results["pages"]["chart_js"]
    assert set(charts) == {*targets.PLAIN_PAGES, *targets.CHART_PAGES}
    assert charts["/trends"]["loads_chart_js"] and not charts["/entries/new"]["loads_chart_js"]


def test_the_course_summary_is_timed_and_its_pages_counted(results):
    summary = results["summary_pdf"]
    assert summary["requests"] == 2
    assert 0 < summary["min_ms"] <= summary["median_ms"] <= summary["max_ms"]
    assert summary["bytes"] > 10_000
    if summary["pages"] is None:
        assert "pdfinfo" in summary["pages_reason"]
    else:
        assert summary["pages"] in (1, 2) and summary["pages_reason"] is None
    assert "Course summary PDF, 1 year" in report.report(results)


def test_every_target_has_a_verdict(results):
    targets = {target["id"]: target for target in results["targets"]}
    assert set(targets) == TARGET_IDS
    for target in targets.values():
        assert target["status"] in ("PASS", "MISS", "SKIP")
    assert results["lighthouse"]["status"] == "skipped"
    for key in ("lighthouse_performance", "lighthouse_accessibility", "lighthouse_best_practices"):
        assert targets[key]["status"] == "SKIP"
    for key in TARGET_IDS - {k for k in targets if k.startswith("lighthouse")}:
        assert targets[key]["value"] is not None, key
    # Bytes, HTML and counting facts, not timings: these hold on any machine.
    sending = results["reminders"]
    assert sending["delivered_once"] == sending["reminders"] == 50, sending
    for key in ("log_page_weight", "chart_js_placement", "practice_constant_queries"):
        assert targets[key]["status"] == "PASS", targets[key]


def test_lighthouse_that_cannot_run_is_a_miss_with_its_reason():
    results = {
        "config": {"connections": 16},
        "lighthouse": {"status": "failed", "reason": "Chromium is not at /nowhere", "pages": {}},
    }
    verdicts = {target["id"]: target for target in targets.evaluate(results)}
    for key in ("lighthouse_performance", "lighthouse_accessibility", "lighthouse_best_practices"):
        assert verdicts[key]["status"] == "MISS"
        assert "Chromium is not at /nowhere" in verdicts[key]["reason"]
        assert verdicts[key]["value"] is None
    assert verdicts["post_entry_ratio"] == {**verdicts["post_entry_ratio"], "status": "MISS"}


def test_wrk_output_is_read_from_the_done_line():
    output = (
        "Running 1s test @ http://127.0.0.1:1/healthz\n"
        'BENCH_JSON {"requests":500,"duration_us":1000000,"bytes":1,'
        '"errors":{"connect":0,"read":0,"write":0,"status":2,"timeout":0},'
        '"latency_us":{"mean":1500.0,"p50":1200,"p75":1500,"p90":2000,"p95":2500,'
        '"p99":4000,"max":9000}}\n'
    )
    measured = loadgen.parse_wrk(output)
    assert measured["requests_per_s"] == 500
    assert (measured["p50_ms"], measured["p95_ms"], measured["p99_ms"]) == (1.2, 2.5, 4.0)
    assert measured["errors"]["status"] == 2
    with pytest.raises(loadgen.LoadError):
        loadgen.parse_wrk("no marker here")


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cookies_seen = set()

    def log_message(self, format, *args):
        """Quiet."""

    def _answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):
        """200 on /ok, 404 elsewhere; notes the Cookie header."""
        _Answer.cookies_seen.add(self.headers.get("Cookie"))
        self._answer(200 if self.path == "/ok" else 404)

    def do_POST(self):
        """201 for any JSON body."""
        json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self._answer(201)


@pytest.fixture
def tiny_server():
    """A keep-alive HTTP server in a thread; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    thread.join()
    server.server_close()


def test_the_python_load_generator_counts_answers_and_failures(tiny_server):
    ok = loadgen.Target("127.0.0.1", tiny_server, "/ok")
    measured = loadgen.run_python(ok, 0.3, connections=2)
    assert measured["requests"] > 0 and measured["errors"]["status"] == 0
    missing = loadgen.Target("127.0.0.1", tiny_server, "/missing")
    measured = loadgen.run_python(missing, 0.3, connections=2)
    assert measured["errors"]["status"] == measured["requests"] > 0
    post = loadgen.Target("127.0.0.1", tiny_server, "/e", "POST", entry_body=lambda: b"{}")
    assert loadgen.run_python(post, 0.3, connections=2)["errors"]["status"] == 0


@pytest.mark.parametrize("tool", ["python", "wrk"])
def test_load_goes_round_the_patients_cookies(tiny_server, tool):
    """The clinic rows' trends load asks as one patient after another."""
    if tool == "wrk" and loadgen.wrk_path() is None:
        pytest.skip("wrk is not installed")
    _Answer.cookies_seen.clear()
    cookies = [f"session=patient-{number}" for number in range(5)]
    ok = loadgen.Target("127.0.0.1", tiny_server, "/ok", cookies=cookies)
    measured = loadgen.run(tool, ok, 1, connections=2, threads=2)
    assert measured["requests"] > 5 and sum(measured["errors"].values()) == 0
    assert _Answer.cookies_seen == set(cookies)


def test_a_clinic_database_interleaves_its_patients_as_they_write(tmp_path):
    """Rows in time order across patients (a clinic's disk), counts kept, one password."""
    path = tmp_path / "clinic.sqlite"
    server.migrate(f"sqlite:///{path}")
    clinic.fill_sqlite(path, 3, "the-hash", days=14)
    with sqlite3.connect(path) as connection:
        users = connection.execute(
            "SELECT id, entry_count, session_count, password_hash FROM users"
        ).fetchall()
        assert {row[0] for row in users} == {1, 2, 3}
        assert {row[3] for row in users} == {"the-hash"}
        for table, column, counted in (
            ("entries", "recorded_at", 1),
            ("acupuncture_sessions", "started_at", 2),
        ):
            rows = connection.execute(
                f"SELECT user_id, {column} FROM {table} ORDER BY rowid"  # noqa: S608
            ).fetchall()
            assert [row[1] for row in rows] == sorted(row[1] for row in rows), table
            owners = [row[0] for row in rows]
            switches = sum(a != b for a, b in zip(owners, owners[1:], strict=False))
            assert switches > len(rows) / 2, table  # not one patient after another
            for user in users:
                assert owners.count(user[0]) == user[counted], (table, user[0])
        assert users[0][1] == 2 * 14
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_clinic_slowdown_verdicts():
    base = {"config": {"connections": 16}}
    skipped = targets.evaluate({**base, "clinic": {"skipped": "BENCH_CLINIC=0"}})
    failed = targets.evaluate(
        {
            **base,
            "clinic": {
                "databases": {
                    "sqlite": {"slowdown": 1.2},
                    "postgresql": {"error": "PostgreSQL not installed: no"},
                }
            },
        }
    )
    by_id = [{item["id"]: item for item in verdicts} for verdicts in (skipped, failed)]
    assert by_id[0]["trends_clinic_sqlite"]["status"] == "SKIP"
    assert by_id[1]["trends_clinic_sqlite"]["status"] == "PASS"
    postgres = by_id[1]["trends_clinic_postgresql"]
    assert postgres["status"] == "MISS" and "not installed" in postgres["reason"]


def test_page_assets_follow_module_imports():
    html = (
        '<link rel="stylesheet" href="/static/css/app.css">'
        '<script type="module" src="/static/js/a.js"></script>'
        '<script defer src="https://cdn.jsdelivr.net/npm/chart.js@4.6.1/dist/chart.umd.min.js">'
        "</script>"
    )
    scripts, stylesheets = pages.assets(html)
    assert [script["src"] for script in scripts][0] == "/static/js/a.js"
    assert stylesheets == ["/static/css/app.css"]
    source = 'import { b } from "./b.js";\nimport "./c.js";\nconst d = await import("./d.js");'
    # import("./d.js") loads on demand, not with the page: it is not the page's weight.
    assert pages.imports(source, "js") == ["./b.js", "./c.js"]
    check = pages.chart_scripts(html)
    assert check["loads_chart_js"] and check["chart_js_deferred"]
    assert check["files"]["chart.js"] == {
        "via": "script",
        "defer": True,
        "integrity": False,
        "crossorigin": False,
    }
    assert pages.chart_scripts(html.replace("defer ", ""))["blocking_third_party"]
    assert not pages.chart_scripts("<p>no scripts</p>")["loads_chart_js"]
