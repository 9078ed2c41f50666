"""One structured log line per request, with nothing identifying or clinical in it.

Lines name the route pattern (``/s/<token>``, ``/api/v1/entries/<record_id>``), never the path,
query, body, cookies, emails, pain values or notes; share tokens therefore never reach the logs.
"""

import json
import logging
import time

from flask import g, request

access_log = logging.getLogger("diary.access")
security_log = logging.getLogger("diary.security")


def _route():
    return request.url_rule.rule if request.url_rule else "unmatched"


def log_event(event, **fields):
    """A security event (failed login, refused CSRF, denied access) as one JSON line."""
    security_log.warning(json.dumps({"event": event, "route": _route(), **fields}))


def register(app):
    """Time each request and log it when it ends."""
    if not access_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        for logger in (access_log, security_log):
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False

    @app.before_request
    def start_timer():
        """Remember when the request began."""
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        """method, route, status, milliseconds."""
        started = g.get("request_started")
        elapsed = (time.perf_counter() - started) * 1000 if started else None
        access_log.info(
            json.dumps(
                {
                    "method": request.method,
                    "route": _route(),
                    "status": response.status_code,
                    "ms": round(elapsed, 1) if elapsed is not None else None,
                }
            )
        )
        if response.status_code in (401, 403):
            log_event("access_denied", status=response.status_code)
        return response
