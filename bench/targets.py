"""The targets of PRODUCT.md section 9, as a table, and their verdicts on a run's results.

Each row of ``TARGETS`` names a target, says what is measured, the comparison and the limit,
and how to read the value from the results. ``evaluate`` turns every row into PASS, MISS (the
figure misses the limit, or it was not measured) or SKIP (not asked for).
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from . import dataset, pages

LOG_PAGE_LIMIT = 40_000  # bytes: "40 KB", read strictly (40 x 1000)
LIGHTHOUSE_PAGES = ("/login", "/entries/new", "/trends")
CHART_PAGES = ("/", "/trends", "/s/<token>")
PLAIN_PAGES = ("/entries/new", "/entries", "/sessions", "/shares", "/account")
COMPARISONS = {">=": operator.ge, "<=": operator.le, "==": operator.eq}


@dataclass(frozen=True)
class Reading:
    """What a target's row found in the results."""

    value: object = None  # None: not measured
    reason: str | None = None  # shown after the value
    failed: bool = False  # the reason alone makes a MISS (failed requests, a page not scored)
    skipped: bool = False  # not asked for: SKIP, with ``reason``


@dataclass(frozen=True)
class Target:
    """One row: id, what is measured, comparison, limit, and how to read the value.

    ``measures`` is a template: ``{op}``, ``{limit}``, ``{connections}``, ``{p95_connections}``,
    ``{pages}`` and ``{reminders}`` are filled in, so the text always shows the comparison and
    limit the verdict used.
    """

    id: str
    measures: str
    comparison: str
    limit: object
    read: Callable[[dict, "Target"], Reading]

    def passes(self, value):
        """Whether ``value`` meets the limit."""
        return COMPARISONS[self.comparison](value, self.limit)

    def text(self, results):
        """What is measured, as the report and results.json say it."""
        return self.measures.format(
            op=self.comparison,
            limit=self.limit,
            connections=results["config"]["connections"],
            p95_connections=results["config"].get("p95_connections", 4),
            pages=", ".join(LIGHTHOUSE_PAGES),
            reminders=f"{(results.get('reminders') or {}).get('reminders', 0):,}",
        )


def _failed_requests(results, name):
    """How many requests of endpoint ``name`` failed under load (wrk's errors)."""
    errors = results.get("endpoints", {}).get(name, {}).get("errors") or {}
    return sum(errors.values())


def _ratio(name):
    """Reads endpoint ``name``'s throughput / /healthz's; failed requests make it a MISS."""

    def read(results, target):
        """The ratio to /healthz, failing on any failed request of either run."""
        measured = results.get("endpoints", {}).get(name)
        if not measured or measured.get("ratio_to_healthz") is None:
            return Reading()
        failures = _failed_requests(results, name) + _failed_requests(results, "healthz")
        reason = f"{failures} failed requests during the runs" if failures else None
        return Reading(measured["ratio_to_healthz"], reason, failed=bool(failures))

    return read


def _post_entry_p95(results, target):
    """POST /api/v1/entries' p95 at the p95 run's connections; failed requests are shown, not
    counted."""
    post = results.get("endpoints", {}).get("post_entry_p95")
    if not post:
        return Reading()
    failures = _failed_requests(results, "post_entry")
    return Reading(post["p95_ms"], f"{failures} failed requests" if failures else None)


def _trends_5y_median(results, target):
    """The median of the sequential 5-year trends requests computed every time."""
    five = results.get("trends_sequential", {}).get("five_year_cold")
    return Reading(five["median_ms"] if five else None)


def _clinic_slowdown(kind):
    """Reads the clinic rows' slowdown on database ``kind`` (one patient's ratio / clinic's)."""

    def read(results, target):
        """The slowdown; a database that could not be measured is a MISS with its reason."""
        clinic = results.get("clinic") or {}
        if "skipped" in clinic:
            return Reading(reason=clinic["skipped"], skipped=True)
        figures = (clinic.get("databases") or {}).get(kind)
        if not figures:
            return Reading()
        if "error" in figures:
            return Reading(reason=figures["error"], failed=True)
        return Reading(figures["slowdown"])

    return read


def _summary_pdf_median(results, target):
    """The median of the one-year patient's sequential course-summary requests."""
    summary = results.get("summary_pdf")
    return Reading(summary["median_ms"] if summary else None)


def _summary_pdf_pages(results, target):
    """The one-year summary's page count (pdfinfo); why not, when it could not be read."""
    summary = results.get("summary_pdf")
    if not summary:
        return Reading()
    return Reading(summary["pages"], summary["pages_reason"])


def _log_page_bytes(results, target):
    """The log page's own HTML+CSS+JS bytes."""
    log_page = (results.get("pages") or {}).get("log_page")
    return Reading(log_page["total_bytes"] if log_page else None)


def _chart_js_placement(results, target):
    """True when Chart.js is only on chart pages and deferred on /trends; else why not."""
    charts = (results.get("pages") or {}).get("chart_js")
    if not charts:
        return Reading()
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
    return Reading(not problems, "; ".join(problems) or None, failed=bool(problems))


def _practice_p95(results, target):
    """The slower p95 of GET /practice and GET /api/v1/practice/patients (section 16)."""
    practice = results.get("practice")
    if not practice:
        return Reading()
    worst = max(practice["page"]["p95_ms"], practice["api"]["p95_ms"])
    return Reading(worst, f"{practice['patients']} patients, {practice['entries']:,} entries")


def _practice_queries(results, target):
    """Whether the dashboard's query count is the same for 1 patient and for all."""
    practice = results.get("practice")
    if not practice:
        return Reading()
    counts = practice["queries"]
    same = counts["one_patient"] == counts["all_patients"]
    return Reading(same, f"{counts['one_patient']} and {counts['all_patients']} queries")


