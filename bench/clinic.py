"""A clinic's database: many patients with a year of diary each, their rows interleaved by time.

A clinic's patients write on the same days, so on disk each patient's rows sit between everyone
else's: reading one patient's year touches hundreds of pages that a one-patient database keeps
together. ``sqlite_database`` builds such a database in bulk (straight into SQLite, the rows in
the order they would have been written), keeps it under ``.cache/bench-clinic/`` named after the
dataset's version and the schema's migrations, and hands out copies; ``load_postgres`` copies it
into a PostgreSQL database with ``COPY``.

The diaries are ``TEMPLATES`` different ones from ``dataset.diary`` (every patient has one of
them, under ids of their own), so building 1,000 patients takes seconds, not minutes; every
patient has the same password, hashed once with the app's full argon2 parameters.
"""

import hashlib
import random
import shutil
import sqlite3
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from . import dataset

# Bump when what is built changes (the generator, the sizes): older cached files are not used.
VERSION = 1
DAYS, SESSIONS = 365, 40
TEMPLATES = 25
END = date(2026, 10, 31)  # fixed, so a cached database stays the same from day to day
EMAIL = "patient-{number}@clinic.example"
ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench-clinic"
# The tables filled, in the order their rows are written (users first: the others point at it).
TABLES = ("users", "acupuncture_sessions", "entries")


def diary_range(days=DAYS):
    """The ``from``/``to`` query of every patient's whole diary."""
    first = END.toordinal() - days + 1
    return dataset.date_range(date.fromordinal(first), END)


def schema_key():
    """A short digest of the migrations' file names: a new migration means a new database."""
    names = sorted(path.name for path in (ROOT / "migrations" / "versions").glob("*.py"))
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:10]


def cache_path(patients, days=DAYS):
    """Where the database of ``patients`` patients (``days`` of diary each) is kept."""
    return CACHE / f"clinic-v{VERSION}-{schema_key()}-{patients}x{days}.sqlite"


def _storage(table, dialect):
    """Column names and a function turning a dict of Python values into the stored tuple.

    The column types' own bind processors do the conversion, so the text is the app's own
    (SQLite keeps instants as ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC and lists as JSON text).
    """
    columns = list(table.columns)
    assert [column.name for column in columns[:2]] in (["id", "user_id"], ["id", "email"])  # noqa: S101
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]

    def value(values, column):
        """The given value, else the column's own default (columns added by later issues)."""
        if column.name in values:
            return values[column.name]
        default = column.default
        if default is not None and default.is_scalar:
            return default.arg
        if column.nullable:
            return None
        raise KeyError(column.name)

    def stored(values):
        return tuple(
            process(value(values, column)) if process else value(values, column)
            for column, process in zip(columns, processors, strict=True)
        )

    return [column.name for column in columns], stored


def _instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _entry_values(item):
    return {
        "recorded_at": _instant(item["recorded_at"]),
        "local_date": date.fromisoformat(item["local_date"]),
        **item["pain"],
        **{
            name: item[name]
            for name in (
                "locations",
                "pain_types",
                "triggers",
                "relievers",
                "medications",
                "sleep_quality",
                "interference",
                "notes",
            )
        },
        "version": 1,
        "created_at": _instant(item["created_at"]),
        "updated_at": _instant(item["updated_at"]),
    }


def _session_values(item):
    return {
        "started_at": _instant(item["started_at"]),
        "local_date": date.fromisoformat(item["local_date"]),
        **{
            name: item[name]
            for name in ("practitioner", "techniques", "points", "pain_before", "pain_after")
        },
        "notes": item["notes"],
        "version": 1,
        "created_at": _instant(item["created_at"]),
        "updated_at": _instant(item["updated_at"]),
    }


def _templates(days, dialect, tables):
    """``TEMPLATES`` diaries as stored tuples, ``id`` and ``user_id`` left to fill."""
    made = []
    entry_columns, entry_row = _storage(tables["entries"], dialect)
    session_columns, session_row = _storage(tables["acupuncture_sessions"], dialect)
    sessions_count = max(1, round(SESSIONS * days / DAYS))
    for seed in range(TEMPLATES):
        entries, sessions, _, _ = dataset.diary(days, sessions_count, end=END, seed=seed + 1)
        made.append(
            {
                "entries": [
                    entry_row({"id": None, "user_id": None, **_entry_values(item)})
                    for item in entries
                ],
                "acupuncture_sessions": [
                    session_row({"id": None, "user_id": None, **_session_values(item)})
                    for item in sessions
                ],
            }
        )
    return made, {"entries": entry_columns, "acupuncture_sessions": session_columns}


def _user_rows(patients, dialect, table, password_hash, counts):
    from diary.models import new_data_tag, new_session_nonce

    columns, stored = _storage(table, dialect)
    joined = datetime(END.year - 2, 1, 1, tzinfo=UTC)
    rows = [
        stored(
            {
                "id": number,
                "email": EMAIL.format(number=number),
                "password_hash": password_hash,
                "display_name": "",
                "timezone": dataset.TIMEZONE,
                "session_nonce": new_session_nonce(),
                "created_at": joined,
                "password_changed_at": joined,
                "data_tag": new_data_tag(),
                "entry_count": counts[number]["entries"],
                "session_count": counts[number]["acupuncture_sessions"],
            }
        )
        for number in range(1, patients + 1)
    ]
    return columns, rows


