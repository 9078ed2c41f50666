"""Small things a patient meets (issue 19): a live count under the note, error messages written
as sentences, "Hello" without "Patient", the same words for triggers and what eased the pain
on the form and in the history, and one mark for the app (icon and header)."""

import re

from playwright.sync_api import expect

from diary.validation import LIMITS

from .patient import api, sign_up


def test_the_note_counts_characters_up_to_the_servers_limit(page):
    """The count under the note follows the typing, against the server's own limit."""
    sign_up(page)
    page.goto("/entries/new")
    page.get_by_text("Sleep, daily life, medication, note, time").click()
    note = page.get_by_role("textbox", name="Note")
    count = page.locator("#notes-count")
    limit = f"{LIMITS['notes']:,}"
    expect(note).to_have_attribute("maxlength", str(LIMITS["notes"]))
    expect(count).to_have_text(f"0 of {limit} characters.")
    expect(note).to_have_attribute("aria-describedby", "notes-count")
    note.fill("Worse after the drive.")
    expect(count).to_have_text(f"22 of {limit} characters.")
    note.press("End")
    note.type("🙂")  # one character for the server, two UTF-16 units for JavaScript
    expect(count).to_have_text(f"23 of {limit} characters.")


def test_errors_are_capitalised_sentences(live_context):
    """Each message starts with a capital and ends with a full stop, with or without scripts."""
    page = live_context(java_script_enabled=False).new_page()
    page.goto("/register")
    page.locator("#email").fill("not an address")
    page.get_by_role("button", name="Create my diary").click()
    expect(page.locator(".field-error")).to_have_text(
        [
            "Email must be an email address, e.g. name@example.com.",
            "Password is required.",
        ]
    )
    sign_up(page)
    page.goto("/entries/new")
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator("#field-overall .field-error")).to_have_text(
        re.compile(r"^Overall pain right now is required\b.*\.$")
    )


def test_hello_says_no_placeholder_name(page):
    """A new patient is greeted "Hello"; with a name, "Hello, <name>"."""
    sign_up(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello")
    api(page, "PATCH", "/me", {"display_name": "Alex"})
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alex")


def test_triggers_and_what_eased_the_pain_use_the_same_words_everywhere(page):
    """The log form asks what triggered and what eased the pain; history says Triggered by and
    Eased by."""
    sign_up(page)
    page.goto("/entries/new")
    expect(page.locator("#field-triggers legend")).to_have_text("What triggered it?")
    expect(page.locator("#field-relievers legend")).to_have_text("What eased it?")
    page.locator("#field-overall label.s4").click()
    page.locator("#field-triggers label").filter(has_text="Sitting").first.click()
    page.locator("#field-relievers label").filter(has_text="Heat").click()
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/entries")
    entry = page.locator("article.entry").first
    expect(entry).to_contain_text("Triggered by Sitting")
    expect(entry).to_contain_text("Eased by Heat")


def test_one_mark_for_the_app(page):
    """The header shows the app's icon itself, the one the browser and the manifest use."""
    page.goto("/login")
    icon = page.locator('link[rel="icon"]').get_attribute("href").split("?")[0]
    mark = page.locator("header .brand img")
    expect(mark).to_have_count(1)
    expect(mark).to_have_attribute("alt", "")
    assert mark.get_attribute("src").split("?")[0] == icon
    # The installed app's icons are the same drawing, from the same folder.
    manifest = page.request.get(page.locator('link[rel="manifest"]').get_attribute("href")).json()
    folders = {entry["src"].split("?")[0].rsplit("/", 1)[0] for entry in manifest["icons"]}
    assert folders == {icon.rsplit("/", 1)[0]}
