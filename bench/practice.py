"""PRODUCT.md section 16: the practitioner's dashboard for 500 patients with a year each.

Measured in process (the app's own time for the request, as the access log would show it, no
network or worker queue): a fresh SQLite database in a temporary folder is migrated and filled
straight through the models (500 imports over HTTP would take longer than the whole bench), a
practitioner connected to every patient asks ``GET /practice`` and ``GET /api/v1/practice/
patients`` ``requests`` times each, and the SQL statements of one request are counted with one
patient connected and with all of them.
"""

import random
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, insert

from . import loadgen

PASSWORD = "bench-practitioner-password"  # noqa: S105 - a throwaway account
TIMEZONE = "Europe/London"


def _app(database):
    from diary import create_app

    return create_app(
        {
            "TESTING": True,  # the cheap password hash; nothing else changes on the paths timed
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "RATELIMIT_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": False,
            "PUBLIC_URL": "http://localhost",
        }
    )


def _fill(app, patients, days, seed=16):
    """``patients`` patients with ``days`` of two entries a day and a weekly session, all
    connected to one practitioner; returns the practitioner's and the first patient's ids."""
    from diary.core.extensions import db
    from diary.core.timeutil import local_today, utcnow, zone
    from diary.models import PRACTITIONER, AcupunctureSession, CareConnection, Entry, User
    from diary.services import accounts

    rng = random.Random(seed)  # noqa: S311 - made-up diaries, not secrets
    tz = zone(TIMEZONE)
    with app.app_context():
        practitioner = User(
            email="bench-practitioner@example.com",
            password_hash=accounts.hash_password(PASSWORD),
            role=PRACTITIONER,
            practice="Bench clinic",
            timezone=TIMEZONE,
        )
        db.session.add(practitioner)
        users = [
            User(
                email=f"bench-patient-{n}@example.com",
                password_hash="!",  # noqa: S106 - not a hash: no login
                display_name=f"Patient {n:03d}",
                timezone=TIMEZONE,
            )
            for n in range(patients)
        ]
        db.session.add_all(users)
        db.session.commit()
        first_day = local_today(TIMEZONE) - timedelta(days=days - 1)
        now = utcnow()
        for user in users:
            entries, sessions = [], []
            level = rng.uniform(3, 8)
            for day in range(days):
                for hour in (8, 20):
                    instant = datetime.combine(first_day + timedelta(days=day), clock(hour), tz)
                    if instant > now or rng.random() < 0.1:
                        continue
                    overall = max(0, min(10, round(level + rng.uniform(-1.5, 1.5))))
                    entries.append(
                        {
                            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            "user_id": user.id,
                            "recorded_at": instant,
                            "local_date": instant.date(),
                            "overall": overall,
                            "back": overall,
                            "leg": max(0, overall - 1),
                            "locations": [], "pain_types": [], "triggers": [], "relievers": [],
                            "medications": "", "notes": "", "version": 1,
                            "created_at": instant, "updated_at": instant,
                        }
                    )
                if day % 7 == 3 and day >= 14:
                    started = datetime.combine(first_day + timedelta(days=day), clock(11), tz)
                    sessions.append(
                        {
                            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            "user_id": user.id, "started_at": started,
                            "local_date": started.date(), "practitioner": "", "techniques": [],
                            "points": "", "notes": "", "version": 1,
                            "created_at": started, "updated_at": started,
                        }
                    )
                level += rng.uniform(-0.08, 0.06)
            db.session.execute(insert(Entry), entries)
            if sessions:
                db.session.execute(insert(AcupunctureSession), sessions)
            user.entry_count, user.session_count = len(entries), len(sessions)
        db.session.add_all(
            CareConnection(
                id=str(uuid.uuid4()), patient_id=user.id, practitioner_id=practitioner.id,
                include_notes=False, created_at=now,
            )
            for user in users
        )
        db.session.commit()
        return practitioner.id, sum(user.entry_count for user in users)


def _statements(app, client, path):
    """How many SQL statements one request of ``path`` sends."""
    from diary.core.extensions import db

    sent = []
    with app.app_context():
        engine = db.engine

    def record(*args):
        sent.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return len(sent)


def _timed(client, path, requests):
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return {
        "requests": requests,
        "p50_ms": round(loadgen.percentile(times, 0.50), 2),
        "p95_ms": round(loadgen.percentile(times, 0.95), 2),
    }


def measure(patients, days, requests):
    """The dashboard's times and query counts; a dict for results.json."""
    from diary.core.extensions import db

    with tempfile.TemporaryDirectory(prefix="bench-practice-") as folder:
        database = Path(folder) / "practice.sqlite"
        app = _app(database)
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        _, entries = _fill(app, 1, days, seed=1)
        client = app.test_client()
        client.post(
            "/login", data={"email": "bench-practitioner@example.com", "password": PASSWORD}
        )
        client.get("/practice")  # the first request's one-off work
        one = _statements(app, client, "/api/v1/practice/patients")
        with app.app_context():
            db.engine.dispose()
        database.unlink()
        app = _app(database)
        with app.app_context():
            upgrade()
        _, entries = _fill(app, patients, days)
        filled_s = time.perf_counter() - started
        client = app.test_client()
        client.post(
            "/login", data={"email": "bench-practitioner@example.com", "password": PASSWORD}
        )
        client.get("/practice")
        many = _statements(app, client, "/api/v1/practice/patients")
        result = {
            "patients": patients,
            "days": days,
            "entries": entries,
            "fill_s": round(filled_s, 1),
            "page": _timed(client, "/practice", requests),
            "api": _timed(client, "/api/v1/practice/patients", requests),
            "queries": {"one_patient": one, "all_patients": many},
        }
        with app.app_context():
            db.engine.dispose()
        return result


if __name__ == "__main__":
    import json
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    print(json.dumps(measure(count, 365, 20), indent=2))
