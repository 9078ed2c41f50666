"""CLI commands and migrations: the schema comes only from migrations and matches the models."""

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from helpers import ON_POSTGRES, entry_body, make_app, sqlite_only
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from diary.cli import DEMO_EMAIL, DEMO_PASSWORD, SESSION_COUNT
from diary.core.extensions import db
from diary.core.timeutil import local_today
from diary.models import AcupunctureSession, Entry, User
from diary.services.accounts import authenticate


def test_upgrade_builds_an_empty_database_that_matches_the_models(tmp_path):
    app = make_app(tmp_path / "empty.sqlite")
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "users",
            "entries",
            "acupuncture_sessions",
            "custom_terms",
            "alembic_version",
        } <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


@sqlite_only
def test_sqlite_pragmas(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


@sqlite_only
def test_sqlite_page_cache_holds_a_long_trends_request(app):
    """32 MiB a connection (negative: KiB), not SQLite's 2 MB default (issue 19)."""
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -32768


@sqlite_only
def test_sqlite_reads_the_database_through_a_memory_map(app):
    """Up to 1 GiB of the file mapped (issue 19: a clinic's trends read pages from all over)."""
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA mmap_size").scalar() == 1 << 30


@pytest.mark.skipif(not ON_POSTGRES, reason="checks PostgreSQL's session settings")
def test_postgres_sessions_plan_no_parallel_workers(database_path):
    """Set for every session, keeping the options the URL gives."""
    url = make_url(str(database_path)).update_query_dict(
        {"options": "-c statement_timeout=5000"}
    )
    app = make_app(url.render_as_string(hide_password=False))
    with app.app_context():
        with db.engine.connect() as connection:
            show = connection.exec_driver_sql
            assert show("SHOW max_parallel_workers_per_gather").scalar() == "0"
            assert show("SHOW statement_timeout").scalar() == "5s"
        db.engine.dispose()


def test_seed_demo_creates_ten_weeks_and_eight_sessions(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert DEMO_EMAIL in result.output and DEMO_PASSWORD in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
        assert authenticate(DEMO_EMAIL, DEMO_PASSWORD) is not None
        dates = db.session.scalars(select(Entry.local_date).where(Entry.user_id == user.id)).all()
        today = local_today(user.timezone)
        assert max(dates) == today
        assert (today - min(dates)).days == 69
        assert len(dates) > 110
        sessions = db.session.scalars(
            select(AcupunctureSession)
            .where(AcupunctureSession.user_id == user.id)
            .order_by(AcupunctureSession.started_at)
        ).all()
        assert len(sessions) == SESSION_COUNT
        days = [session.local_date for session in sessions]
        gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
        assert gaps == [7] * (SESSION_COUNT - 1)
        early = db.session.scalar(
            select(func.avg(Entry.overall)).where(
                Entry.user_id == user.id, Entry.local_date < sessions[0].local_date
            )
        )
        late = db.session.scalar(
            select(func.avg(Entry.overall)).where(
                Entry.user_id == user.id, Entry.local_date > sessions[-1].local_date
            )
        )
        assert early - late > 2.5, "pain eases over the course"


def test_seed_demo_twice_keeps_one_patient_and_reset_recreates(app, runner):
    runner.invoke(args=["seed-demo"])
    again = runner.invoke(args=["seed-demo"])
    assert "already exists" in again.output
    reset = runner.invoke(args=["seed-demo", "--reset"])
    assert reset.exit_code == 0 and "Created" in reset.output
    with app.app_context():
        demo = db.session.scalars(select(User).where(User.email == DEMO_EMAIL)).all()
        assert len(demo) == 1
        # The demo practitioner and four generated patients (section 13) come with it.
        assert db.session.scalar(select(func.count()).select_from(User)) == 6
        sessions = select(func.count()).where(AcupunctureSession.user_id == demo[0].id)
        assert db.session.scalar(sessions) == SESSION_COUNT


@sqlite_only
def test_backup_command_makes_a_consistent_copy(app, runner, api, tmp_path):
    api.post("/entries", entry_body())
    target = tmp_path / "copy.sqlite"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM entries").fetchone() == (1,)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output


def test_upgrade_from_the_first_revision_keeps_every_row(tmp_path):
    app = make_app(tmp_path / "old.sqlite")
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, email, password_hash, display_name, timezone, "
                "session_nonce, created_at, password_changed_at) VALUES "
                "(1, 'old@example.com', 'x', 'Old', 'UTC', 'n', '2026-01-01', '2026-01-01')"
            )
            connection.exec_driver_sql(
                "INSERT INTO entries (id, user_id, recorded_at, local_date, overall, back, leg, "
                "locations, pain_types, triggers, relievers, medications, sleep_quality, "
                "interference, notes, version, created_at, updated_at) VALUES "
                "('e1', 1, '2026-01-02 08:00:00', '2026-01-02', 6, NULL, 7, "
                "'[{\"region\": \"calf\", \"side\": \"left\"}]', '[\"burning\"]', '[]', '[]', "
                "'', NULL, NULL, 'kept', 3, '2026-01-02', '2026-01-02')"
            )
            connection.exec_driver_sql(
                "INSERT INTO acupuncture_sessions (id, user_id, started_at, local_date, "
                "practitioner, techniques, points, pain_before, pain_after, notes, version, "
                "created_at, updated_at) VALUES ('s1', 1, '2026-01-03 10:00:00', '2026-01-03', "
                "'Dr Lee', '[\"manual\"]', 'BL23', 6, 3, '', 1, '2026-01-03', '2026-01-03')"
            )
        upgrade()
        entry = db.session.get(Entry, "e1")
        assert entry.notes == "kept" and entry.version == 3 and entry.leg == 7
        assert entry.locations == [{"region": "calf", "side": "left"}]
        assert db.session.get(AcupunctureSession, "s1").points == "BL23"
        assert db.session.get(User, 1).email == "old@example.com"
        assert "share_links" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_seed_demo_adds_a_practitioner_with_patients_in_every_state(app, runner):
    from helpers import Api, login

    from diary.cli import PRACTITIONER_EMAIL, PRACTITIONER_PASSWORD

    result = runner.invoke(args=["seed-demo"])
    assert "practitioner@example.com / acupuncture-demo" in result.output
    client = app.test_client()
    assert login(client, PRACTITIONER_EMAIL, PRACTITIONER_PASSWORD).status_code == 303
    rows = Api(client).get("/practice/patients").get_json()["patients"]
    found = {row["display_name"]: row for row in rows}
    assert [row["display_name"] for row in rows][:3] == ["Ken Ito", "Tom Becker", "Priya Shah"]
    assert found["Ken Ito"]["flags"] == ["red_flag"]
    assert found["Tom Becker"]["flags"] == ["worse"]
    assert found["Priya Shah"]["flags"] == ["not_logging", "check_in_due"]
    assert found["Maria Lopez"]["latest_peg"] is not None
    assert found["Maria Lopez"]["progress"]["category"] in ("substantial", "moderate")
    assert found["Alex Demo"]["flags"] == [] and found["Alex Demo"]["last_session"]["number"] == 8
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    again = Api(client).get("/practice/patients").get_json()["patients"]
    assert len(again) == len(rows) == 5
