"""A small HTTP client for the bench: keep-alive, a cookie jar, the app's forms and CSRF header."""

import http.client
import json
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
# A server may close an idle keep-alive connection (gunicorn's sync workers close after each
# answer): the request is then sent again once on a fresh connection.
RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class BenchError(Exception):
    """The tooling could not do what it needed (an unexpected status, a missing token)."""


class Response:
    """A finished answer: status, headers and the whole body."""

    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    @property
    def text(self):
        """The body as text."""
        return self.body.decode("utf-8")

    def json(self):
        """The body as JSON."""
        return json.loads(self.body)


class Client:
    """One browser-like visitor of ``host:port``: one connection, one cookie jar."""

    def __init__(self, host, port, timeout=60):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies = {}
        self._connection = None
        self._csrf = None

    def close(self):
        """Close the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self):
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                self.host, self.port, timeout=self.timeout
            )
        return self._connection

    def cookie_header(self):
        """The ``Cookie`` header this visitor sends."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method, path, body=None, headers=None):
        """Send one request (no redirects followed); returns a Response."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        try:
            return self._send(method, path, body, headers)
        except RETRYABLE:
            self.close()
            return self._send(method, path, body, headers)

    def _send(self, method, path, body, headers):
        connection = self._connect()
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        elapsed = time.perf_counter() - started
        if answer.will_close:
            self.close()
        self._remember_cookies(answer.msg.get_all("Set-Cookie") or [])
        return Response(answer.status, answer.msg, data, elapsed)

    def _remember_cookies(self, lines):
        for line in lines:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                expired = morsel["max-age"] == "0" or morsel["expires"].startswith(
                    "Thu, 01 Jan 1970"
                )
                if expired or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path, expect=200):
        """GET ``path``, checking the status."""
        return self._expect(self.request("GET", path), expect, "GET", path)

    def post_json(self, path, document, expect=(200, 201)):
        """POST a JSON body with the CSRF header."""
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.csrf_token()}
        response = self.request("POST", path, json.dumps(document).encode(), headers)
        return self._expect(response, expect, "POST", path)

    def post_form(self, path, fields, expect=(302, 303)):
        """POST a form with the CSRF token of the form on ``path``."""
        token = CSRF_FIELD.search(self.get(path).text)
        if token is None:
            raise BenchError(f"no csrf_token field in the form on {path}")
        body = urlencode({**fields, "csrf_token": token.group(1)})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        response = self.request("POST", path, body.encode(), headers)
        return self._expect(response, expect, "POST", path)

    def csrf_token(self):
        """The CSRF token for API requests, from GET /api/v1/me."""
        if self._csrf is None:
            self._csrf = self.get("/api/v1/me").json()["csrf_token"]
        return self._csrf

    def register(self, email, password, timezone):
        """Sign up through the real form; the visitor is then logged in."""
        fields = {"email": email, "password": password, "confirm": password, "timezone": timezone}
        self.post_form("/register", fields)
        self._csrf = None

    def login(self, email, password):
        """Log in through the real form."""
        self.post_form("/login", {"email": email, "password": password})
        self._csrf = None

    @staticmethod
    def _expect(response, expect, method, path):
        allowed = (expect,) if isinstance(expect, int) else expect
        if response.status not in allowed:
            snippet = response.body[:300].decode("utf-8", "replace")
            raise BenchError(f"{method} {path} answered {response.status}: {snippet}")
        return response
