"""Flask's signed-cookie sessions, each cookie's signature checked once per worker."""

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature


class CheckedOnceSessionInterface(SecureCookieSessionInterface):
    """Flask's sessions in signed cookies; a cookie this worker has already checked is not
    checked again.

    A browser sends the same session cookie with every request until the session changes, and
    checking the same cookie against the same keys always gives the same answer. So the HMAC,
    base64 and zlib work is done once per cookie and worker (it was a tenth of the CPU time of an
    entry POST's own work beyond what /healthz does); what the cookie says is kept as its JSON
    text and parsed afresh for every request, so each request gets a session of its own. Its age
    is checked every time, as itsdangerous does it. At most ``size`` cookies are kept.
    """

    def __init__(self, size=1024):
        self.size = size
        self._checked = {}  # cookie -> (its session as JSON text, when it was signed)

    def open_session(self, app, request):
        """The session the request's cookie holds, checked once; a new one when it has none,
        a bad signature or an age past the session's lifetime."""
        if not app.secret_key:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        checked = self._checked.get(cookie)
        if checked is None:
            try:
                data, signed_at = self.get_signing_serializer(app).loads(
                    cookie, max_age=max_age, return_timestamp=True
                )
            except BadSignature:
                return self.session_class()
            if len(self._checked) >= self.size:
                self._checked.clear()
            self._checked[cookie] = (self.serializer.dumps(data), int(signed_at.timestamp()))
            return self.session_class(data)
        text, signed_at = checked
        age = int(time.time()) - signed_at
        if age > max_age or age < 0:
            return self.session_class()
        return self.session_class(self.serializer.loads(text))
