"""Pain diary: a private diary for sciatica and low-back pain during a course of acupuncture."""

import gc
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .core import database  # noqa: F401  (attaches the engine listeners)
from .core.fastjson import FastJSONProvider
from .core.sessions import CheckedOnceSessionInterface

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
# Where absolute links point when FLASK_PUBLIC_URL is not set: the address ``make run`` serves.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"


def resource_dir(name):
    """Where ``templates``, ``static`` or ``migrations`` are: beside the package or in it."""
    beside = SOURCE_ROOT / name
    return str(beside if beside.is_dir() else PACKAGE_DIR / name)


def create_app(test_config=None):
    """Build the Flask app: config layers, extensions, blueprints and CLI commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=resource_dir("static"),
        template_folder=resource_dir("templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL")
        or "sqlite:///" + os.path.join(app.instance_path, "diary.sqlite"),
        MAX_CONTENT_LENGTH=1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_API_PER_IP="1200 per minute",
        RATELIMIT_API_PER_ACCOUNT="600 per minute",
        # Every password check (log in, confirm, delete, change) of one account, and of one
        # address, shares these; failed checks of one account back off minute, hour, day.
        RATELIMIT_PASSWORD_PER_ACCOUNT="10 per minute",  # noqa: S106 - a rate
        RATELIMIT_PASSWORD_PER_IP="10 per minute;50 per hour",  # noqa: S106 - a rate
        RATELIMIT_PASSWORD_FAILURES="30 per hour;100 per day",  # noqa: S106 - a rate
        RATELIMIT_RESTORES="6 per hour",
        # Per address: POSTs of the sign-up, login and confirm-password forms, and openings of
        # a share report (its page and its trends).
        RATELIMIT_SIGNUP="10 per hour",
        RATELIMIT_LOGIN="10 per minute;50 per hour",
        RATELIMIT_CONFIRM="10 per minute",
        RATELIMIT_SHARE_VIEWS="60 per minute",
        RATELIMIT_SUMMARIES="10 per minute",
        # Password reset requests (/password/forgot): per address typed and per client address.
        RATELIMIT_RESET_PER_EMAIL="5 per hour",
        RATELIMIT_RESET_PER_IP="10 per hour",
        # Verification mails a patient may ask for (POST /api/v1/me/verify-email).
        RATELIMIT_VERIFY_EMAIL="5 per hour",
        # E-mail (PRODUCT.md section 12): off until FLASK_MAIL_SERVER is set (core/mailer.py).
        MAIL_SERVER=None,
        # Web Push (services/push.py): VAPID key from the environment or the instance folder;
        # endpoints only on these hosts (None: the browser vendors' push services).
        VAPID_PRIVATE_KEY=None,
        VAPID_SUBJECT=None,
        PUSH_ALLOWED_HOSTS=None,
        PUSH_TIMEOUT=10,
        # Pushes and mails sent at once by the reminder sender (services/reminder_sender.py).
        REMINDER_SEND_WORKERS=32,
        # Browser sessions: 12 hours of use at most, 30 minutes idle (sliding); "keep me
        # signed in": 30 days (ASVS 3.3.1-3.3.2). The cookie's signature lives as long.
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        SESSION_REFRESH_EACH_REQUEST=False,
        # Absolute links (share URLs, QR codes) are built from this, never from the Host header.
        PUBLIC_URL=None,
        # Database errors never carry the values of a statement (notes, pain) into the logs.
        SQLALCHEMY_ENGINE_OPTIONS={"hide_parameters": True},
        PROXY_COUNT=0,
        RATELIMIT_HEADERS_ENABLED=True,
        JSON_SORT_KEYS=False,
        TRENDS_CACHE_SIZE=32,
        # Instruments an operator adds (licensed ones: ODI, PROMIS, ...), beside the shipped ones.
        INSTRUMENTS_FOLDER=os.path.join(app.instance_path, "instruments"),
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.from_mapping(test_config)
    # The cheap argon2 parameters only under TESTING (services/accounts.py HASH_PROFILES).
    app.config.setdefault("PASSWORD_HASH_PROFILE", "fast" if app.testing else "full")
    if app.config["PASSWORD_HASH_PROFILE"] != "full" and not app.testing:  # noqa: S105
        raise RuntimeError("PASSWORD_HASH_PROFILE other than 'full' is for the test suite only")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    _configure_public_url(app)
    app.json = FastJSONProvider(app)
    _load_instruments(app)
    app.session_interface = CheckedOnceSessionInterface()

    if app.config["PROXY_COUNT"]:
        # Behind N trusted proxies: take the client address, scheme and host from their headers
        # (the scheme makes Secure cookies, HSTS and Flask-WTF's HTTPS checks work).
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    _init_extensions(app)
    _register_blueprints(app)
    _warn_if_limits_are_per_worker(app)
    if int(app.config["TRENDS_CACHE_SIZE"]) > 0:
        from .services.trends import TrendsCache

        app.extensions["diary.trends_cache"] = TrendsCache(int(app.config["TRENDS_CACHE_SIZE"]))
    if not app.testing:
        # What exists now lives as long as the worker: the garbage collector's full passes need
        # not walk it again. They were the slow tail of large trends requests (p95 78 -> 36 ms).
        gc.freeze()
    return app


def _instance_secret_key(instance_path):
    """Read the instance folder's secret key, making one (readable by the owner only) if needed."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        # Written whole under another name, then linked into place: several workers starting at
        # once agree on the first key linked and never read a half-written file.
        draft = path.with_name(f"secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker's key is in place: use that one
        finally:
            draft.unlink()
    return path.read_text().strip()


def _load_instruments(app):
    """Check every instrument file now: a bad one stops the app, naming the file and why."""
    from .instruments import SHIPPED_FOLDER, load_instruments

    app.extensions["diary.instruments"] = load_instruments(
        SHIPPED_FOLDER, app.config["INSTRUMENTS_FOLDER"]
    )


def _configure_public_url(app):
    """Check ``PUBLIC_URL`` (an origin); unless ``TRUSTED_HOSTS`` is set, trust its host only."""
    url = app.config.get("PUBLIC_URL")
    if not url:
        if not app.testing:
            app.logger.warning(
                "FLASK_PUBLIC_URL is not set: share links and QR codes point at %s. Set it to "
                "the address patients and practitioners open (e.g. https://diary.example.org).",
                DEFAULT_PUBLIC_URL,
            )
        app.config["PUBLIC_URL"] = DEFAULT_PUBLIC_URL  # trusting no particular host
        return
    parts = urlsplit(str(url))
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise RuntimeError(
            f"FLASK_PUBLIC_URL must be an origin such as https://diary.example.org, not {url!r}"
        )
    app.config["PUBLIC_URL"] = f"{parts.scheme}://{parts.netloc}"
    if app.config.get("TRUSTED_HOSTS") is None:
        # A request naming another host is refused (400) before any view builds a URL.
        app.config["TRUSTED_HOSTS"] = [parts.hostname]


def _gunicorn_workers():
    """How many workers the gunicorn loading this app runs, or None outside gunicorn.

    Gunicorn calls the app factory from its application (or worker) object, which holds the
    configuration: the first such caller on the stack tells.
    """
    frame = sys._getframe(1)
    while frame is not None:
        caller = frame.f_locals.get("self")
        workers = getattr(getattr(caller, "cfg", None), "workers", None)
        if type(caller).__module__.startswith("gunicorn.") and isinstance(workers, int):
            return workers
        frame = frame.f_back
    return None


def _warn_if_limits_are_per_worker(app):
    """Say loudly when several workers each keep their own rate-limit counts (``memory://``)."""
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if not app.config.get("RATELIMIT_ENABLED") or not storage.startswith("memory://"):
        return
    workers = _gunicorn_workers()
    if workers is not None and workers > 1:
        app.logger.warning(
            "RATE LIMITS ARE PER WORKER: RATELIMIT_STORAGE_URI is memory:// and gunicorn runs "
            "%d workers, so every limit (log in, sign up, password checks, the API, restores) "
            "lets %d times as many requests through. Set FLASK_RATELIMIT_STORAGE_URI to a "
            "storage the workers share, e.g. redis://localhost:6379 (README, Deployment).",
            workers,
            workers,
        )


def _init_extensions(app):
    """Bind the extensions to ``app``."""
    from . import access
    from .core import i18n, mailer, security
    from .core.extensions import csrf, db, limiter, login_manager, migrate
    from .http import configure_login

    app.before_request(security.guard_body)  # first: the CSRF check reads the body
    db.init_app(app)
    migrate.init_app(app, db, directory=resource_dir("migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    configure_login(login_manager)
    mailer.configure(app)
    i18n.register(app)
    access.register(app)  # after the CSRF check: the other role's routes answer 404


def _register_blueprints(app):
    """Attach every blueprint, the error handlers and the CLI commands."""
    from . import (
        account,
        acupuncture,
        auth,
        care_team,
        checkin,
        cli,
        entries,
        health,
        practice,
        pwa,
        recovery,
        reminders,
        share,
        trends,
    )
    from .api import bp as api_bp
    from .core import assets, errors, logs, security, templating
    from .http import is_shell
    from .validation import LIMITS, PASSWORD_MAX, PASSWORD_MIN

    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(recovery.bp)
    app.register_blueprint(reminders.bp)
    app.register_blueprint(entries.bp)
    app.register_blueprint(acupuncture.bp)
    app.register_blueprint(checkin.bp)
    app.register_blueprint(trends.bp)
    app.register_blueprint(share.bp)
    app.register_blueprint(pwa.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(practice.bp)
    app.register_blueprint(care_team.bp)
    app.register_blueprint(api_bp)
    templating.register(app)
    app.jinja_env.globals["is_shell"] = is_shell
    # Templates take their maxlength from the validators, never from a copy.
    app.jinja_env.globals["limits"] = {
        **LIMITS,
        "password_min": PASSWORD_MIN,
        "password_max": PASSWORD_MAX,
    }
    errors.register(app)
    security.register(app)
    assets.register(app)
    logs.register(app)
    cli.register(app)
