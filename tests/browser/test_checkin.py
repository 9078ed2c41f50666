"""The weekly check-in on a phone (PRODUCT.md sections 11 and 16): at most 8 taps from Today,
offline through the outbox and sent once, a red flag answered yes shows the urgent page at once
(online and offline), axe finds nothing in light and dark, and screenshots to look at."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import PASSWORD, Api, register
from playwright.sync_api import expect

from .cdn import AXE, CDN_PATTERN, package_file, require_npm_cache
from .conftest import CDN
from .patient import api, assert_no_axe_violations, logged_in_state, sign_up, wait_until
from .test_pwa import EMPTY_OUTBOX, flush, outbox, put, server
from .test_pwa import sign_up as sign_up_with_worker

SCREENSHOTS = Path("/tmp/shots")
MAX_TAPS = 8  # PRODUCT.md section 16
LARGE_TEXT = "() => { document.documentElement.style.fontSize = '32px'; }"
NO_FLAGS = {"saddle_numbness": False, "bladder": False, "bowel": False, "both_legs": False,
            "sexual": False}
CHECK_IN_KEPT = """async () => {
  const name = (await caches.keys()).find((key) => key.startsWith("diary-shell-"));
  if (!name) return false;
  const cache = await caches.open(name);
  const kept = await Promise.all(["/check-in", "/check-in/urgent"].map((p) => cache.match(p)));
  return kept.every(Boolean);
}"""


class Taps:
    """Counts every tap the patient makes."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator):
        """Tap ``locator``."""
        self.count += 1
        locator.click()


def question(page, name):
    """The fieldset of the question ``name`` (``peg.pain``)."""
    return page.locator(f'[id="field-{name}"]')


def answer_peg(page, tap, pain=6, enjoyment=5, activity=7):
    """Three taps: PEG's three scales."""
    tap(question(page, "peg.pain").locator(f"label.s{pain}"))
    tap(question(page, "peg.enjoyment").locator(f"label.s{enjoyment}"))
    tap(question(page, "peg.activity").locator(f"label.s{activity}"))


def test_the_check_in_takes_at_most_8_taps_from_today(page):
    sign_up(page)
    tap = Taps()
    tap(page.get_by_role("link", name="Weekly check-in · 1 min"))
    expect(page).to_have_url(re.compile(r"/check-in$"))
    answer_peg(page, tap)
    tap(page.get_by_text("None of these", exact=True))
    for name in NO_FLAGS:  # "None of these" answered each one, visibly
        expect(question(page, f"red_flags.{name}").get_by_label("No")).to_be_checked()
    tap(page.get_by_role("button", name="Save check-in"))
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_text("Check-in saved.")).to_be_visible()
    assert tap.count == 6 <= MAX_TAPS
    peg, flags = api(page, "GET", "/responses").json()["responses"]
    assert peg["answers"] == {"pain": 6, "enjoyment": 5, "activity": 7}
    assert flags["answers"] == NO_FLAGS and flags["urgent"] is False
    expect(page.get_by_role("link", name="Weekly check-in · 1 min")).to_have_count(0)


def test_a_question_left_unanswered_is_named_before_sending(page):
    sign_up(page)
    page.goto("/check-in")
    question(page, "peg.pain").locator("label.s3").click()
    question(page, "red_flags.bladder").get_by_text("Yes").click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page).to_have_url(re.compile(r"/check-in$"))
    expect(question(page, "peg.enjoyment").locator(".field-error")).to_have_text(
        "This question needs an answer: tap a number from 0 to 10."
    )
    expect(question(page, "red_flags.bowel").locator(".field-error")).to_contain_text(
        "tap Yes or No (or None of these)"
    )
    expect(question(page, "peg.pain").locator(".field-error")).to_have_count(0)
    assert api(page, "GET", "/responses").json()["responses"] == []


