"""The practitioner's workspace in Chromium (PRODUCT.md section 13): a patient connects by code
in one browser, the practitioner sees them in another, the patient disconnects and the
practitioner's next navigation is refused; axe-core on the dashboard and the care team.

Set ``PRACTICE_SCREENSHOTS`` to a folder to keep screenshots of the dashboard (with and without
the privacy blur), the consent page and the care-team page."""

import os
import re
from pathlib import Path

import pytest
from helpers import PASSWORD
from playwright.sync_api import expect

from diary.cli import DEMO_EMAIL, DEMO_PASSWORD, PRACTITIONER_EMAIL, PRACTITIONER_PASSWORD

from .cdn import AXE, CDN_PATTERN, package_file, require_npm_cache
from .conftest import PHONE
from .patient import assert_no_axe_violations, sign_up

DESKTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("PRACTICE_SCREENSHOTS")


def shot(page, name):
    """Keep a full-page screenshot when ``PRACTICE_SCREENSHOTS`` names a folder."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_up_practitioner(page):
    """A practitioner signs up through /register and lands on their dashboard."""
    page.goto("/register")
    page.locator("#email").fill("lee@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_label("I am a practitioner").check()
    page.locator("#practice").fill("Northside Acupuncture")
    page.locator("#display_name").fill("Dr Sam Lee")
    page.get_by_role("button", name="Create my diary").click()
    expect(page).to_have_url(re.compile(r"/practice$"))


def log_in(page, email, password, lands_on):
    """Log in through the form."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(lands_on))


def test_connect_see_disconnect_refused(live_context):
    practitioner = live_context().new_page()
    practitioner.set_viewport_size(DESKTOP)
    patient = live_context().new_page()
    sign_up_practitioner(practitioner)
    practitioner.goto("/practice/code")
    code = practitioner.locator(".desk-code code").inner_text()
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){2}", code)

    sign_up(patient)
    patient.goto("/care-team")
    patient.get_by_label("Their connect code").fill(code.lower().replace("-", " "))
    patient.get_by_role("button", name="Continue").click()
    expect(patient.get_by_role("heading", name="Connect to Dr Sam Lee?")).to_be_visible()
    expect(patient.get_by_text("Northside Acupuncture")).to_be_visible()
    expect(patient.get_by_text("until you or they end it")).to_be_visible()
    shot(patient, "consent")
    patient.get_by_role("button", name="Connect", exact=True).click()
    expect(patient).to_have_url(re.compile(r"/care-team$"))
    expect(patient.get_by_text("Dr Sam Lee, Northside Acupuncture")).to_be_visible()

    practitioner.goto("/practice")
    row = practitioner.locator("table.patients tbody tr")
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Patient").click()
    heading = practitioner.get_by_role("heading", name="Patient: pain and acupuncture")
    expect(heading).to_be_visible()

    patient.reload()
    patient.locator(".access-log summary").click()
    expect(patient.get_by_text("opened your report")).to_be_visible()
    patient.get_by_role("link", name="Disconnect").click()
    patient.get_by_role("button", name="Disconnect").click()
    expect(patient.get_by_text("can no longer see your diary")).to_be_visible()

    # The report is still on the practitioner's screen; their very next navigation is refused.
    practitioner.get_by_role("link", name="Log today's session").click()
    expect(practitioner.get_by_role("heading", name="Not found")).to_be_visible()
    answer = practitioner.goto(practitioner.url)
    assert answer.status == 404
    practitioner.go_back()
    expect(practitioner.get_by_text("Patient: pain and acupuncture")).to_have_count(0)
    practitioner.goto("/practice")
    expect(practitioner.get_by_text("No patients are connected yet")).to_be_visible()


@pytest.fixture(scope="module")
def demo_practice(module_app, module_live_server):
    """The seeded demo: the demo patient and the demo practitioner with their patients."""
    from diary.cli import seed_demo, seed_practice_demo

    require_npm_cache()
    with module_app.app_context():
        seed_demo()
        seed_practice_demo()
    return module_live_server


@pytest.fixture(scope="module")
def axe_source():
    """axe-core's browser build from ``make npm-assets``."""
    require_npm_cache()
    return package_file(*AXE).read_text(encoding="utf-8")


def _page(new_context, url, viewport):
    # The CSP forbids inline scripts, add_script_tag's way in: these tests only bypass it.
    context = new_context(base_url=url, bypass_csp=True)
    context.route(CDN_PATTERN, lambda route: route.abort())
    page = context.new_page()
    page.set_viewport_size(viewport)
    return page


def test_the_dashboard_has_no_axe_violations_at_1280x800(new_context, demo_practice, axe_source):
    page = _page(new_context, demo_practice, DESKTOP)
    log_in(page, PRACTITIONER_EMAIL, PRACTITIONER_PASSWORD, r"/practice$")
    expect(page.locator("table.patients tbody tr")).to_have_count(5)
    first = page.locator("table.patients tbody tr").first
    expect(first).to_have_attribute("data-flags", "red_flag")  # the demo's Ken Ito, first
    shot(page, "dashboard")
    assert_no_axe_violations(page, axe_source)
    page.get_by_role("button", name="Blur names").click()
    expect(page.locator("body.privacy")).to_have_count(1)
    blur = page.locator(".patient-name").first.evaluate("(node) => getComputedStyle(node).filter")
    assert blur.startswith("blur(")
    page.mouse.move(0, 0)
    shot(page, "dashboard-blurred")
    assert_no_axe_violations(page, axe_source)
    page.get_by_role("button", name="Show names").click()
    expect(page.locator("body.privacy")).to_have_count(0)


def test_the_care_team_has_no_axe_violations_at_390x844(new_context, demo_practice, axe_source):
    page = _page(new_context, demo_practice, PHONE)
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD, r"/$")
    page.goto("/care-team")
    expect(page.get_by_text("Dr Sam Lee, Northside Acupuncture")).to_be_visible()
    page.locator(".access-log summary").first.click()
    shot(page, "care-team")
    assert_no_axe_violations(page, axe_source)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
