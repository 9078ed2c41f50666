"""Lighthouse 12 (mobile) through npx, on Debian's Chromium, offline but for the npm registry."""

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NPX_CACHE = ROOT / ".cache" / "npm-cache"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
PACKAGE = "lighthouse@12"
CATEGORIES = ("performance", "accessibility", "best-practices")
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


class LighthouseError(Exception):
    """Lighthouse could not give scores (the message says why)."""


def unavailable_reason():
    """Why Lighthouse cannot run here, or None when it can."""
    if shutil.which("npx") is None:
        return "npx (Node.js) is not installed"
    if not Path(CHROMIUM).is_file():
        return f"Chromium is not at {CHROMIUM}"
    return None


def environment():
    """npx's environment: the npm cache under .cache/, Chromium as the browser."""
    NPX_CACHE.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "CHROME_PATH": CHROMIUM,
        "npm_config_cache": str(NPX_CACHE),
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
    }


def chrome_flags(cdn_port=None):
    """Chromium's flags; with ``cdn_port``, jsDelivr resolves to the local stand-in."""
    flags = list(CHROME_FLAGS)
    if cdn_port is not None:
        flags += [
            f'--host-resolver-rules="MAP cdn.jsdelivr.net 127.0.0.1:{cdn_port}"',
            "--ignore-certificate-errors",
        ]
    return " ".join(flags)


def install(timeout=600):
    """Fetch Lighthouse into the npx cache once (so a page's run does not time out on it)."""
    done = subprocess.run(  # noqa: S603 - fixed arguments
        ["npx", "--yes", PACKAGE, "--version"],  # noqa: S607 - npx from PATH
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise LighthouseError(f"npx {PACKAGE} failed: {done.stderr.strip()[-800:]}")
    return done.stdout.strip()


# Lighthouse's own advice for a trace it failed to record ("Please run Lighthouse again"):
# the page is fine, the recording was not. Such a run is tried again, twice at most.
RETRIED = ("NO_NAVSTART", "NO_FCP", "Please run Lighthouse again")


def run(url, report_path, cdn_port=None, headers=None, timeout=300, attempts=3):
    """Audit ``url``; returns ``{category: score 0-100}`` and writes the JSON report."""
    for attempt in range(attempts):
        try:
            return _run_once(url, report_path, cdn_port, headers, timeout)
        except LighthouseError as error:
            if attempt == attempts - 1 or not any(code in str(error) for code in RETRIED):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _run_once(url, report_path, cdn_port, headers, timeout):
    """One Lighthouse run of ``url``."""
    command = [
        "npx",
        "--yes",
        PACKAGE,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report_path}",
        "--form-factor=mobile",
        "--only-categories=" + ",".join(CATEGORIES),
        f"--chrome-flags={chrome_flags(cdn_port)}",
        "--max-wait-for-load=60000",
    ]
    if headers:
        command.append("--extra-headers=" + json.dumps(headers))
    try:
        done = subprocess.run(  # noqa: S603 - our own command line
            command,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise LighthouseError(f"Lighthouse took over {timeout} s on {url}") from None
    if done.returncode != 0 or not Path(report_path).is_file():
        raise LighthouseError(
            f"Lighthouse exited with {done.returncode}: {done.stderr.strip()[-800:]}"
        )
    return scores(json.loads(Path(report_path).read_text()))


def scores(report):
    """The category scores (0-100) of a Lighthouse JSON report, and the failed audits."""
    if report.get("runtimeError"):
        error = report["runtimeError"]
        raise LighthouseError(
            f"Lighthouse runtime error {error.get('code')}: {error.get('message')}"
        )
    result = {"final_url": report.get("finalDisplayedUrl") or report.get("finalUrl")}
    failing = {}
    for name in CATEGORIES:
        category = report["categories"].get(name, {})
        score = category.get("score")
        result[name] = None if score is None else round(score * 100)
        failing[name] = [
            ref["id"]
            for ref in category.get("auditRefs", [])
            if ref.get("weight")
            and report["audits"].get(ref["id"], {}).get("score") not in (None, 1)
        ]
    result["failing_audits"] = failing
    audits = report.get("audits", {})
    result["metrics"] = {
        name: audits[name].get("displayValue") for name in METRICS if name in audits
    }
    requests = (audits.get("network-requests", {}).get("details") or {}).get("items", [])
    result["cdn_requests"] = [
        {"url": item.get("url"), "status": item.get("statusCode")}
        for item in requests
        if "cdn.jsdelivr.net" in (item.get("url") or "")
    ]
    console = (audits.get("errors-in-console", {}).get("details") or {}).get("items", [])
    result["console_errors"] = [item.get("description") for item in console][:5]
    return result
