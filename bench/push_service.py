"""A Web Push service on 127.0.0.1, for the tests and ``make bench`` (the real protocol).

It hands out subscriptions whose keys it made (as a browser would), and for every message
posted to one it checks the VAPID header (RFC 8292: the JWT's ES256 signature with the key in
``k``, which must be the app's, its ``aud`` and ``exp``) and decrypts the body (RFC 8291,
``aes128gcm``) with that subscription's private key and auth secret. What it received is in
``messages``; anything wrong is in ``errors`` and answered 400/401/403. Each subscription can
be told to answer another status (404, 410...) and the whole service to answer slowly.
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02


def b64url(raw):
    """base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text):
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Message:
    """One push received and decrypted."""

    subscription: str
    payload: dict
    headers: dict
    at: float = field(default_factory=time.time)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the sender reuses its connections

    def log_message(self, *args):
        """Quiet."""

    def _answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):  # noqa: N802 - http.server's name
        """Check, decrypt and keep one push message."""
        service = self.server.service
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        name = self.path.rsplit("/", 1)[-1]
        pause = service.delay + service.delays.get(name, 0)
        if pause:
            time.sleep(pause)
        status = service.receive(name, dict(self.headers.items()), body)
        self._answer(status)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # many senders' threads connect at once


class PushService:
    """The push service; ``with PushService(app_public_key) as service:`` serves it."""

    def __init__(self, app_public_key=None, delay=0.0):
        self.app_public_key = app_public_key
        self.delay = delay
        self.messages = []
        self.errors = []
        self.statuses = {}
        self.delays = {}
        self._keys = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.service = self
        self._thread = None

    @property
    def origin(self):
        """``http://127.0.0.1:<port>``: the entry that allows it in PUSH_ALLOWED_HOSTS."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def subscription(self, status=201, delay=0.0):
        """A new subscription (what ``pushManager.subscribe()`` gives a page), as JSON; its
        messages are answered with ``status`` after ``delay`` seconds."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        name = b64url(os.urandom(12))
        point = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        with self._lock:
            self._keys[name] = (private_key, auth)
            self.statuses[name] = status
            self.delays[name] = delay
        return {
            "endpoint": f"{self.origin}/push/{name}",
            "keys": {"p256dh": b64url(point), "auth": b64url(auth)},
        }

    def for_endpoint(self, endpoint):
        """The messages received for the subscription at ``endpoint``."""
        name = endpoint.rsplit("/", 1)[-1]
        return [message for message in self.messages if message.subscription == name]

    def _refuse(self, status, why):
        with self._lock:
            self.errors.append(why)
        return status

    def _vapid_problem(self, authorization):
        scheme, _, params = (authorization or "").partition(" ")
        if scheme.lower() != "vapid":
            return "no vapid Authorization"
        parts = dict(part.split("=", 1) for part in params.split(",") if "=" in part)
        if self.app_public_key is not None and parts.get("k") != self.app_public_key:
            return "signed with another key"
        try:
            if not Vapid02.verify(authorization):
                return "bad VAPID signature"
        except Exception as error:  # noqa: BLE001 - anything malformed is a refusal
            return f"bad VAPID header: {type(error).__name__}"
        claims = json.loads(unb64url(parts["t"].split(".")[1]))
        if claims.get("aud") != self.origin:
            return f"aud {claims.get('aud')!r} is not {self.origin}"
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
            return "exp out of range"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "no sub"
        return None

    def receive(self, name, headers, body):
        """Check and decrypt one message; the status to answer."""
        with self._lock:
            keys = self._keys.get(name)
            status = self.statuses.get(name, 404)
        if keys is None:
            return 404
        lower = {key.lower(): value for key, value in headers.items()}
        problem = self._vapid_problem(lower.get("authorization"))
        if problem:
            return self._refuse(401 if "signature" in problem else 403, problem)
        if lower.get("content-encoding") != "aes128gcm" or "ttl" not in lower:
            return self._refuse(400, "not aes128gcm, or no TTL")
        try:
            plain = http_ece.decrypt(
                body, private_key=keys[0], auth_secret=keys[1], version="aes128gcm"
            )
            payload = json.loads(plain)
        except Exception as error:  # noqa: BLE001 - undecryptable is a refusal
            return self._refuse(400, f"cannot decrypt: {type(error).__name__}")
        with self._lock:
            self.messages.append(Message(name, payload, lower))
        return status
