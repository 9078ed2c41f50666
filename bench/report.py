"""What ``make bench`` shows: the printed table, and bench/results.json with every figure."""

import json
from pathlib import Path

from .targets import LIGHTHOUSE_PAGES

# The endpoints under load, in the order the table shows them (bench/run.py runs them in its
# RUN_ORDER, POST last).
ENDPOINTS = ("healthz", "post_entry", "post_entry_p95", "trends_1y", "entries_new", "share_report")


def _cell(value, digits=1):
    """A figure with thousands separators and ``digits`` decimals, or "-" when there is none."""
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _clinic_lines(clinic):
    """The clinic rows: 1-year trends computed every time, one patient against a clinic."""
    if "skipped" in clinic:
        return [f"Trends at clinic scale: skipped ({clinic['skipped']})"]
    if not clinic.get("databases"):
        return []
    lines = [
        "",
        f"Trends at clinic scale (1 year, computed every time; the clinic: "
        f"{clinic['patients']:,} patients x {clinic['days']} days):",
        f"{'database':<28} {'healthz/s':>9} {'trends/s':>8} {'p95 ms':>7} {'ratio':>6} "
        f"{'slowdown':>8}",
    ]
    for kind, figures in clinic["databases"].items():
        if "error" in figures:
            lines.append(f"{kind:<28} not measured: {figures['error']}")
            continue
        for size, label in (("one_patient", "1 patient"), ("clinic", "clinic")):
            measured = figures[size]
            slowdown = _cell(figures["slowdown"], 2) if size == "clinic" else ""
            lines.append(
                f"{kind + ', ' + label:<28} {_cell(measured['healthz']['requests_per_s']):>9} "
                f"{_cell(measured['trends']['requests_per_s']):>8} "
                f"{_cell(measured['trends']['p95_ms'], 2):>7} "
                f"{_cell(measured['ratio_to_healthz'], 2):>6} {slowdown:>8}"
            )
        lines.append(
            f"  the clinic's {kind} database: {figures['clinic_bytes'] / 1e6:,.0f} MB, about "
            f"{figures['patient_years_per_gb']:,} patient-years per GB"
        )
    return lines


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
        f"{machine['load_after']} at end; {tool} at {config['connections']} connections "
        f"({config.get('p95_connections', 4)} for the POST p95), "
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
    lines.extend(_clinic_lines(results.get("clinic") or {}))
    summary = results.get("summary_pdf")
    if summary and "one_year" in data:
        size = data["one_year"]
        pages = summary["pages"] if summary["pages"] is not None else summary["pages_reason"]
        lines.append(
            f"Course summary PDF, 1 year ({size['entries']:,} entries, {size['sessions']} "
            f"sessions, {size.get('responses', 0)} questionnaire responses): median "
            f"{summary['median_ms']} ms, p95 {summary['p95_ms']} ms over "
            f"{summary['requests']} sequential requests; {summary['bytes']:,} bytes, "
            f"pages: {pages}"
        )
    sending = results.get("reminders") or {}
    if sending:
        lines.append(
            f"flask reminders send: {sending['reminders']:,} due reminders, "
            f"{sending['senders']} senders at once, push service answering in "
            f"{sending['push_delay_ms']} ms: {_cell(sending['seconds'], 2)} s; delivered "
            f"exactly once {sending['delivered_once']:,}, twice or more {sending['duplicated']}, "
            f"never {sending['missing']}"
        )
    practice = results.get("practice")
    if practice:
        lines.append(
            f"Practitioner's dashboard, {practice['patients']} patients x {practice['days']} days "
            f"({practice['entries']:,} entries), in process: /practice p50 "
            f"{practice['page']['p50_ms']} ms, p95 {practice['page']['p95_ms']} ms; "
            f"/api/v1/practice/patients p50 {practice['api']['p50_ms']} ms, p95 "
            f"{practice['api']['p95_ms']} ms; {practice['queries']['one_patient']} queries for 1 "
            f"patient, {practice['queries']['all_patients']} for all"
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
    lines.append("Targets (PRODUCT.md sections 9 and 16):")
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


def write(results, path):
    """Write ``results`` as indented JSON to ``path`` (its folder created); answer the Path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path
