"""The log form by keyboard (issue 14): focus is never hidden under the sticky save bar, Enter on
a chip or a score ticks it and never sends the form, and Save is a few key presses away."""

import re

from playwright.sync_api import expect

from .patient import entries, sign_up

# Where the focused control is drawn (a chip's or a score's box: its invisible input covers it),
# and the top of the save bar.
FOCUS = """() => {
  const focused = document.activeElement;
  const box = (focused.closest("label") || focused).getBoundingClientRect();
  return {
    name: focused.name || focused.textContent.trim(),
    value: focused.value || "",
    inChips: Boolean(focused.closest(".chip-list")),
    inSaveBar: Boolean(focused.closest(".savebar")),
    top: box.top,
    bottom: box.bottom,
    saveBarTop: document.querySelector(".savebar").getBoundingClientRect().top,
  };
}"""
MAX_PRESSES_TO_SAVE = 3


def focused(page):
    """What has the keyboard focus, and where it is on the screen."""
    return page.evaluate(FOCUS)


def assert_in_view(place):
    """The focused control is on the screen and clear of the save bar."""
    if not place["inSaveBar"]:
        assert place["top"] >= 0, place
        assert place["bottom"] <= place["saveBarTop"], place


def posts_of(page):
    """A list that fills with the form posts the page sends."""
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    return posts


def test_focus_is_never_hidden_under_the_save_bar(page):
    """Tab through the form to Save, and arrow through every chip: all of it stays in view."""
    sign_up(page)
    page.goto("/entries/new")
    for _ in range(80):
        page.keyboard.press("Tab")
        place = focused(page)
        assert_in_view(place)
        if place["inChips"]:
            # Within a list of chips the arrow keys go on; stop where focus no longer moves.
            seen = {place["value"]}
            while True:
                page.keyboard.press("ArrowRight")
                place = focused(page)
                if place["value"] in seen or not place["inChips"]:
                    break
                seen.add(place["value"])
                assert_in_view(place)
        if place["name"] == "Save entry":
            break
    else:
        raise AssertionError("Save was never reached")


def test_enter_on_a_chip_or_a_score_ticks_it_and_never_sends(page):
    """Enter does what Space does on chips and scores; the half-filled entry is not sent."""
    sign_up(page)
    page.goto("/entries/new")
    posts = posts_of(page)
    seven = page.locator('#field-overall input[value="7"]')
    seven.focus()
    page.keyboard.press("Enter")
    expect(seven).to_be_checked()
    burning = page.locator('#field-pain_types input[value="burning"]')
    burning.focus()
    page.keyboard.press("Enter")
    expect(burning).to_be_checked()
    page.keyboard.press("Enter")
    expect(burning).not_to_be_checked()
    page.locator('#field-triggers input[value="sitting"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator('#field-triggers input[value="sitting"]')).to_be_checked()
    page.wait_for_timeout(300)  # a form sent by Enter would have gone by now
    assert [request.url for request in posts] == []
    expect(page).to_have_url(re.compile(r"/entries/new$"))
    assert entries(page) == []


def test_skip_to_save_is_the_second_stop(page):
    """From the top of the page: Tab, Tab, Enter, and the save button has the focus."""
    sign_up(page)
    page.goto("/entries/new")
    presses = 0
    for key in ("Tab", "Tab", "Enter"):
        page.keyboard.press(key)
        presses += 1
    assert presses <= MAX_PRESSES_TO_SAVE
    expect(page.get_by_role("button", name="Save entry")).to_be_focused()


def test_keyboard_only_logging(page):
    """A whole entry by keyboard: a score, two chips and a trigger, then Save, in few presses."""
    sign_up(page)
    page.goto("/entries/new")
    presses = 0

    def press(key):
        nonlocal presses
        page.keyboard.press(key)
        presses += 1

    while focused(page)["name"] != "overall":
        press("Tab")
        assert presses < 10, "the pain score should come early"
    press("Space")  # 0
    for _ in range(6):
        press("ArrowRight")  # up to 6
    press("Tab")  # Choose from a list (the body map's checkbox list)
    press("Tab")  # the first chip of "What does it feel like?": one stop for the list
    assert focused(page)["name"] == "pain_types"
    press("Enter")  # Burning
    press("ArrowRight")
    press("Space")  # Shooting
    press("Tab")  # "Other:", the patient's own word for this list
    assert focused(page)["name"] == "new_pain_types"
    press("Tab")  # one stop for the triggers
    assert focused(page)["name"] == "triggers"
    press("ArrowRight")
    press("Enter")  # Standing
    while focused(page)["name"] != "Save entry":
        press("Tab")
        # (each list's "Other:" field is one stop more; "Skip to Save" is the short way)
        assert presses < 28, "Save should be a few stops after the last list"
    press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    [entry] = entries(page)
    assert entry["pain"]["overall"] == 6
    assert entry["pain_types"] == ["burning", "shooting"]
    assert entry["triggers"] == ["standing"]
