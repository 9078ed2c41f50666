"""The dark theme (issue 17) and axe-core on the patient's pages in light and dark.

The theme follows the system (prefers-color-scheme): pages, the body map and the report on
screen turn dark; print stays light. axe-core (WCAG 2.1 AA and best practices, its defaults)
finds nothing in either theme, at 390 x 844, on the demo patient's three months."""

import re

import pytest
from playwright.sync_api import expect

from diary.cli import DEMO_EMAIL, DEMO_PASSWORD

from .cdn import AXE, CDN_PATTERN, package_file, require_npm_cache
from .patient import assert_no_axe_violations, demo_share_token, logged_in_state, sign_up

THEMES = ["light", "dark"]
PAGES = [
    pytest.param(False, "/login", id="login"),
    pytest.param(False, "register-errors", id="register-errors"),
    pytest.param(True, "/", id="today"),
    pytest.param(True, "/entries/new", id="log-form"),
    pytest.param(True, "log-form-in-use", id="log-form-in-use"),
    pytest.param(True, "log-form-errors", id="log-form-errors"),
    pytest.param(True, "/entries", id="history"),
    pytest.param(True, "/sessions", id="sessions"),
    pytest.param(True, "/sessions/new", id="session-form"),
    pytest.param(True, "/trends", id="trends"),
    pytest.param(True, "/shares", id="shares"),
    pytest.param(True, "/account", id="account"),
    pytest.param(True, "/reminders", id="reminders"),
    pytest.param(False, "/password/forgot", id="forgot-password"),
    pytest.param(False, "report", id="report"),
]
# The page's background and text colours, and the body map's, as the browser paints them.
COLOURS = """() => {
  const style = (selector) => getComputedStyle(document.querySelector(selector));
  return {
    page: style("html").backgroundColor,
    text: style("body").color,
    card: style(".body-figure svg").backgroundColor,
    figure: style(".body-figure use.fig").fill,
  };
}"""


def lightness(colour):
    """0 (black) to 1 (white): the mean of an rgb() colour's channels."""
    red, green, blue = (int(part) for part in re.findall(r"\d+", colour)[:3])
    return (red + green + blue) / 3 / 255


@pytest.fixture(scope="module")
def demo(module_app, module_live_server, browser):
    """The seeded server's URL, a share token, and the demo patient's logged-in state."""
    require_npm_cache()
    token = demo_share_token(module_app)
    state = logged_in_state(browser, module_live_server, DEMO_EMAIL, DEMO_PASSWORD)
    return {"url": module_live_server, "token": token, "state": state}


@pytest.fixture(scope="module")
def axe_source():
    """axe-core's browser build from ``make npm-assets``."""
    require_npm_cache()
    return package_file(*AXE).read_text(encoding="utf-8")


def test_the_theme_follows_the_system_and_print_stays_light(page):
    """Dark on a dark system (page, text, body map), light otherwise and always on paper."""
    sign_up(page)
    page.goto("/entries/new")
    light = page.evaluate(COLOURS)
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate(COLOURS)
    page.emulate_media(media="print", color_scheme="dark")
    printed = page.evaluate(COLOURS)
    assert lightness(light["page"]) > 0.9 and lightness(light["text"]) < 0.2
    assert lightness(dark["page"]) < 0.15 and lightness(dark["text"]) > 0.8
    assert lightness(dark["card"]) < 0.2 and lightness(dark["figure"]) < 0.3
    assert printed == light


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(("logged_in", "path"), PAGES)
def test_axe_finds_no_violations(new_context, demo, axe_source, theme, logged_in, path):
    """axe-core finds nothing to fix, in the light theme and in the dark one."""
    # The CSP forbids inline scripts, add_script_tag's way in: these tests only bypass it.
    context = new_context(
        base_url=demo["url"],
        storage_state=demo["state"] if logged_in else None,
        color_scheme=theme,
        bypass_csp=True,
    )
    context.route(CDN_PATTERN, lambda route: route.abort())  # the tables stand in for charts
    page = context.new_page()
    if path == "register-errors":
        page.goto("/register")
        page.locator("#email").fill("not an address")
        page.get_by_role("button", name="Create my diary").click()
        expect(page.locator(".field-error").first).to_be_visible()
    elif path == "log-form-errors":
        page.goto("/entries/new")
        page.evaluate("() => { document.querySelector('form.log-form').noValidate = true; }")
        page.locator("form.log-form").evaluate("(form) => form.submit()")  # no score: refused
        expect(page.locator(".field-error").first).to_be_visible()
    elif path == "log-form-in-use":
        page.goto("/entries/new")
        page.locator('[data-location="buttock:left"]').click()
        page.locator('[data-location~="foot:right"]').click()
        page.get_by_role("button", name="Toes").click()
        page.locator("#field-overall label.s8").click()
        page.locator("#field-pain_types label").first.click()
        page.get_by_text("Choose from a list").click()
    else:
        page.goto(f"/s/{demo['token']}" if path == "report" else path)
    assert_no_axe_violations(page, axe_source)
