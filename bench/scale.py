"""Trends at clinic scale: one-year trends on one patient's database and on a clinic's.

For SQLite and for PostgreSQL, each of two databases gets a gunicorn of its own with the trends
cache off (``FLASK_TRENDS_CACHE_SIZE=0``: every request computes): the one-patient database and
the clinic's (``bench/clinic.py``: 1,000 patients, a year each, their rows interleaved). On each,
``BENCH_CLINIC_LOGINS`` patients log in over HTTP, then two load runs: ``/healthz``, and
``GET /api/v1/trends`` over the diary's year going round the patients (one clinic patient after
another, so no patient's pages stay in a connection's cache). The figures are each server's
trends throughput as a ratio to its own ``/healthz``, and the slowdown: the one-patient ratio
over the clinic's (issue 19 aims at 1.5 at most).

PostgreSQL is ``BENCH_POSTGRES_URL`` (a server where the bench may create databases) or else a
throwaway cluster from ``tests/postgres.sh`` (with ``shared_buffers`` large enough to hold the
clinic, as a clinic's server would be set up); without PostgreSQL its rows say why not.
"""

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from . import clinic, loadgen
from .client import BenchError
from .server import HOST, PASSWORD, ROOT, Server, free_port, migrate

# (patients, days) of the clinic database.
SIZES = {"full": (1000, clinic.DAYS), "tiny": (3, 14)}
POSTGRES_OPTIONS = "-c shared_buffers=512MB"


class Unavailable(Exception):
    """PostgreSQL cannot be used here; the message says why."""


class Postgres:
    """The PostgreSQL server of the clinic rows and the databases made on it."""

    def __init__(self, url=""):
        self.url = url
        self.env = None  # set when this bench started a cluster of its own
        self.names = []

    def start(self):
        """Use ``BENCH_POSTGRES_URL``, or start a throwaway cluster; raises Unavailable."""
        if self.url:
            return
        port = free_port()
        self.env = {
            **os.environ,
            "TEST_PG_PORT": str(port),
            "TEST_PG_DATA": str(Path(tempfile.gettempdir()) / f"diary-bench-pg-{port}"),
            "TEST_PG_OPTIONS": POSTGRES_OPTIONS,
        }
        done = self._script("start")
        if done.returncode != 0:
            reason = "not installed" if done.returncode == 3 else "could not start"
            raise Unavailable(f"PostgreSQL {reason}: {done.stderr.strip()[-500:]}")
        self.url = done.stdout.strip().splitlines()[-1]

    def _script(self, command):
        return subprocess.run(  # noqa: S603 - our own script
            [str(ROOT / "tests" / "postgres.sh"), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def _execute(self, statement):
        import psycopg
        from sqlalchemy.engine import make_url

        address = make_url(self.url).set(drivername="postgresql")
        with psycopg.connect(
            address.render_as_string(hide_password=False), autocommit=True
        ) as connection:
            connection.execute(statement)

    def database(self, label):
        """A new, empty database; answers its SQLAlchemy URL."""
        from sqlalchemy.engine import make_url

        name = f"diary_bench_{label}_{uuid.uuid4().hex[:8]}"
        self._execute(f"CREATE DATABASE {name}")
        self.names.append(name)
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def stop(self):
        """Drop the databases made here; stop the cluster if this bench started it."""
        if self.env is not None:
            self._script("stop")
            return
        for name in self.names:
            self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _sample(patients, count):
    """``count`` patient numbers spread evenly over 1..``patients``."""
    count = min(count, patients)
    return sorted({1 + (index * patients) // count for index in range(count)})


def _serve(settings, tool, url, patients, days):
    """/healthz and uncached 1-year trends on a gunicorn serving ``url``."""
    server = Server(settings, database_url=url, FLASK_TRENDS_CACHE_SIZE="0")
    try:
        server.start()
        path = f"/api/v1/trends?{clinic.diary_range(days)}"
        cookies = []
        for number in _sample(patients, settings.clinic_logins):
            visitor = server.log_in(clinic.EMAIL.format(number=number))
            visitor.get(path)  # the patient can see their trends
            cookies.append(visitor.cookie_header())
        connections = settings.connections
        healthz = loadgen.Target(HOST, server.port, "/healthz")
        trends = loadgen.Target(HOST, server.port, path, cookies=cookies)
        measured = {
            "healthz": server.measure(tool, healthz, "/healthz", connections),
            "trends": server.measure(tool, trends, "/api/v1/trends", connections),
            "patients_logged_in": len(cookies),
            "trends_cache_size": int(server.env["FLASK_TRENDS_CACHE_SIZE"]),
        }
    finally:
        server.cleanup()
    for name in ("healthz", "trends"):
        failed = sum(measured[name]["errors"].values())
        if failed:
            raise BenchError(f"{failed} failed requests of {name} on {url.split(':')[0]}")
    base = measured["healthz"]["requests_per_s"]
    measured["ratio_to_healthz"] = round(measured["trends"]["requests_per_s"] / base, 3)
    return measured


def _kind(settings, tool, urls, patients, days, size_of):
    """Both databases of one kind: their figures, the slowdown and the clinic's size."""
    one = _serve(settings, tool, urls["one"], 1, days)
    many = _serve(settings, tool, urls["clinic"], patients, days)
    clinic_bytes = size_of(urls["clinic"])
    patient_years = patients * days / 365.25
    return {
        "one_patient": one,
        "clinic": many,
        "slowdown": round(one["ratio_to_healthz"] / many["ratio_to_healthz"], 2),
        "clinic_bytes": clinic_bytes,
        "patient_years_per_gb": round(patient_years / (clinic_bytes / 1e9)),
    }


def measure(settings, tool):
    """The clinic rows of ``make bench``: ``{"patients", "days", "databases": {kind: ...}}``;
    a database kind that could not be measured holds ``{"error": why}``."""
    patients, days = SIZES[settings.dataset]
    results = {"patients": patients, "days": days, "databases": {}}
    folder = Path(tempfile.mkdtemp(prefix="diary-clinic-"))
    try:
        files = {
            "one": clinic.sqlite_database(1, folder, migrate, PASSWORD, days),
            "clinic": clinic.sqlite_database(patients, folder, migrate, PASSWORD, days),
        }
        urls = {size: f"sqlite:///{path}" for size, path in files.items()}
        results["databases"]["sqlite"] = _kind(
            settings, tool, urls, patients, days, lambda url: clinic.size_on_disk(files["clinic"])
        )
        postgres = Postgres(settings.postgres_url)
        try:
            postgres.start()
            urls = {}
            for size in ("one", "clinic"):
                urls[size] = postgres.database(size)
                clinic.load_postgres(files[size], urls[size], migrate)
            results["databases"]["postgresql"] = _kind(
                settings, tool, urls, patients, days, clinic.size_on_disk
            )
        except Unavailable as error:
            results["databases"]["postgresql"] = {"error": str(error)}
        finally:
            postgres.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results
