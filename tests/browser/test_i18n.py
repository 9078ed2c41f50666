"""Languages in Chromium (PRODUCT.md section 15, issue #18).

- The pseudo-locale (``en-XA``: every message bracketed, 30 % longer): every page the demo
  patient and practitioner open, with the text their scripts write (charts, outbox, share), has
  no plain English word, and no page scrolls sideways at 390 px with the longer words.
- German and Simplified Chinese: the log form and Trends at 360 px do not scroll sideways and
  axe-core finds nothing; screenshots in German and Traditional Chinese for people to look at
  (test-results/i18n/).
- Every chart legend fits a 360 px phone in each language (Chart.js cuts a long label).
"""

from pathlib import Path

import pytest
from pseudo import untranslated
from test_i18n_pages import own_words

from diary.cli import PRACTITIONER_EMAIL, PRACTITIONER_PASSWORD, seed_practice_demo

from .cdn import AXE, package_file, require_npm_cache
from .conftest import PHONE
from .patient import assert_no_axe_violations, logged_in_state

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "i18n"
NARROW = {"width": 360, "height": 800}
PATIENT_PAGES = [
    "/", "/entries/new", "/entries", "/trends", "/sessions", "/sessions/new", "/check-in",
    "/account", "/shares", "/reminders", "/care-team", "/account/password", "/account/totp",
]
PRACTITIONER_PAGES = ["/practice", "/practice/code", "/account"]
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture(scope="module")
def practitioner_state(module_app, seeded, browser):
    """The demo practitioner and their patients, logged in once (the demo patient is
    ``seeded``'s)."""
    with module_app.app_context():
        seed_practice_demo()
    return logged_in_state(
        browser, seeded.url, PRACTITIONER_EMAIL, PRACTITIONER_PASSWORD, home=r"/practice$"
    )


def check_pseudo_page(page, own):
    """No unbracketed English and no sideways scroll on the page as its scripts left it."""
    page.wait_for_load_state("networkidle")
    problems = untranslated(page.content(), own)
    overflow = page.evaluate(SIDEWAYS)
    return problems, overflow


def test_every_patient_page_is_marked_in_the_pseudo_locale(seeded_page, module_app):
    own = own_words(module_app)
    found = {}
    for path in PATIENT_PAGES:
        page = seeded_page(path, locale="en-XA")
        assert page.evaluate("() => document.documentElement.lang") == "en-XA", path
        problems, overflow = check_pseudo_page(page, own)
        if problems or overflow > 0:
            found[path] = {"untranslated": problems[:8], "sideways_px": overflow}
        page.context.close()
    assert found == {}


def test_every_practitioner_page_and_the_report_are_marked(
    seeded_page, seeded, module_app, practitioner_state
):
    own = own_words(module_app)
    found = {}
    paths = [(path, practitioner_state) for path in PRACTITIONER_PAGES]
    paths.append((seeded.report, None))
    for path, state in paths:
        page = seeded_page(path, patient=False, storage_state=state, locale="en-XA",
                           viewport={"width": 1280, "height": 800} if state else PHONE)
        problems, overflow = check_pseudo_page(page, own)
        if problems or overflow > 0:
            found[path] = {"untranslated": problems[:8], "sideways_px": overflow}
        page.context.close()
    assert found == {}


@pytest.mark.parametrize("locale", ["de-DE", "zh-CN"])
@pytest.mark.parametrize("path", ["/entries/new", "/trends"])
def test_narrow_pages_fit_and_pass_axe_in_german_and_chinese(seeded_page, locale, path):
    require_npm_cache()
    page = seeded_page(path, viewport=NARROW, locale=locale, bypass_csp=True)
    assert page.evaluate("() => document.documentElement.lang") in ("de", "zh-Hans")
    assert page.evaluate(SIDEWAYS) <= 0, f"{path} scrolls sideways in {locale}"
    assert_no_axe_violations(page, package_file(*AXE).read_text(encoding="utf-8"))


@pytest.mark.parametrize("locale", ["de-DE", "zh-TW"])
@pytest.mark.parametrize("path", ["/entries/new", "/trends"])
def test_screenshots_for_people_to_look_at(seeded_page, locale, path):
    page = seeded_page(path, viewport={"width": 390, "height": 844}, locale=locale)
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = f"{locale}-{path.strip('/').replace('/', '-')}.png"
    page.screenshot(path=str(SHOTS / name), full_page=True)
    assert page.evaluate("() => document.documentElement.lang") in ("de", "zh-Hant")


# Chart.js writes each legend item on one line and cuts what does not fit the canvas.
LEGENDS_CUT = """() => window.diaryCharts.flatMap((chart) => chart.legend.legendHitBoxes
  .filter((box) => box.left < 0 || box.left + box.width > chart.width + 1)
  .map((box) => `${chart.canvas.id}: ${Math.round(box.left + box.width)} > ${chart.width}`))"""


@pytest.mark.parametrize("locale", ["de-DE", "es-ES", "fr-FR", "zh-CN", "zh-TW"])
def test_every_chart_legend_fits_a_360px_phone(seeded_page, locale):
    require_npm_cache()
    page = seeded_page("/trends", viewport=NARROW, locale=locale)
    page.wait_for_function("document.body.dataset.charts === 'ready'")
    assert page.evaluate("() => window.diaryCharts.length") >= 4
    assert page.evaluate(LEGENDS_CUT) == []
