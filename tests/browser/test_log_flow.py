"""A patient's journeys in a phone-sized Chromium: sign up, log pain and sessions, edit, delete."""

import re
import uuid
from pathlib import Path

from playwright.sync_api import expect

from .patient import sign_up

MAX_TAPS = 6
SCREENSHOTS = Path("/tmp/shots")
PAGES = ["/", "/entries/new", "/entries", "/sessions", "/sessions/new", "/account"]


def api_get(page, path):
    """GET /api/v1``path`` with the page's cookies; the JSON answer."""
    response = page.request.get("/api/v1" + path)
    assert response.ok, response.text()
    return response.json()


def api_post(page, path, body):
    """POST JSON to /api/v1``path`` as the logged-in patient (with the CSRF header)."""
    token = api_get(page, "/me")["csrf_token"]
    response = page.request.post("/api/v1" + path, data=body, headers={"X-CSRFToken": token})
    assert response.status == 201, response.text()
    return response.json()


def entries(page):
    """The patient's entries through the API."""
    return api_get(page, "/entries")["entries"]


def sessions(page):
    """The patient's acupuncture sessions through the API."""
    return api_get(page, "/sessions")["sessions"]


def scale_option(page, field, value):
    """The visible label of pain score ``value`` on the scale ``#field-<field>``."""
    return page.locator(f"#field-{field} label.s{value}")


def chip(page, field, label):
    """The visible chip ``label`` in the chip list ``#field-<field>``."""
    return page.locator(f"#field-{field} .chip-list label").filter(has_text=label)


def location_box(page, value):
    """The real checkbox behind the body map for ``region:side``."""
    return page.locator(f'input[name="locations"][value="{value}"]')


def log_pain(page):
    """From today's view log 7, left buttock, burning; returns the number of taps it took."""
    taps = 0

    def tap(locator):
        nonlocal taps
        locator.click()
        taps += 1

    tap(page.get_by_role("link", name="Log pain now"))
    expect(page).to_have_url(re.compile(r"/entries/new$"))
    tap(scale_option(page, "overall", 7))
    expect(page.locator('#field-overall input[value="7"]')).to_be_checked()
    tap(page.locator('[data-location="buttock:left"]'))
    expect(location_box(page, "buttock:left")).to_be_checked()
    expect(page.locator('[data-location="buttock:left"]')).to_have_class(re.compile(r"\bon\b"))
    tap(chip(page, "pain_types", "Burning"))
    tap(page.get_by_role("button", name="Save entry"))
    expect(page).to_have_url(re.compile(r"/$"))
    return taps


def test_sign_up_captures_the_browser_time_zone(page):
    """The hidden time zone field is filled from the browser and lands in the profile."""
    page.goto("/register")
    expect(page.locator('input[name="timezone"]')).to_have_value("America/Denver")
    sign_up(page)
    expect(page.get_by_role("heading", name="Hello", exact=True)).to_be_visible()
    assert api_get(page, "/me")["timezone"] == "America/Denver"


def test_log_pain_in_six_taps(page):
    """Today → log form → 7, left buttock, burning → saved once and shown on today's view."""
    sign_up(page)
    taps = log_pain(page)
    assert taps <= MAX_TAPS

    expect(page.get_by_role("status")).to_contain_text("Saved: pain 7/10.")
    latest = page.locator("section[aria-labelledby=latest-heading] article.entry")
    expect(latest).to_have_count(1)
    expect(latest).to_contain_text("Pain 7/10")
    expect(latest).to_contain_text("Buttock (left)")
    expect(latest).to_contain_text("Burning")

    found = entries(page)
    assert len(found) == 1, found
    entry = found[0]
    assert entry["pain"]["overall"] == 7
    assert entry["locations"] == [{"region": "buttock", "side": "left"}]
    assert entry["pain_types"] == ["burning"]


def test_same_as_last_entry_prefills_the_form(page):
    """ "Same as last entry" ticks what the last entry had; saving makes a second entry."""
    sign_up(page)
    log_pain(page)

    page.get_by_role("link", name="Same as last entry").click()
    expect(page).to_have_url(re.compile(r"/entries/new\?copy=last$"))
    expect(page.locator('#field-overall input[value="7"]')).to_be_checked()
    expect(location_box(page, "buttock:left")).to_be_checked()
    expect(page.locator('[data-location="buttock:left"]')).to_have_class(re.compile(r"\bon\b"))
    expect(page.locator('#field-pain_types input[value="burning"]')).to_be_checked()
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/$"))

    found = entries(page)
    assert len(found) == 2, found
    first, second = found
    assert first["id"] != second["id"]
    for entry in (first, second):
        assert entry["pain"]["overall"] == 7
        assert entry["locations"] == [{"region": "buttock", "side": "left"}]
        assert entry["pain_types"] == ["burning"]


def test_log_form_works_without_javascript(live_context):
    """No JavaScript: the checkbox list stands in for the body map and the entry is saved."""
    page = live_context(java_script_enabled=False).new_page()
    sign_up(page, email="nojs@example.com")
    assert api_get(page, "/me")["timezone"] == "UTC"

    page.goto("/entries/new")
    expect(page.locator("details[data-location-list]")).to_have_attribute("open", "")
    calf_right = location_box(page, "calf:right")
    expect(calf_right).to_be_visible()
    expect(calf_right).to_be_enabled()
    scale_option(page, "overall", 3).click()
    calf_right.check()
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("status")).to_contain_text("Saved: pain 3/10.")

    [entry] = entries(page)
    assert entry["pain"]["overall"] == 3
    assert entry["locations"] == [{"region": "calf", "side": "right"}]


