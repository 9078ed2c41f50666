"""Steps the front-end tests share: a new patient signed up in the browser, the API as them."""

import re
import time

from helpers import PASSWORD
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect


def wait_until(page, script, timeout=15):
    """Until the page expression or function ``script`` (it may return a promise) is truthy.

    Not ``page.wait_for_function``: it takes a promise as an answer at once (a promise is
    truthy), so an async check never waits; and an expression it polls is run by ``eval``,
    which the app's Content-Security-Policy refuses once the first try has failed.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(script):
                return
        except PlaywrightError as error:  # the page navigated (a reload of its own): try again
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {script}")
        page.wait_for_timeout(50)


def sign_up(page, email="pat@example.com"):
    """Create a diary through /register and land on today's view."""
    page.goto("/register")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Create my diary").click()
    expect(page).to_have_url(re.compile(r"/$"))


def api(page, method, path, body=None):
    """Call /api/v1``path`` with the page's cookies (and the CSRF header); the response."""
    token = page.request.get("/api/v1/me").json()["csrf_token"]
    response = page.request.fetch(
        "/api/v1" + path, method=method, data=body, headers={"X-CSRFToken": token}
    )
    assert response.ok, response.text()
    return response


def entries(page):
    """The patient's entries through the API."""
    return api(page, "GET", "/entries").json()["entries"]


def demo_share_token(app):
    """Seed the demo patient's three months in ``app``; a share link token for their report."""
    from helpers import Api, login

    from diary.cli import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

    with app.app_context():
        seed_demo()
    client = app.test_client()
    assert login(client, DEMO_EMAIL, DEMO_PASSWORD).status_code in (302, 303)
    created = Api(client).post("/shares", {"label": "Dr Lee"})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["token"]


def logged_in_state(browser, base_url, email, password, home=r"/$"):
    """The storage state (cookies) of a browser that logged in as ``email`` (landing on
    ``home``: a practitioner lands on /practice)."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(home))
    state = context.storage_state()
    context.close()
    return state


def assert_no_axe_violations(page, axe_source):
    """Run axe-core on the page as it is now; every violation is named in the failure."""
    page.add_script_tag(content=axe_source)
    violations = page.evaluate(
        """async () => (await axe.run()).violations.map((violation) => ({
          id: violation.id,
          impact: violation.impact,
          targets: violation.nodes.map((node) => node.target.join(" ")),
        }))"""
    )
    assert violations == [], "\n".join(
        f"{v['id']} ({v['impact']}): {', '.join(v['targets'])}" for v in violations
    )