def _lighthouse(category):
    """Reads Lighthouse's ``category`` score: the lowest of LIGHTHOUSE_PAGES."""

    def read(results, target):
        """The lowest score; a page without one makes a MISS."""
        report = results.get("lighthouse") or {"status": "failed", "reason": "not run", "pages": {}}
        if report["status"] == "skipped":
            return Reading(reason=report["reason"], skipped=True)
        page_reports = {path: report["pages"].get(path, {}) for path in LIGHTHOUSE_PAGES}
        scores = {
            path: None if "error" in page else page.get(category)
            for path, page in page_reports.items()
        }
        missing = [path for path, score in scores.items() if score is None]
        low = [
            f"{path} {score}"
            for path, score in scores.items()
            if score is not None and not target.passes(score)
        ]
        value = min((s for s in scores.values() if s is not None), default=None)
        reasons = low + [
            f"{path}: {page_reports[path].get('error') or report.get('reason') or 'no score'}"
            for path in missing
        ]
        return Reading(value, "; ".join(reasons) or None, failed=bool(missing))

    return read


def _reminders_send(results, target):
    """Seconds until both senders exited; a MISS unless each reminder arrived exactly once."""
    figures = results.get("reminders")
    if not figures:
        return Reading()
    problems = [
        f"{figures[name]} {name}" for name in ("duplicated", "missing") if figures[name]
    ]
    if figures["push_service_errors"]:
        problems.append("push service refused: " + "; ".join(figures["push_service_errors"]))
    if figures["seconds"] is None:
        problems.append("a sender failed: " + " | ".join(map(str, figures["sender_errors"])))
    return Reading(figures["seconds"], "; ".join(problems) or None, failed=bool(problems))


TARGETS = (
    Target(
        "post_entry_ratio",
        "post_entry throughput / healthz {op} {limit}",
        ">=",
        0.20,
        _ratio("post_entry"),
    ),
    Target(
        "trends_1y_ratio",
        "trends_1y throughput / healthz {op} {limit}",
        ">=",
        0.10,
        _ratio("trends_1y"),
    ),
    Target(
        "post_entry_p95",
        "POST /api/v1/entries p95 {op} {limit} ms at {p95_connections} connections",
        "<=",
        10,
        _post_entry_p95,
    ),
    Target(
        "trends_5y_median",
        "GET /api/v1/trends over 5 years, computed (not cached): median {op} {limit} ms",
        "<=",
        40,
        _trends_5y_median,
    ),
    Target(
        "trends_clinic_sqlite",
        "1-year trends computed, one patient's ratio / a clinic's (SQLite; issue 19) {op} {limit}",
        "<=",
        1.5,
        _clinic_slowdown("sqlite"),
    ),
    Target(
        "trends_clinic_postgresql",
        "1-year trends computed, one patient's ratio / a clinic's (PostgreSQL; issue 19) "
        "{op} {limit}",
        "<=",
        1.5,
        _clinic_slowdown("postgresql"),
    ),
    Target(
        "summary_pdf_1y",
        "GET /api/v1/export/summary.pdf over 1 year (section 16): median {op} {limit} ms",
        "<=",
        2000,
        _summary_pdf_median,
    ),
    Target(
        "summary_pdf_pages",
        "the 1-year course summary's A4 pages (section 16) {op} {limit}",
        "<=",
        2,
        _summary_pdf_pages,
    ),
    Target(
        "log_page_weight",
        "log page's own HTML+CSS+JS {op} {limit:,} bytes",
        "<=",
        LOG_PAGE_LIMIT,
        _log_page_bytes,
    ),
    Target(
        "chart_js_placement",
        "Chart.js absent from /entries/new, loaded with defer on /trends",
        "==",
        True,
        _chart_js_placement,
    ),
    Target(
        "reminders_send",
        "flask reminders send, {reminders} due reminders, push service answering in 50 ms, "
        "two senders at once, each sent exactly once: seconds {op} {limit}",
        "<=",
        60,
        _reminders_send,
    ),
    Target(
        "practice_dashboard_p95",
        "GET /practice and /api/v1/practice/patients, 500 patients x 1 year: p95 server time "
        "{op} {limit} ms (in process)",
        "<=",
        300,
        _practice_p95,
    ),
    Target(
        "practice_constant_queries",
        "the dashboard's query count is the same for 1 patient and for all",
        "==",
        True,
        _practice_queries,
    ),
    Target(
        "lighthouse_performance",
        "Lighthouse mobile performance {op} {limit} on {pages}",
        ">=",
        95,
        _lighthouse("performance"),
    ),
    Target(
        "lighthouse_accessibility",
        "Lighthouse mobile accessibility {op} {limit} on {pages}",
        ">=",
        100,
        _lighthouse("accessibility"),
    ),
    Target(
        "lighthouse_best_practices",
        "Lighthouse mobile best-practices {op} {limit} on {pages}",
        ">=",
        100,
        _lighthouse("best-practices"),
    ),
)


def verdict(target, results):
    """One target's line of results.json: its value, limit, status and reason."""
    reading = target.read(results, target)
    reason = reading.reason
    if reading.skipped:
        status = "SKIP"
    elif reading.value is None:
        status, reason = "MISS", reason or "not measured"
    elif target.passes(reading.value) and not reading.failed:
        status = "PASS"
    else:
        status = "MISS"
    return {
        "id": target.id,
        "target": target.text(results),
        "value": reading.value,
        "limit": target.limit,
        "status": status,
        "reason": reason,
    }


def evaluate(results):
    """PASS or MISS for each target of PRODUCT.md section 9 (SKIP when not asked for)."""
    return [verdict(target, results) for target in TARGETS]


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
