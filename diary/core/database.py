"""The database engine: SQLite's pragmas and ``BEGIN IMMEDIATE``, PostgreSQL's session settings,
and migrations that keep rows.

The listeners attach to every ``Engine`` when this module is imported (``create_app`` does).
"""

import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from .extensions import db

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BUSY_TIMEOUT_MS = 10000  # how long SQLite waits for another writer before giving up
FIRST_RETRY_S, LONGEST_RETRY_S = 0.0002, 0.005
# SQLite's page cache per connection, in KiB (SQLite's default is 2,000 KiB). A trends request
# reads the range's rows five times (the day extras, then each list); in a clinic's database a
# patient's rows lie between everyone else's, one table page per entry, so a year is about 3 MB
# of pages and ten years (the longest range) about 30 MB. Too small a cache reads every page
# again for each of the five; the memory is taken only as pages are read.
SQLITE_CACHE_KIB = 32 * 1024
# And the database file is read through a memory map (up to 1 GiB, about 3,000 patient-years):
# a page not in the connection's cache is then the operating system's cached page itself, not a
# read() into a copy. 1-year trends of random patients of a 1,000-patient database, in-process:
# 13.6-14.4 ms with the 32 MiB cache alone, 11.2-11.9 ms mapped (one patient's alone: 8.6 ms).
SQLITE_MMAP_BYTES = 1 << 30
# PostgreSQL plans the trends queries of a large database on parallel workers: starting them
# costs more than the few hundred rows a request reads (issue 19: 13.7 ms against 3.4 ms).
POSTGRES_OPTIONS = "-c max_parallel_workers_per_gather=0"

# Outside a request (the reminder sender), code that is about to write says so with ``writing``.
_writing = ContextVar("diary_writing", default=False)


@contextmanager
def writing():
    """Transactions begun inside take SQLite's write lock at once (``BEGIN IMMEDIATE``), as a
    write request's do: a read-then-write never fails on a snapshot another writer moved."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def _is_sqlite(dbapi_connection):
    return type(dbapi_connection).__module__.split(".")[0] in ("sqlite3", "pysqlite2")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on foreign keys, WAL, a busy timeout, a larger page cache and memory-mapped reads
    for every SQLite connection."""
    if not _is_sqlite(dbapi_connection):
        return
    # pysqlite's own implicit BEGIN is turned off so that _sqlite_begin decides how to begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


@event.listens_for(Engine, "do_connect")
def _postgres_options(dialect, connection_record, cargs, cparams):
    """Every PostgreSQL session starts with ``POSTGRES_OPTIONS`` (libpq's ``options``: no
    extra round trip), after any options the database URL gives."""
    if dialect.name == "postgresql":
        given = cparams.get("options", "")
        cparams["options"] = f"{given} {POSTGRES_OPTIONS}".strip()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """Writes take SQLite's write lock when their transaction begins (``BEGIN IMMEDIATE``).

    A request that reads and then writes (a replay check, a version check) can then never
    interleave with another writer and lose an update; reads begin normally and stay concurrent.
    Both go straight to sqlite3: through SQLAlchemy's statement machinery each ``BEGIN`` cost
    about as much as the patient's ``SELECT`` (events, a cursor, a result).
    """
    if connection.dialect.name != "sqlite":
        return
    immediate = _writing.get() or (
        has_request_context()
        and request.method in UNSAFE_METHODS
        and not g.get("read_alone", False)
    )
    driver = connection.connection.driver_connection
    if immediate:
        _begin_immediate(driver)
    else:
        driver.execute("BEGIN")


def _begin_immediate(driver):
    """``BEGIN IMMEDIATE`` on the sqlite3 connection ``driver``, retried soon while another
    process holds the write lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10... ms between tries, much longer than the
    fraction of a millisecond a diary write holds the lock; here the waits start at 0.2 ms and
    double up to 5 ms, within the same 10 s limit.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = FIRST_RETRY_S
    driver.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() + delay > deadline:
                    # As SQLAlchemy would have raised it.
                    raise OperationalError("BEGIN IMMEDIATE", None, error) from error
            time.sleep(delay)
            delay = min(delay * 2, LONGEST_RETRY_S)
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def read_alone(load):
    """Run ``load`` (reads only) in a transaction of its own, ended right after, when no
    transaction is open and nothing waits to be written.

    On SQLite this transaction begins with a plain ``BEGIN`` even in a write request (see
    ``_sqlite_begin``): reading the patient at the start of a request then holds no write
    lock, and a write request holds the lock only while it writes, not while it validates.
    """
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        return load()  # inside other work: never end it early
    g.read_alone = True
    try:
        result = load()
    finally:
        g.read_alone = False
    db.session.commit()
    return result


class ForeignKeyViolation(RuntimeError):
    """A migration left rows pointing at rows that no longer exist; nothing was committed."""


@contextmanager
def migration_connection(connection):
    """Run migrations on ``connection`` with SQLite's foreign keys off, then check them.

    With ``PRAGMA foreign_keys=ON``, the ``DROP TABLE users`` of a batch-mode rebuild (copy,
    drop, rename) is an implicit ``DELETE`` whose ``ON DELETE CASCADE`` empties ``entries`` and
    ``sessions``. SQLite's own recipe for altering a table is followed instead: foreign keys off
    (a pragma that only takes effect outside a transaction), the work in one transaction,
    ``PRAGMA foreign_key_check`` before the commit, and foreign keys back on. Use it around
    ``context.begin_transaction()``; call the yielded check just before the transaction ends.
    Other databases enforce their constraints themselves: the check is then a no-op.
    """
    if connection.dialect.name != "sqlite":
        yield lambda: None
        return
    if connection.in_transaction():
        raise RuntimeError("foreign keys can only be turned off outside a transaction")
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield lambda: _check_foreign_keys(connection)
    finally:
        if connection.in_transaction():
            connection.rollback()  # a failed migration: leave nothing half done
        driver.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection):
    """Raise ``ForeignKeyViolation`` if any row points at a missing row."""
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if violations:
        tables = sorted({row[0] for row in violations})
        raise ForeignKeyViolation(
            f"{len(violations)} rows in {', '.join(tables)} point at missing rows; "
            "the migration was rolled back."
        )