def test_missing_overall_pain_is_shown_next_to_the_field(page):
    """Saving without overall pain shows the message in that field and keeps what was typed."""
    sign_up(page)
    page.goto("/entries/new")
    page.get_by_text("Sleep, daily life, medication, note, time").click()
    page.locator("#notes").fill("Bad night after the long drive.")
    page.get_by_role("button", name="Save entry").click()

    error = page.locator("#field-overall .field-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("#notes")).to_be_visible()
    expect(page.locator("#notes")).to_have_value("Bad night after the long drive.")
    assert entries(page) == []


def test_log_edit_and_delete_an_acupuncture_session(page):
    """/sessions: log one, change the practitioner, delete it through the confirmation page."""
    sign_up(page)
    page.goto("/sessions")
    page.get_by_role("link", name="Log a session").click()
    page.locator("#practitioner").fill("Dr Lee")
    chip(page, "techniques", "Electroacupuncture").click()
    scale_option(page, "pain_before", 6).click()
    scale_option(page, "pain_after", 3).click()
    page.get_by_role("button", name="Save session").click()
    saved = page.get_by_role("status")
    expect(saved).to_contain_text("Saved: session 1")
    expect(saved).to_contain_text("pain 6 → 3")
    expect(page.get_by_role("button", name="Save session")).to_have_count(0)  # no second tap
    expect(saved.get_by_role("link", name="Log another session")).to_be_visible()

    [session] = sessions(page)
    assert session["practitioner"] == "Dr Lee"
    assert session["techniques"] == ["electroacupuncture"]
    assert (session["pain_before"], session["pain_after"]) == (6, 3)
    assert session["number"] == 1

    page.get_by_role("link", name="Edit session 1").click()
    expect(page.get_by_role("heading", name="Edit acupuncture session")).to_be_visible()
    expect(page.locator("#practitioner")).to_have_value("Dr Lee")
    page.locator("#practitioner").fill("Dr Chen")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Session updated.")

    [edited] = sessions(page)
    assert edited["id"] == session["id"]
    assert edited["practitioner"] == "Dr Chen"
    assert edited["version"] == 2
    assert edited["techniques"] == ["electroacupuncture"]
    assert (edited["pain_before"], edited["pain_after"]) == (6, 3)

    page.get_by_role("link", name="Delete session 1").click()
    expect(page.get_by_role("heading", name="Delete session 1?")).to_be_visible()
    page.get_by_role("button", name="Delete session").click()
    expect(page.get_by_role("status")).to_contain_text("Session deleted.")
    assert sessions(page) == []


def test_edit_and_delete_an_entry_from_history(page):
    """/entries: the Edit link changes the entry, the Delete link asks first, then deletes."""
    sign_up(page)
    created = api_post(
        page,
        "/entries",
        {"id": str(uuid.uuid4()), "pain": {"overall": 5}, "pain_types": ["aching"]},
    )

    page.goto("/entries")
    page.get_by_role("link", name=re.compile(r"^Edit entry of")).click()
    expect(page.get_by_role("heading", name="Edit entry")).to_be_visible()
    expect(page.locator('#field-overall input[value="5"]')).to_be_checked()
    scale_option(page, "overall", 4).click()
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(r"/entries\?until="))
    expect(page.get_by_role("status")).to_contain_text("Entry updated.")

    [edited] = entries(page)
    assert edited["id"] == created["id"]
    assert edited["pain"]["overall"] == 4
    assert edited["pain_types"] == ["aching"]
    assert edited["version"] == 2

    page.get_by_role("link", name=re.compile(r"^Delete entry of")).click()
    expect(page.get_by_role("heading", name="Delete this entry?")).to_be_visible()
    page.get_by_role("button", name="Delete entry").click()
    expect(page.get_by_role("status")).to_contain_text("Entry deleted.")
    expect(page.locator("article.entry")).to_have_count(0)
    assert entries(page) == []


def test_pages_fit_a_phone_without_console_errors(page, console_errors):
    """At 390 px nothing scrolls sideways and no page logs an error, with data on every page."""
    sign_up(page)
    api_post(
        page,
        "/entries",
        {
            "id": str(uuid.uuid4()),
            "pain": {"overall": 6, "back": 4, "leg": 7},
            "locations": [{"region": "thigh_back", "side": "left"}],
            "pain_types": ["burning", "shooting", "tingling"],
            "triggers": ["sitting", "cough_sneeze_laugh", "bending_forward"],
            "relievers": ["heat", "stretching"],
            "medications": "Ibuprofen 400 mg",
            "notes": "Supercalifragilisticexpialidociouslylongwordwithoutanyspaces " * 3,
        },
    )
    api_post(
        page,
        "/sessions",
        {"id": str(uuid.uuid4()), "practitioner": "Dr Lee", "points": "BL23, BL40, GB30"},
    )

    widths = {}
    for path in PAGES:
        page.goto(path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    assert {path: width for path, width in widths.items() if width > 390} == {}
    assert console_errors == []


def test_screenshot_of_the_log_form(page):
    """Keep a picture of the log form at 390×844 for a human to look at (outside the repo)."""
    sign_up(page)
    page.goto("/entries/new")
    expect(page.locator("#field-overall")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "browser-entries-new.png")
    page.screenshot(path=SCREENSHOTS / "browser-entries-new-full.png", full_page=True)
