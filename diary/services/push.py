"""Web Push (RFC 8030 delivery, RFC 8291 message encryption, RFC 8292 VAPID) with pywebpush.

- **Keys**: ``VAPID_PRIVATE_KEY`` (base64url raw or DER, or PEM), else a P-256 key generated
  once into the instance folder (``vapid_private_key.pem``, mode 600), like the secret key.
- **Where to**: only endpoints on ``PUSH_ALLOWED_HOSTS`` (the browser vendors' push services
  by default) are accepted, and checked again before each send: the server never posts to a
  host a client chose (server-side request forgery). Redirects are never followed.
- **What**: a JSON ``{title, body, url}`` with generic words only; no pain value, note or name
  ever goes to a lock screen.
"""

import base64
import binascii
import json
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask_babel import gettext as _
from py_vapid import Vapid
from pywebpush import WebPusher
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..core.database import writing
from ..core.extensions import db
from ..core.timeutil import utcnow
from ..models import PushSubscription
from ..validation import ValidationError

# Chrome (FCM), Firefox (Mozilla autopush), Safari (Apple), Edge (Windows Notification Service).
DEFAULT_ALLOWED_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "web.push.apple.com",
    "*.push.apple.com",
    "*.notify.windows.com",
)
ENDPOINT_MAX = 2048
VAPID_FILE = "vapid_private_key.pem"
TTL_SECONDS = 3600  # a reminder not delivered within the hour is no longer useful
GONE = (404, 410)  # the push service says the subscription no longer exists
KEY_CACHE = "diary.vapid"


# Keys -------------------------------------------------------------------------------------


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _vapid_from_setting(value):
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return Vapid.from_pem(text.encode())
    return Vapid.from_string(text)


def _instance_key(instance_path):
    """The instance folder's VAPID key (PEM), made once, readable by the owner only."""
    path = Path(instance_path) / VAPID_FILE
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Written whole under another name, then linked into place: workers starting at once
        # agree on the first key linked (as the secret key is made).
        draft = path.with_name(f"{VAPID_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return Vapid.from_pem(path.read_bytes())


def vapid(app=None):
    """This server's VAPID key pair (loaded once per app)."""
    app = app or current_app
    key = app.extensions.get(KEY_CACHE)
    if key is None:
        setting = app.config.get("VAPID_PRIVATE_KEY")
        key = _vapid_from_setting(setting) if setting else _instance_key(app.instance_path)
        app.extensions[KEY_CACHE] = key
    return key


def public_key_of(key):
    """A VAPID key's public half as browsers take it: base64url of the uncompressed point."""
    point = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(point)


def public_key():
    """The application server key browsers subscribe with."""
    return public_key_of(vapid())


def subject():
    """The VAPID ``sub`` claim: ``VAPID_SUBJECT``, else a mailto: of the mail sender."""
    configured = current_app.config.get("VAPID_SUBJECT")
    if configured:
        return configured
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "")
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return f"mailto:{address}" if "@" in address else "mailto:diary@localhost"


# The allow-list ---------------------------------------------------------------------------


def allowed_hosts():
    """``PUSH_ALLOWED_HOSTS`` as a list (a comma-separated string or a JSON list)."""
    value = current_app.config.get("PUSH_ALLOWED_HOSTS")
    if value is None:
        return list(DEFAULT_ALLOWED_HOSTS)
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip().lower() for item in items if str(item).strip()]


def endpoint_allowed(endpoint):
    """Whether ``endpoint`` is an https URL on an allowed host (or exactly an allowed
    ``http://host:port`` origin, for a local push service in tests)."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or parts.password is not None:
        return False
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    for entry in allowed_hosts():
        if "://" in entry:
            if origin == entry.rstrip("/"):
                return True
            continue
        if parts.scheme != "https" or port not in (None, 443):
            continue
        if entry.startswith("*."):
            if host.endswith(entry[1:]) and len(host) > len(entry) - 1:
                return True
        elif host == entry:
            return True
    return False


def _key_bytes(value, length, name, fields):
    try:
        raw = _unb64url(value) if isinstance(value, str) and value.isascii() else None
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or len(raw) != length:
        fields[name] = f"must be {length} bytes in base64url"
        return None
    return raw


def clean_subscription(body):
    """``{endpoint, keys: {p256dh, auth}}`` checked: 422 naming each bad field."""
    if not isinstance(body, dict):
        raise ValidationError({"endpoint": "is required"}, "Send the browser's subscription.")
    fields = {}
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        fields["endpoint"] = "is required"
    elif len(endpoint) > ENDPOINT_MAX or not endpoint_allowed(endpoint):
        fields["endpoint"] = "must be an https URL of a known push service"
    keys = body.get("keys")
    if not isinstance(keys, dict):
        fields["keys"] = "must be an object with p256dh and auth"
        keys = None
    if keys is not None:
        point = _key_bytes(keys.get("p256dh"), 65, "keys.p256dh", fields)
        if point is not None:
            try:
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
            except ValueError:
                fields["keys.p256dh"] = "is not a P-256 public key"
        _key_bytes(keys.get("auth"), 16, "keys.auth", fields)
    if fields:
        raise ValidationError(fields, "The push subscription is not valid.")
    return {"endpoint": endpoint, "p256dh": keys["p256dh"], "auth": keys["auth"]}


# Subscriptions ----------------------------------------------------------------------------


def subscribe(user_id, cleaned):
    """Store the subscription for the patient; True when it is new (201), False when known."""
    row = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == cleaned["endpoint"])
    )
    created = row is None
    if created:
        row = PushSubscription(endpoint=cleaned["endpoint"], created_at=utcnow())
        db.session.add(row)
    row.user_id, row.p256dh, row.auth = user_id, cleaned["p256dh"], cleaned["auth"]
    try:
        db.session.commit()
    except IntegrityError:  # the same browser subscribed a moment ago: take that row over
        db.session.rollback()
        return subscribe(user_id, cleaned)
    return created


def unsubscribe(user_id, endpoint):
    """Forget the patient's subscription with this endpoint (nothing if it is not theirs)."""
    if not isinstance(endpoint, str) or not endpoint:
        return 0
    removed = db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint
        )
    ).rowcount
    db.session.commit()
    return removed


