"""Migrations never lose a row: SQLite table rebuilds run with foreign keys off and checked."""

import shutil
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from helpers import entry_body, response_body, session_body, sqlite_only
from sqlalchemy import inspect, text

from diary import resource_dir
from diary.core.extensions import db

HEAD = "0011"
HEAD_FILE = "0011_locale.py"


def fill(api, entries=12, sessions=3):
    """A patient with entries, sessions, a custom term and a share link."""
    for day in range(entries):
        body = entry_body(recorded_at=f"2026-03-{day + 1:02d}T08:30:00Z")
        assert api.post("/entries", body).status_code == 201
    for week in range(sessions):
        body = session_body(started_at=f"2026-03-{7 * week + 2:02d}T10:00:00Z")
        assert api.post("/sessions", body).status_code == 201
    assert api.post("/vocabulary/triggers", {"label": "Gardening"}).status_code == 201
    assert api.post("/me/confirm", {"password": "correct horse battery"}).status_code == 204
    assert api.post("/shares", {"label": "Dr Lee"}).status_code == 201


def row_counts(app):
    """Rows per table (every table but Alembic's own)."""
    with app.app_context(), db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        return {
            table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()  # noqa: S608
            for table in sorted(tables)
        }


def migrations_with(tmp_path, name, body):
    """A copy of the migrations folder with one more revision after head, doing ``body``."""
    folder = tmp_path / "migrations"
    shutil.copytree(resource_dir("migrations"), folder)
    (folder / "versions" / f"9999_{name}.py").write_text(
        f'"""{name}"""\n'
        "from alembic import op\n"
        "import sqlalchemy as sa\n\n"
        f'revision = "9999"\ndown_revision = "{HEAD}"\nbranch_labels = None\ndepends_on = None\n\n'
        f"def upgrade():\n{body}\n\n"
        "def downgrade():\n    pass\n"
    )
    return str(folder)


def current_revision(app):
    """The revision the database is at."""
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@sqlite_only
def test_a_rebuild_of_users_keeps_every_row_of_every_table(app, api, tmp_path):
    fill(api)
    before = row_counts(app)
    assert before["entries"] == 12 and before["acupuncture_sessions"] == 3
    folder = migrations_with(
        tmp_path,
        "rebuild_users",
        '    with op.batch_alter_table("users", recreate="always") as batch_op:\n'
        '        batch_op.add_column(sa.Column("nickname", sa.String(20)))\n',
    )
    with app.app_context():
        upgrade(directory=folder)
    assert current_revision(app) == "9999"
    assert row_counts(app) == before
    assert api.get("/entries?from=2026-03-01&to=2026-03-31").get_json()["entries"]


@sqlite_only
def test_foreign_keys_are_back_on_after_a_migration(app, tmp_path):
    folder = migrations_with(tmp_path, "nothing", "    pass\n")
    with app.app_context():
        upgrade(directory=folder)
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@sqlite_only
def test_a_migration_that_orphans_rows_is_rolled_back_whole(app, api, tmp_path, capfd):
    fill(api)
    before = row_counts(app)
    folder = migrations_with(
        tmp_path,
        "orphans",
        '    op.add_column("users", sa.Column("nickname", sa.String(20)))\n'
        '    op.execute("DELETE FROM users")\n',
    )
    with app.app_context(), pytest.raises(SystemExit):  # `flask db upgrade` exits with 1
        upgrade(directory=folder)
    assert "point at missing rows; the migration was rolled back" in capfd.readouterr().err
    assert current_revision(app) == HEAD
    assert row_counts(app) == before
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("users")}
    assert "nickname" not in columns


def test_downgrade_to_the_first_revision_and_back_keeps_every_entry(app, api):
    fill(api)
    before = row_counts(app)
    with app.app_context():
        for revision in ("0009", "0005", "0004", "0003", "0002", "0001"):
            downgrade(revision=revision)
            counts = row_counts(app)
            kept = {table: before[table] for table in counts}
            assert counts == kept, f"rows lost going down to {revision}"
        upgrade()
    after = row_counts(app)
    # The share link table did not exist at 0001: the schema could not hold it.
    assert after == {**before, "share_links": 0}
    entries = api.get("/entries?from=2026-03-01&to=2026-03-31").get_json()["entries"]
    assert len(entries) == 12 and entries[0]["notes"] == "Long drive."


def test_the_migrations_folder_is_the_one_the_app_uses():
    assert Path(resource_dir("migrations"), "versions", HEAD_FILE).is_file()


def test_the_record_counts_are_filled_in_by_the_upgrade(app, api, other_api):
    fill(api, entries=5, sessions=2)
    other_api.post("/entries", entry_body())
    with app.app_context():
        downgrade(revision="0004")
        upgrade()
        with db.engine.connect() as connection:
            counts = connection.execute(
                text("SELECT email, entry_count, session_count FROM users ORDER BY email")
            ).all()
    assert [tuple(row) for row in counts] == [
        ("other@example.com", 1, 0),
        ("pat@example.com", 5, 2),
    ]


def test_down_to_0005_and_back_keeps_every_other_row_and_responses_start_again(app, api):
    fill(api, entries=6, sessions=2)
    for day in (1, 8):
        body = response_body(answered_at=f"2026-03-{day:02d}T09:00:00Z")
        assert api.post("/responses", body).status_code == 201
    before = row_counts(app)
    assert before["questionnaire_responses"] == 2
    with app.app_context():
        downgrade(revision="0005")
        down = row_counts(app)
        assert "questionnaire_responses" not in down
        assert down == {table: count for table, count in before.items() if table in down}
        with db.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("users")}
        assert "response_count" not in columns
        upgrade()
        with db.engine.connect() as connection:
            counts = connection.execute(text("SELECT response_count FROM users")).scalars().all()
    assert row_counts(app) == {**before, "questionnaire_responses": 0}
    assert counts == [0]
    assert api.post("/responses", response_body()).status_code == 201
    assert len(api.get("/entries").get_json()["entries"]) == 6


def test_accounts_from_before_practitioners_become_patients(app, api):
    fill(api, entries=2, sessions=1)
    with app.app_context():
        downgrade(revision="0008")
        upgrade()
    assert api.get("/me").get_json()["role"] == "patient"
    assert len(api.get("/entries").get_json()["entries"]) == 2
