"""E-mail over SMTP (Flask-Mailman), or off when no server is configured.

``FLASK_MAIL_SERVER`` (with ``FLASK_MAIL_PORT``, ``FLASK_MAIL_USE_TLS``, ``FLASK_MAIL_USERNAME``,
``FLASK_MAIL_PASSWORD``, ``FLASK_MAIL_DEFAULT_SENDER``) turns it on. Without it the app runs as
before and says that e-mail is off. Mails a request asks for are sent from a small pool of
threads, so the answer never waits for (or reveals the timing of) the SMTP conversation.
Nothing about a mail (address, subject, link) is logged: only that one failed, and why by class.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from flask import current_app
from flask_mailman import EmailMessage

from .extensions import mail

log = logging.getLogger("diary.mail")
EXECUTOR_KEY = "diary.mail_executor"


def configure(app):
    """Turn e-mail on when ``MAIL_SERVER`` is set (SMTP), else off; bind Flask-Mailman."""
    enabled = bool(app.config.get("MAIL_SERVER"))
    app.config["MAIL_ENABLED"] = enabled
    if enabled:
        app.config.setdefault("MAIL_BACKEND", "smtp")
        app.config.setdefault("MAIL_TIMEOUT", 10)
        app.config.setdefault("MAIL_DEFAULT_SENDER", "diary@localhost")
    else:
        app.config["MAIL_BACKEND"] = "dummy"
        if not app.testing:
            app.logger.warning(
                "E-mail is off: FLASK_MAIL_SERVER is not set, so no address verification, "
                "password reset or reminder e-mail can be sent (README, Configuration)."
            )
    mail.init_app(app)
    app.extensions[EXECUTOR_KEY] = _Outbox()


def enabled(app=None):
    """Whether this server sends e-mail."""
    return bool((app or current_app).config.get("MAIL_ENABLED"))


class _Message(EmailMessage):
    """A mail whose headers are never folded below RFC 5322's 998 characters: a folded
    ``List-Unsubscribe`` URL is legal but not every mail client reads it back."""

    def message(self):
        msg = super().message()
        msg.policy = msg.policy.clone(max_line_length=998)
        return msg


def message(to, subject, body, headers=None):
    """A plain-text mail from ``MAIL_DEFAULT_SENDER`` to ``to``."""
    return _Message(
        subject=subject,
        body=body,
        from_email=current_app.config.get("MAIL_DEFAULT_SENDER"),
        to=[to],
        headers=headers or {},
    )


def send_now(to, subject, body, headers=None, connection=None):
    """Send one mail now; True when the server took it. Never raises for SMTP trouble."""
    if not enabled():
        return False
    try:
        email = message(to, subject, body, headers)
        if connection is not None:
            email.connection = connection
        return email.send() == 1
    except Exception as error:  # any SMTP or network failure: log it, go on
        log.warning("mail not sent: %s", type(error).__name__)
        return False


class _Outbox:
    """A few threads that send the mails requests ask for, with the app's context."""

    def __init__(self):
        self._executor = None
        self._lock = threading.Lock()
        self._pending = set()

    def submit(self, app, job, *args):
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")
            future = self._executor.submit(self._run, app, job, *args)
            self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    @staticmethod
    def _run(app, job, *args):
        with app.app_context():
            try:
                return job(*args)
            except Exception as error:  # a thread has no one else to tell
                log.warning("mail job failed: %s", type(error).__name__)
                return False

    def drain(self, timeout=10):
        """Wait for every mail asked for so far (tests; a clean shutdown)."""
        wait(list(self._pending), timeout=timeout)


def send_later(job, *args):
    """Run ``job(*args)`` (which sends mail) in the background, in this app's context."""
    app = current_app._get_current_object()
    return app.extensions[EXECUTOR_KEY].submit(app, job, *args)


def drain(app, timeout=10):
    """Wait until the mails ``app`` was asked to send in the background are sent."""
    app.extensions[EXECUTOR_KEY].drain(timeout)
