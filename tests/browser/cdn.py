"""jsDelivr served from ``npm pack`` copies: the browser tests run Chart.js without the internet.

``make npm-assets`` unpacks each pinned package into ``.cache/npm/<name>@<version>/package/``;
a jsDelivr URL ``https://cdn.jsdelivr.net/npm/<name>@<version>/<path>`` maps to ``<path>`` there.
"""

import base64
import hashlib
import os

import pytest

from bench.cdn import NPM_CACHE, cached_file
from diary.core.cdn import CHART_SCRIPTS

CDN_ORIGIN = "https://cdn.jsdelivr.net"
CDN_PREFIX = CDN_ORIGIN + "/npm/"
CDN_PATTERN = CDN_PREFIX + "**"
AXE = ("axe-core", "4.14.1", "axe.min.js")
JAVASCRIPT = {"Content-Type": "application/javascript", "Access-Control-Allow-Origin": "*"}


def package_file(package, version, path):
    """The file ``path`` of ``npm pack <package>@<version>`` in the cache (it may not exist)."""
    return NPM_CACHE / f"{package}@{version}" / "package" / path


def script_file(script):
    """The cached copy of one of diary/cdn.py's CHART_SCRIPTS."""
    return package_file(script["package"], script["version"], script["path"])


def sri(data):
    """The Subresource Integrity value of ``data``: ``sha384-`` and its base64 digest."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def require_npm_cache():
    """Skip (fail under CI=true) unless ``make npm-assets`` has unpacked every needed package."""
    needed = [script_file(script) for script in CHART_SCRIPTS] + [package_file(*AXE)]
    missing = [str(path) for path in needed if not path.is_file()]
    if missing:
        message = f"run `make npm-assets` first; missing: {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def cached_path(url):
    """The cache file behind a jsDelivr npm URL, or None for anything outside the cache."""
    if not url.startswith(CDN_PREFIX):
        return None
    return cached_file(url[len(CDN_ORIGIN) :])  # the same mapping as make bench's stand-in


def cdn_handler(tamper=()):
    """A ``context.route`` handler serving jsDelivr from the cache; unknown paths get a 404.

    Files whose URL contains one of the strings in ``tamper`` are served with altered bytes,
    as a compromised CDN would: Subresource Integrity must make the browser refuse them.
    """

    def handle(route):
        url = route.request.url
        path = cached_path(url)
        if path is None:
            route.fulfill(status=404, headers=JAVASCRIPT, body="/* not in the npm cache */")
            return
        body = path.read_bytes()
        if any(part in url for part in tamper):
            body = b"/* tampered */\n" + body
        route.fulfill(status=200, headers=JAVASCRIPT, body=body)

    return handle


def route_cdn(context, tamper=()):
    """Serve jsDelivr in ``context`` from the npm cache (see ``cdn_handler``); returns it."""
    context.route(CDN_PATTERN, cdn_handler(tamper))
    return context