def test_a_red_flag_answered_yes_shows_the_urgent_page(page):
    sign_up(page)
    page.goto("/check-in")
    answer_peg(page, Taps())
    page.get_by_text("None of these", exact=True).click()
    question(page, "red_flags.bladder").get_by_text("Yes").click()
    expect(page.get_by_label("None of these")).not_to_be_checked()  # a yes takes it back
    page.get_by_role("button", name="Save check-in").click()
    expect(page).to_have_url(re.compile(r"/check-in/urgent$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Go to an emergency department (A&E) now"
    )
    expect(page.locator(".signs")).to_contain_text("New trouble passing urine")
    expect(page.locator(".tabs")).to_have_count(0)  # the whole screen is the message
    page.get_by_role("link", name="Back to Today").click()
    expect(page.locator(".urgent-box")).to_contain_text("Go to an emergency department")


def test_a_check_in_offline_then_online_arrives_exactly_once(new_context, live_server):
    phone = new_context(base_url=live_server)  # no routing: it would bypass the worker
    page = phone.new_page()
    sign_up_with_worker(page)
    wait_until(page, CHECK_IN_KEPT)
    phone.set_offline(True)
    page.goto("/check-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly check-in")
    answer_peg(page, Taps(), pain=4, enjoyment=3, activity=5)
    page.get_by_text("None of these", exact=True).click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page).to_have_url(re.compile(r"/offline\?queued=1$"))
    items = outbox(page)
    assert sorted(item["body"]["instrument"] for item in items) == ["peg", "red_flags"]
    assert not any(item["urgent"] for item in items)
    expect(page.locator("[data-outbox-list] li")).to_have_count(2)

    phone.set_offline(False)
    page.goto("/")
    wait_until(page, EMPTY_OUTBOX)
    found = server(page, "responses", expect_count=2)
    assert flush(page)["sent"] == 0
    page.reload()
    assert len(server(page, "responses")) == 2 == len(found)
    by_key = {response["instrument"]: response for response in found}
    assert by_key["peg"]["answers"] == {"pain": 4, "enjoyment": 3, "activity": 5}
    assert by_key["red_flags"]["answers"] == NO_FLAGS