def subscriptions_of(user_ids):
    """``{user_id: [PushSubscription, ...]}`` for these patients."""
    found = {}
    ids = list(user_ids)
    for start in range(0, len(ids), 500):
        rows = db.session.scalars(
            select(PushSubscription).where(PushSubscription.user_id.in_(ids[start : start + 500]))
        )
        for row in rows:
            found.setdefault(row.user_id, []).append(row)
    return found


def forget_gone(subscription_ids):
    """Delete subscriptions their push service called gone (404/410)."""
    ids = list(subscription_ids)
    if ids:
        db.session.commit()  # end any read: the delete begins a write transaction of its own
        with writing():
            db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))
            db.session.commit()


# Sending ----------------------------------------------------------------------------------


class _NoRedirects(requests.Session):
    """A push service that redirects is not followed anywhere."""

    def request(self, *args, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


class Sender:
    """Sends pushes from many threads: one HTTP session per thread, the VAPID header per push
    service origin signed once (valid 12 hours, renewed after 1)."""

    def __init__(self, app):
        self.vapid = vapid(app)
        self.subject = subject()
        self.timeout = float(app.config.get("PUSH_TIMEOUT", 10))
        self._local = threading.local()
        self._headers = {}
        self._lock = threading.Lock()
        self.allowed = endpoint_allowed  # needs an app context: checked in the caller's

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = _NoRedirects()
        return session

    def _vapid_headers(self, endpoint):
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = utcnow().timestamp()
        with self._lock:
            cached = self._headers.get(audience)
            if cached is None or cached[0] < now + 11 * 3600:
                expires = int(now) + 12 * 3600
                claims = {"sub": self.subject, "aud": audience, "exp": expires}
                cached = (expires, self.vapid.sign(claims))
                self._headers[audience] = cached
            return dict(cached[1])

    def send(self, subscription, payload):
        """Post one encrypted message; the push service's status code, or None on failure
        (a timeout, a refused connection, a malformed subscription)."""
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        headers = {**self._vapid_headers(subscription.endpoint), "Urgency": "normal"}
        try:
            response = WebPusher(info, requests_session=self._session()).send(
                json.dumps(payload, separators=(",", ":")),
                headers,
                ttl=TTL_SECONDS,
                timeout=self.timeout,
            )
        except (requests.RequestException, ValueError, TypeError, binascii.Error):
            return None
        return response.status_code


def payload(kind):
    """The generic words of a reminder (no pain value, note or name) and the page a tap opens,
    in the current locale (``i18n.patient_locale`` when no request of the patient's)."""
    if kind == "check_in":
        return {
            "title": _("Pain diary"),
            "body": _("Time for your check-in: a few quick questions."),
            "url": "/check-in",
        }
    if kind == "test":
        return {"title": _("Pain diary"), "body": _("Reminders work on this device."), "url": "/"}
    return {"title": _("Pain diary"), "body": _("Time to log your pain."), "url": "/entries/new"}


def send_to_user(user_id, kind):
    """Push ``kind``'s message to every subscription of the patient, now (the "Send a test"
    button). Returns ``(delivered, removed)``."""
    sender = Sender(current_app)
    rows = [
        row
        for row in subscriptions_of([user_id]).get(user_id, [])
        if endpoint_allowed(row.endpoint)
    ]
    delivered, gone = 0, []
    message = payload(kind)  # here, in the request's language: the threads have no request
    if rows:
        # At once, so the answer waits for the slowest push service, not for their sum.
        with ThreadPoolExecutor(max_workers=min(len(rows), 8)) as pool:
            statuses = list(pool.map(lambda row: sender.send(row, message), rows))
        for row, status in zip(rows, statuses, strict=True):
            if status in GONE:
                gone.append(row.id)
            elif status is not None and 200 <= status < 300:
                delivered += 1
    forget_gone(gone)
    return delivered, len(gone)
