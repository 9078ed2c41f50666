"""Load generators: wrk with bench/wrk.lua, or a Python fallback when wrk is not installed.

Both answer the same dict: requests, requests_per_s, latency percentiles in ms and errors
(``status`` counts answers of 400 and above; the others are socket errors).
"""

import http.client
import json
import math
import os
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path

from .client import RETRYABLE

WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
MARKER = "BENCH_JSON "


class LoadError(Exception):
    """The load generator itself failed."""


def wrk_path():
    """The wrk executable, or None."""
    return shutil.which("wrk")


def tool_name(preferred="auto"):
    """``wrk`` when it is installed (or asked for), else ``python``."""
    if preferred == "python":
        return "python"
    if preferred == "wrk" and wrk_path() is None:
        raise LoadError("BENCH_LOADGEN=wrk but wrk is not installed")
    return "wrk" if wrk_path() else "python"


def run(tool, target, seconds, connections, threads):
    """Drive ``target`` (see ``Target``) for ``seconds`` with the chosen tool."""
    if tool == "wrk":
        return run_wrk(target, seconds, connections, threads)
    return run_python(target, seconds, connections)


class Target:
    """What to request: method, URL parts, headers, whether each request is a new entry, and
    the ``Cookie`` headers of the patients it goes round (one after the other), if several."""

    def __init__(self, host, port, path, method="GET", headers=None, entry_body=None, cookies=()):
        self.host, self.port, self.path, self.method = host, port, path, method
        self.headers = dict(headers or {})
        self.entry_body = entry_body  # a callable making a new JSON body per request, or None
        self.cookies = list(cookies)
        if any("\n" in cookie for cookie in self.cookies):
            raise LoadError("a Cookie header cannot hold a line break")

    @property
    def url(self):
        """The full URL."""
        return f"http://{self.host}:{self.port}{self.path}"


def wrk_command(target, seconds, connections, threads):
    """The wrk command line for ``target``."""
    command = [
        wrk_path() or "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(WRK_SCRIPT),
    ]
    if (target.method == "GET") == (target.entry_body is not None):
        raise LoadError("wrk sends GET requests, or POST requests with a new entry each")
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, target.url]


def parse_wrk(output):
    """The numbers of the ``BENCH_JSON`` line that bench/wrk.lua's done() prints."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            raw = json.loads(line[len(MARKER) :])
            break
    else:
        raise LoadError("wrk printed no BENCH_JSON line:\n" + output[-2000:])
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "requests_per_s": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p95_ms": round(latency["p95"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "mean_ms": round(latency["mean"] / 1000, 2),
        "max_ms": round(latency["max"] / 1000, 2),
        "errors": raw["errors"],
    }


def run_wrk(target, seconds, connections, threads):
    """Run wrk and parse what bench/wrk.lua prints."""
    env = dict(os.environ)
    env.pop("BENCH_BODY", None)
    env.pop("BENCH_COOKIES", None)
    if target.entry_body is not None:
        env["BENCH_BODY"] = "entry"
    if target.cookies:
        env["BENCH_COOKIES"] = "\n".join(target.cookies)
    command = wrk_command(target, seconds, connections, threads)
    done = subprocess.run(  # noqa: S603 - our own fixed command line
        command, capture_output=True, text=True, env=env, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise LoadError(f"wrk exited with {done.returncode}: {done.stderr.strip()[-2000:]}")
    return parse_wrk(done.stdout)


def percentile(values, fraction):
    """The nearest-rank percentile of ``values`` (sorted or not)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def run_python(target, seconds, connections):
    """A keep-alive load generator on threads and http.client (less exact than wrk).

    Its own work competes with the server for the same cores and the GIL, so absolute rates
    are lower than wrk's; ratios between endpoints of the same run stay comparable.
    """
    deadline = time.perf_counter() + seconds
    latencies, lock = [], threading.Lock()
    errors = dict.fromkeys(("connect", "read", "write", "status", "timeout"), 0)

    def worker(number):
        connection, mine, my_errors = None, [], dict.fromkeys(errors, 0)
        sent = number
        while time.perf_counter() < deadline:
            if connection is None:
                connection = http.client.HTTPConnection(target.host, target.port, timeout=10)
            body = target.entry_body() if target.entry_body else None
            headers = dict(target.headers)
            if body is not None:
                headers["Content-Type"] = "application/json"
            if target.cookies:
                headers["Cookie"] = target.cookies[sent % len(target.cookies)]
                sent += connections
            started = time.perf_counter()
            try:
                connection.request(target.method, target.path, body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
            except TimeoutError:
                my_errors["timeout"] += 1
                connection.close()
                connection = None
                continue
            except (*RETRYABLE, ConnectionRefusedError, http.client.HTTPException, OSError):
                my_errors["read"] += 1
                connection.close()
                connection = None
                continue
            mine.append(time.perf_counter() - started)
            if answer.status >= 400:
                my_errors["status"] += 1
            if answer.will_close:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()
        with lock:
            latencies.extend(mine)
            for name, count in my_errors.items():
                errors[name] += count

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(number,)) for number in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    millis = [value * 1000 for value in latencies]
    return {
        "requests": len(millis),
        "seconds": round(elapsed, 3),
        "requests_per_s": round(len(millis) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(millis, 0.50), 2),
        "p95_ms": round(percentile(millis, 0.95), 2),
        "p99_ms": round(percentile(millis, 0.99), 2),
        "mean_ms": round(statistics.fmean(millis), 2) if millis else 0.0,
        "max_ms": round(max(millis), 2) if millis else 0.0,
        "errors": errors,
    }
