"""Large text on a narrow phone (issue 13): at 360 px with 200 % text no page scrolls sideways,
in English and in the longer languages (German, French, Spanish: issue 18), and the tab bar
reaches every tab, Account included.

200 % text is what a browser's text size setting does: the root font size doubles (32 px), so
everything sized in rem and em grows and pixel sizes stay. The demo patient's three months fill
the pages; every details element is opened, so hidden tables and lists count too."""

import re

import pytest
from playwright.sync_api import expect

from diary.cli import DEMO_EMAIL, DEMO_PASSWORD

from .conftest import CDN
from .patient import demo_share_token, logged_in_state

NARROW = {"width": 360, "height": 640}
LARGE_TEXT = "() => { document.documentElement.style.fontSize = '32px'; }"
PAGES = [
    pytest.param(False, "/login", id="login"),
    pytest.param(False, "/register", id="register"),
    pytest.param(True, "/", id="today"),
    pytest.param(True, "/entries/new", id="log-form"),
    pytest.param(True, "/entries", id="history"),
    pytest.param(True, "/sessions", id="sessions"),
    pytest.param(True, "/sessions/new", id="session-form"),
    pytest.param(True, "/trends", id="trends"),
    pytest.param(True, "/shares", id="shares"),
    pytest.param(True, "/account", id="account"),
    pytest.param(True, "/account/password", id="password"),
    pytest.param(False, "report", id="report"),
]


@pytest.fixture(scope="module")
def demo(module_app, module_live_server, browser):
    """The seeded server's URL, a share token, and the demo patient's logged-in state."""
    token = demo_share_token(module_app)
    state = logged_in_state(browser, module_live_server, DEMO_EMAIL, DEMO_PASSWORD)
    return {"url": module_live_server, "token": token, "state": state}


@pytest.fixture
def open_large(new_context, demo):
    """A 360 px page with 200 % text: ``open_large(path, logged_in)``."""

    def open_large(path, logged_in=True, locale="en-GB"):
        state = demo["state"] if logged_in else None
        context = new_context(base_url=demo["url"], storage_state=state, locale=locale)
        context.route(CDN, lambda route: route.abort())
        page = context.new_page()
        page.set_viewport_size(NARROW)
        page.goto(f"/s/{demo['token']}" if path == "report" else path)
        page.evaluate(LARGE_TEXT)
        return page

    return open_large


@pytest.mark.parametrize("locale", ["en-GB", "de-DE", "fr-FR", "es-ES"])
@pytest.mark.parametrize(("logged_in", "path"), PAGES)
def test_no_page_scrolls_sideways_with_large_text(open_large, logged_in, path, locale):
    """The page is no wider than the screen, with every details element open."""
    page = open_large(path, logged_in, locale)
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    widths = page.evaluate(
        """() => ({
          page: document.documentElement.scrollWidth,
          body: document.body.scrollWidth,
          screen: document.documentElement.clientWidth,
        })"""
    )
    # The elements past the right edge, named in the failure.
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .slice(0, 5)
          .map((e) => `${e.tagName}.${e.className}: ${e.textContent.trim().slice(0, 40)}`)"""
    )
    assert widths["page"] <= widths["screen"], (widths, wide)
    assert widths["body"] <= widths["screen"], widths


def test_the_tab_bar_reaches_account_with_large_text(open_large):
    """Every tab lies inside the screen, big enough to tap; Account opens the account page."""
    page = open_large("/")
    tabs = page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(tabs).to_have_text(["Today", "Log pain", "History", "Trends", "Sessions", "Account"])
    for tab in tabs.all():
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], tab.text_content()
        assert box["y"] >= 0 and box["y"] + box["height"] <= NARROW["height"], tab.text_content()
        assert box["width"] >= 44 and box["height"] >= 44, tab.text_content()
    tabs.filter(has_text="Account").click()
    expect(page).to_have_url(re.compile(r"/account$"))