def _interleaved(templates, patients, name, time_column):
    """Every patient's rows of table ``name``, in the order of their time (a clinic's order).

    Patient ``n`` has template ``n % TEMPLATES``; ids are made from a seeded generator.
    """
    rng = random.Random(patients)  # noqa: S311 - made-up ids, not secrets
    rows = []
    for number in range(1, patients + 1):
        for row in templates[number % TEMPLATES][name]:
            rows.append((row[time_column], number, row))
    rows.sort(key=lambda item: (item[0], item[1]))
    return [
        (str(uuid.UUID(int=rng.getrandbits(128), version=4)), number, *row[2:])
        for _, number, row in rows
    ]


def fill_sqlite(path, patients, password_hash, days=DAYS):
    """Write ``patients`` patients into the migrated, empty SQLite database at ``path``.

    The indexes are dropped while the rows go in and made again afterwards (much faster than
    keeping them up to date row by row); the schema is otherwise the migrations' own.
    """
    from sqlalchemy.dialects import sqlite

    from diary.models import AcupunctureSession, Entry, User

    dialect = sqlite.dialect()
    tables = {
        "users": User.__table__,
        "entries": Entry.__table__,
        "acupuncture_sessions": AcupunctureSession.__table__,
    }
    templates, columns = _templates(days, dialect, tables)
    counts = {
        number: {name: len(templates[number % TEMPLATES][name]) for name in columns}
        for number in range(1, patients + 1)
    }
    columns["users"], user_rows = _user_rows(
        patients, dialect, tables["users"], password_hash, counts
    )
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")
        indexes = [
            (name, sql)
            for name, sql in connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN ('entries', 'acupuncture_sessions')"
            )
        ]
        connection.execute("BEGIN")
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        for name in TABLES:
            rows = (
                user_rows
                if name == "users"
                else _interleaved(templates, patients, name, columns[name].index(_time(name)))
            )
            names = ", ".join(columns[name])
            marks = ", ".join("?" * len(columns[name]))
            connection.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", rows)  # noqa: S608 - table and column names of our own
        for _, sql in indexes:
            connection.execute(sql)
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _time(table):
    return "started_at" if table == "acupuncture_sessions" else "recorded_at"


def password_hash(password):
    """``password`` hashed as the app hashes it (argon2id, the full parameters)."""
    from argon2 import PasswordHasher

    from diary.services.accounts import HASH_PROFILES

    return PasswordHasher(**HASH_PROFILES["full"]).hash(password)


def sqlite_database(patients, folder, migrate, password, days=DAYS):
    """A copy in ``folder`` of the cached clinic database, built first when missing.

    ``migrate(url)`` runs ``flask db upgrade`` on a database URL. Answers the copy's Path.
    """
    cached = cache_path(patients, days)
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        draft = cached.with_name(cached.name + ".building")
        for leftover in cached.parent.glob(draft.name + "*"):
            leftover.unlink()
        migrate(f"sqlite:///{draft}")
        fill_sqlite(draft, patients, password_hash(password), days)
        draft.rename(cached)  # whole or not at all: a stopped build leaves no half database
    copy = Path(folder) / cached.name
    shutil.copyfile(cached, copy)
    return copy


def load_postgres(sqlite_path, url, migrate):
    """Migrate the PostgreSQL database at ``url`` and copy the clinic's rows into it.

    Rows go in with ``COPY``, in the SQLite file's order (so PostgreSQL's pages interleave the
    patients the same way), then ``VACUUM ANALYZE`` gives the planner its statistics and the
    index-only scans their visibility map, as autovacuum would on a real server.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    migrate(url)
    address = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    source = sqlite3.connect(sqlite_path)
    try:
        with psycopg.connect(address) as target:
            target.execute("SET TIME ZONE 'UTC'")  # SQLite's instants are UTC text
            # VACUUM marks a page all-visible only once the commit that wrote it is on disk:
            # under the throwaway cluster's synchronous_commit=off it might not be yet.
            target.execute("SET synchronous_commit = on")
            for name in TABLES:
                cursor = source.execute(f"SELECT * FROM {name} ORDER BY rowid")  # noqa: S608
                names = ", ".join(column[0] for column in cursor.description)
                with target.cursor().copy(f"COPY {name} ({names}) FROM STDIN") as copy:
                    for row in cursor:
                        copy.write_row(row)
            target.execute(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"
            )
            target.commit()
            target.autocommit = True
            target.execute("VACUUM ANALYZE")
    finally:
        source.close()


def size_on_disk(url_or_path):
    """The database's size in bytes (SQLite file, or PostgreSQL's ``pg_database_size``)."""
    text = str(url_or_path)
    if "://" not in text:
        return Path(text).stat().st_size
    import psycopg
    from sqlalchemy.engine import make_url

    address = make_url(text).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(address) as connection:
        return connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def describe(patients, days=DAYS):
    """What the clinic database holds, for results.json."""
    return {
        "patients": patients,
        "days": days,
        "entries_per_patient": 2 * days,
        "templates": TEMPLATES,
        "range": diary_range(days),
        "version": VERSION,
    }

