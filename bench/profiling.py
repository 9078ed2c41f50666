"""Profile the 5-year trends request and the entry POST in-process with pyinstrument.

``.venv/bin/pip install pyinstrument`` (not a project dependency), then
``.venv/bin/python -m bench.profiling [requests]``. For each request kind it prints the median
time without the profiler, the SQL statements per request and pyinstrument's call tree, and
writes an HTML profile to ``.cache/bench-profiles/`` (git-ignored).
"""

import json
import logging
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event

from diary import create_app
from diary.core.extensions import db

from . import dataset
from .server import DATASETS

OUT = Path(__file__).resolve().parents[1] / ".cache" / "bench-profiles"
PASSWORD = "bench-patient-password"  # noqa: S105 - a throwaway account


def app_on(path):
    """The app on a fresh SQLite file, configured as the bench's gunicorn is."""
    app = create_app(
        {
            "SECRET_KEY": "profile",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "RATELIMIT_ENABLED": False,
            "TRENDS_CACHE_SIZE": 0,  # profile the computation, not the cache
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        upgrade()
    return app


def signed_up(app):
    """A test client of a new patient, and its CSRF token."""
    client = app.test_client()
    html = client.get("/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)
    client.post(
        "/register",
        data={
            "email": "profile@example.com",
            "password": PASSWORD,
            "timezone": dataset.TIMEZONE,
            "csrf_token": token,
        },
    )
    return client, client.get("/api/v1/me").get_json()["csrf_token"]


def expect(response, status):
    """Stop with the body when a request did not answer ``status``."""
    if response.status_code != status:
        raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)[:500]}")


class QueryCounter:
    """Counts SQL statements on the app's engine."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1


def profile(name, requests, call):
    """Time ``requests`` calls of ``call``, then profile as many; print and save the profile."""
    from pyinstrument import Profiler

    times = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{name}: median {statistics.median(times):.1f} ms without the profiler (in-process)")
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(requests):
        call()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.html").write_text(profiler.output_html())


def main(requests=20):
    """Build the 5-year diary, then profile its trends and new entries."""
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        sys.exit("pip install pyinstrument first (it is not a project dependency)")
    with tempfile.TemporaryDirectory(prefix="diary-profile-") as folder:
        app = app_on(Path(folder) / "profile.sqlite")
        # One log line per request would swamp the profile (set after Alembic's logging setup).
        logging.getLogger("diary.access").disabled = True
        client, token = signed_up(app)
        days, session_count = DATASETS["full"]["five_year"]
        entries, sessions, first, last = dataset.diary(days, session_count, seed=5)
        answer = client.post(
            "/api/v1/import/backup",
            json=dataset.backup_document(entries, sessions),
            headers={"X-CSRFToken": token},
        )
        expect(answer, 200)
        trends_path = f"/api/v1/trends?{dataset.date_range(first, last)}"
        rng = random.Random(3)  # noqa: S311 - test data
        with app.app_context():
            counter = QueryCounter(db.engine)

        def trends():
            expect(client.get(trends_path), 200)

        def post_entry():
            body = dataset.entry_body(rng)
            headers = {"X-CSRFToken": token}
            expect(client.post("/api/v1/entries", data=json.dumps(body), headers=headers), 201)

        for name, call in (("trends-5y", trends), ("post-entry", post_entry)):
            call()  # warm: templates, caches, first connection
            before = counter.count
            call()
            print(f"{name}: {counter.count - before} SQL statements per request")
            profile(name, requests, call)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
