"""Browser tests: Debian's Chromium driven by Playwright against the app on a live server."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import database_copy, make_app, serving

from diary.cli import DEMO_EMAIL, DEMO_PASSWORD
from diary.core.extensions import db

from .cdn import require_npm_cache, route_cdn
from .patient import demo_share_token, logged_in_state

CHROMIUM = Path("/usr/bin/chromium")
# No network in CI or on the build machine: nothing in Chromium may try to reach Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
# The only third-party code is Chart.js from jsDelivr (PRODUCT.md section 3). The tests run without
# internet, so those requests are refused at once, the same way on every run: pages must cope.
CDN = re.compile(r"^https://cdn\.jsdelivr\.net/")
# The app has no favicon (no /favicon.ico route, no <link rel="icon"> in base.html), so Chromium's
# own request for it logs a 404 once per context. That gap is reported; every other error counts.
FAVICON = "/favicon.ico"
HERE = Path(__file__).resolve().parent


# A browser test that fails is run once more before it counts (pytest-rerunfailures); the
# report lists every rerun ("R"). The three causes found so far were real bugs, now fixed: a
# logged-out answer rewriting the login cookie, racing pages each making a CSRF token, and
# async checks that never waited (``wait_until``). BROWSER_RERUNS=0 shows any that remain.
BROWSER_RERUNS = int(os.environ.get("BROWSER_RERUNS", "1"))


def pytest_collection_modifyitems(items):
    """Mark every test in this folder ``browser`` (the hook sees all items, so filter by path)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.flaky(reruns=BROWSER_RERUNS))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (Playwright's own download needs the internet)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; the browser tests must run under CI.")
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url():
    """No session-wide base URL: each test's context gets its own live server's URL.

    This also replaces pytest-playwright 0.10's fallback ``base_url`` fixture, a method on a
    plugin object, which pytest 9 deprecates with a PytestRemovedIn10Warning (an error here).
    """
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A phone-sized window unless a test asks otherwise."""
    return {**browser_context_args, "viewport": PHONE}


@pytest.fixture
def live_server(database_path):
    """The app on a fresh database, served over plain HTTP in a thread; yields the base URL."""
    app = make_app(database_path, WTF_CSRF_SSL_STRICT=False)
    with serving(app) as url:
        yield url
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_context(new_context, live_server):
    """Open browser contexts on the live server, in a patient's time zone (Denver, far from UTC)."""

    def open_context(**options):
        context = new_context(base_url=live_server, timezone_id="America/Denver", **options)
        context.route(CDN, lambda route: route.abort())
        return context

    return open_context


@pytest.fixture
def context(live_context):
    """The test's browser context (pytest-playwright's ``page`` opens in it)."""
    return live_context()


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught exceptions of ``page``, as (page URL, text), as they happen.

    Failed loads of the refused CDN scripts and of the missing favicon are left out.
    """
    errors = []

    def on_console(message):
        source = message.location["url"]
        if message.type == "error" and not (CDN.match(source) or source.endswith(FAVICON)):
            errors.append((page.url, message.text))

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append((page.url, str(error))))
    return errors


# Fixtures for modules whose tests share one seeded database (tests/browser/test_charts.py):
# one server per module keeps the chart and accessibility checks quick.


@pytest.fixture(scope="module")
def module_app(tmp_path_factory, migrated_template):
    """The app on a fresh copy of the migrated database, shared by the tests of one module."""
    with database_copy(tmp_path_factory.mktemp("module-db"), migrated_template) as database:
        app = make_app(database, WTF_CSRF_SSL_STRICT=False)
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def module_live_server(module_app):
    """``module_app`` served over plain HTTP in a thread, like ``live_server``; yields the URL."""
    with serving(module_app) as url:
        yield url


@pytest.fixture
def cdn_context(new_context):
    """Open browser contexts whose jsDelivr requests are answered from ``.cache/npm``.

    ``cdn_context(tamper=("chart.js@",), base_url=..., ...)``: see ``cdn.route_cdn``. Skips
    (fails under CI=true) when ``make npm-assets`` has not unpacked the packages.
    """
    require_npm_cache()

    def open_context(tamper=(), **options):
        return route_cdn(new_context(**options), tamper)

    return open_context


# Fixtures for the modules that read the demo patient's charts and printed report
# (test_report_print.py, test_long_ranges.py, test_daily_life.py): one seeded server per module.


@dataclass
class Seeded:
    """The seeded server's URL, a share token for the report, and the demo's login state."""

    url: str
    token: str
    login_state: dict

    @property
    def report(self):
        """The practitioner report's path."""
        return f"/s/{self.token}"


@pytest.fixture(scope="module")
def seeded(module_app, module_live_server, browser):
    """The demo patient (``flask seed-demo``) with a share link, logged in once in a browser."""
    require_npm_cache()
    token = demo_share_token(module_app)
    state = logged_in_state(browser, module_live_server, DEMO_EMAIL, DEMO_PASSWORD)
    return Seeded(module_live_server, token, state)


@pytest.fixture
def seeded_page(cdn_context, seeded):
    """``seeded_page(path, viewport=PHONE, patient=True, storage_state=None, **options)``: a
    page of the seeded server once its charts are drawn, as the demo patient (``patient``),
    anonymous (the report), or as ``storage_state``'s login."""

    def open_page(path, viewport=PHONE, patient=True, storage_state=None, **options):
        state = storage_state or (seeded.login_state if patient else None)
        context = cdn_context(base_url=seeded.url, storage_state=state, **options)
        page = context.new_page()
        page.set_viewport_size(viewport)
        page.goto(path)
        # A function, not an expression: polling an expression needs eval, which the CSP forbids.
        page.wait_for_function(
            "() => !document.getElementById('trends-data') || document.body.dataset.charts"
        )
        return page

    return open_page
