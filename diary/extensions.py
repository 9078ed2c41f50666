"""Flask extensions, created unbound and attached in ``create_app``."""

from flask import g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints get stable names (needed by migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay loaded after commit: a request answers with what it just wrote, without reading
# it back (sessions last one request, so nothing goes stale).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def read_alone(load):
    """Run ``load`` (reads only) in a transaction of its own, ended right after, when no
    transaction is open and nothing waits to be written.

    On SQLite this transaction begins with a plain ``BEGIN`` even in a write request (see
    ``diary._sqlite_begin``): reading the patient at the start of a request then holds no write
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