def test_offline_a_red_flag_answered_yes_shows_the_urgent_page_at_once(new_context, live_server):
    phone = new_context(base_url=live_server)
    page = phone.new_page()
    sign_up_with_worker(page)
    wait_until(page, CHECK_IN_KEPT)
    phone.set_offline(True)
    page.goto("/check-in")
    answer_peg(page, Taps())
    page.get_by_text("None of these", exact=True).click()
    question(page, "red_flags.both_legs").get_by_text("Yes").click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page).to_have_url(re.compile(r"/check-in/urgent\?queued=1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Go to an emergency department (A&E) now"
    )
    expect(page.locator("[data-queued-notice]")).to_be_visible()
    assert [item["urgent"] for item in outbox(page) if item["body"]["instrument"] == "red_flags"] \
        == [True]

    phone.set_offline(False)
    page.goto("/")
    wait_until(page, EMPTY_OUTBOX)
    page.reload()
    expect(page.locator(".urgent-box")).to_contain_text("Go to an emergency department")


# --- axe and screenshots, on one server with two patients ---------------------------------


@pytest.fixture(scope="module")
def patients(module_app, module_live_server, browser):
    """Two patients: one with a PEG baseline and a check-in due, one who answered a red flag
    yes 8 days ago (Today still warns; the weekly check-in is due again)."""
    require_npm_cache()
    now = datetime.now(UTC)
    states = {}
    for email in ("due@example.com", "urgent@example.com"):
        client = module_app.test_client()
        assert register(client, email=email).status_code == 303
        patient = Api(client)

        def answered(instrument, answers, days_ago):
            when = (now - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
            body = {"instrument": instrument, "answers": answers, "answered_at": when}
            assert patient.post("/responses", body).status_code == 201  # noqa: B023

        answered("peg", {"pain": 7, "enjoyment": 7, "activity": 6}, 15)
        answered("peg", {"pain": 5, "enjoyment": 4, "activity": 5}, 8)
        answered("rmdq", {f"q{n}": n < 10 for n in range(1, 25)}, 8)
        if email.startswith("urgent"):
            answered("red_flags", {**NO_FLAGS, "bladder": True, "both_legs": True}, 8)
        states[email.split("@")[0]] = logged_in_state(browser, module_live_server, email, PASSWORD)
    return {"url": module_live_server, **states}


@pytest.fixture(scope="module")
def axe_source():
    """axe-core's browser build from ``make npm-assets``."""
    require_npm_cache()
    return package_file(*AXE).read_text(encoding="utf-8")


def open_as(new_context, patients, who, path, **options):
    """A phone-sized page of ``who`` at ``path`` (CDN refused: the tables stand in)."""
    context = new_context(base_url=patients["url"], storage_state=patients[who], **options)
    context.route(CDN, lambda route: route.abort())
    page = context.new_page()
    page.goto(path)
    return page


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(
    ("who", "path"),
    [
        pytest.param("due", "/check-in", id="check-in"),
        pytest.param("due", "check-in-in-use", id="check-in-in-use"),
        pytest.param("due", "check-in-errors", id="check-in-errors"),
        pytest.param("urgent", "/check-in/urgent", id="urgent"),
        pytest.param("due", "/questionnaires/rmdq", id="rmdq"),
        pytest.param("due", "/questionnaires/pgic", id="pgic"),
        pytest.param("urgent", "/", id="today-urgent"),
        pytest.param("urgent", "/entries", id="history"),
    ],
)
def test_axe_finds_no_violations(new_context, patients, axe_source, theme, who, path):
    """axe-core finds nothing to fix on the questionnaire pages, light and dark."""
    page = open_as(
        new_context, patients, who, "/check-in" if "check-in-" in path else path,
        color_scheme=theme, bypass_csp=True,
    )
    page.context.route(CDN_PATTERN, lambda route: route.abort())
    if path == "check-in-in-use":
        answer_peg(page, Taps(), pain=8)
        page.get_by_text("None of these", exact=True).click()
        question(page, "red_flags.bowel").get_by_text("Yes").click()
    elif path == "check-in-errors":
        question(page, "red_flags.sexual").get_by_text("Yes").click()
        page.locator("form.questionnaire-form").evaluate("(form) => form.submit()")  # no JS check
        expect(page.locator(".field-error").first).to_be_visible()
    assert_no_axe_violations(page, axe_source)


@pytest.mark.parametrize(
    ("who", "path", "name"),
    [
        ("due", "/check-in", "check-in"),
        ("due", "check-in-in-use", "check-in-in-use"),
        ("due", "check-in-errors", "check-in-errors"),
        ("due", "/questionnaires/rmdq", "rmdq"),
        ("urgent", "/check-in/urgent", "urgent"),
        ("due", "/", "today-due"),
        ("urgent", "/", "today-urgent"),
    ],
)
def test_screenshots_at_390_by_844_light_dark_and_large_text(
    new_context, patients, who, path, name
):
    """Pictures to look at; at 200 % text nothing scrolls sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for theme in ("light", "dark"):
        start = "/check-in" if path.startswith("check-in-") else path
        page = open_as(new_context, patients, who, start, color_scheme=theme)
        if path.endswith("-in-use"):
            answer_peg(page, Taps(), pain=8)
            page.get_by_text("None of these", exact=True).click()
            question(page, "red_flags.bowel").get_by_text("Yes").click()
        elif path.endswith("-errors"):  # sent without the page's own check: the server's
            question(page, "peg.pain").locator("label.s4").click()
            question(page, "red_flags.sexual").get_by_text("Yes").click()
            page.locator("form.questionnaire-form").evaluate("(form) => form.submit()")
            expect(page.locator(".urgent-box")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / f"checkin-{name}-{theme}.png")
        page.screenshot(path=SCREENSHOTS / f"checkin-{name}-{theme}-full.png", full_page=True)
    page.evaluate(LARGE_TEXT)
    page.emulate_media(color_scheme="light")
    page.screenshot(path=SCREENSHOTS / f"checkin-{name}-large-text.png")
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{path} scrolls sideways at 200 % text"


def test_a_refused_check_in_answer_is_fixed_in_its_questionnaires_page(new_context, live_server):
    """An outbox item the server refused opens filled in on its questionnaire's page, with the
    server's message by the question; fixed, it is sent and leaves the outbox."""
    phone = new_context(base_url=live_server)
    page = phone.new_page()
    sign_up_with_worker(page)
    refused = {
        "id": str(uuid.uuid4()),
        "kind": "response",
        "endpoint": "/api/v1/responses",
        "time_field": "answered_at",
        "form_page": "/questionnaires/peg",
        "labels": {"answers.activity": "General activity"},
        "title": "PEG",
        "urgent": False,
        "body": {"instrument": "peg", "answers": {"pain": 6, "enjoyment": 4, "activity": 12}},
        "queued_at": "2026-03-02T08:15:00Z",
        "implicit_time": True,
        "own_words": [],
        "status": "waiting",
        "error": "",
    }
    refused["body"]["id"] = refused["id"]
    put(page, refused)
    assert flush(page)["problems"] == 1
    page.goto("/entries")
    row = page.locator("[data-outbox-list] li")
    expect(row).to_contain_text("General activity must be a whole number from 0 to 10")
    row.get_by_role("link", name="Fix").click()
    expect(page).to_have_url(re.compile(r"/questionnaires/peg\?outbox="))
    expect(question(page, "peg.pain").get_by_label("6", exact=True)).to_be_checked()
    expect(question(page, "peg.enjoyment").get_by_label("4", exact=True)).to_be_checked()
    expect(question(page, "peg.activity").locator(".field-error")).to_contain_text(
        "General activity must be"
    )
    question(page, "peg.activity").locator("label.s5").click()
    page.get_by_role("button", name="Save answers").click()
    expect(page).to_have_url(re.compile(r"/$"))
    [peg] = server(page, "responses", expect_count=1)
    assert peg["answers"] == {"pain": 6, "enjoyment": 4, "activity": 5}
    assert outbox(page) == []
