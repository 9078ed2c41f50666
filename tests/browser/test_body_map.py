"""The body map (issue 12): every place a tap target of at least 44 x 44 px, views and sides
labelled the same way, a figure with a torso, a choice where small places share a target, and
the chosen places said in words under the map, in step with the checkbox list behind it."""

import re

import pytest
from playwright.sync_api import expect

from diary.vocabulary import REGIONS

from .patient import entries, sign_up

TARGET = 44  # px, WCAG 2.5.5 and PRODUCT.md section 3
PHONES = [
    pytest.param({"width": 360, "height": 640}, id="360"),
    pytest.param({"width": 390, "height": 844}, id="390"),
]
EVERY_PLACE = {f"{key}:{side}" for key in REGIONS for side in ("left", "right")}
# Each target, scrolled to the middle of the screen: its size, and whether a 44 px square in its
# middle is really its own to tap (nothing drawn over it catches the tap).
MEASURE = """(shape) => {
  shape.scrollIntoView({ block: "center" });
  const box = shape.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2, half = 44 / 2 - 1;
  const corners = [[-half, -half], [half, -half], [-half, half], [half, half]];
  return {
    value: shape.dataset.location,
    width: box.width,
    height: box.height,
    tappable: corners.every(([dx, dy]) => document.elementFromPoint(x + dx, y + dy) === shape),
  };
}"""


def shapes(page):
    """The body map's tap targets."""
    return page.locator("[data-body-map] [data-location]")


@pytest.mark.parametrize("viewport", PHONES)
def test_every_place_is_a_tap_target_of_at_least_44_px(page, viewport):
    """Every place on the map is reachable, through a target 44 x 44 px or more, not covered."""
    page.set_viewport_size(viewport)
    sign_up(page)
    page.goto("/entries/new")
    measured = [shape.evaluate(MEASURE) for shape in shapes(page).all()]
    too_small = [
        (m["value"], round(m["width"]), round(m["height"]))
        for m in measured
        if m["width"] < TARGET or m["height"] < TARGET or not m["tappable"]
    ]
    assert too_small == []
    reachable = {value for m in measured for value in m["value"].split()}
    assert reachable == EVERY_PLACE


def test_views_and_sides_are_labelled_and_the_front_is_not_flipped(page):
    """Both views put the patient's left on the left, say so, and name each side."""
    sign_up(page)
    page.goto("/entries/new")
    figures = page.locator(".body-figure")
    expect(figures.locator("figcaption")).to_have_text(["Back", "Front, as in a mirror"])
    expect(page.locator("#field-locations")).to_contain_text(
        "Your left is on the left in both views."
    )
    for figure in figures.all():
        centres = figure.locator("[data-location]").evaluate_all(
            """(all) => all.map((shape) => {
              const box = shape.getBoundingClientRect();
              return [shape.dataset.location, box.left + box.width / 2];
            })"""
        )
        lefts = [x for value, x in centres if value.endswith(":left")]
        rights = [x for value, x in centres if value.endswith(":right")]
        assert max(lefts) < min(rights)
        # Each figure shows the side labels, drawn once for the page: Left, then Right.
        expect(figure.locator('use[href="#body-sides"]')).to_have_count(1)
    labels = page.locator("#body-sides text")
    expect(labels).to_have_text(["Left", "Right"])
    places = labels.evaluate_all("(all) => all.map((label) => label.getAttribute('x'))")
    assert [int(x) for x in places] == [3, 157]  # the view is 160 wide


def test_the_figure_has_a_head_and_a_torso(page):
    """The drawing reaches well above the lower back: a head and a chest, not two legs."""
    sign_up(page)
    page.goto("/entries/new")
    heights = page.locator(".body-figure svg").first.evaluate(
        """(svg) => {
          const top = (shapes) => Math.min(...shapes.map((shape) => shape.getBBox().y));
          const parts = [...svg.children].filter((part) => part.tagName !== "defs");
          return {
            drawing: top(parts.filter((part) => !part.dataset.location)),
            targets: top(parts.filter((part) => part.dataset.location)),
          };
        }"""
    )
    # In the figure's own units (the view is 160 wide): a head and a chest above the waist.
    assert heights["targets"] - heights["drawing"] >= 80


def test_chosen_places_are_in_words_and_small_places_offer_a_choice(page):
    """Taps tick the boxes behind the map; the words under it follow; the thigh offers a choice."""
    sign_up(page)
    page.goto("/entries/new")
    chosen = page.locator("[data-chosen]")
    expect(chosen).to_have_text("Nothing chosen yet.")
    for value in ("buttock:left", "calf:left", "calf:right"):
        page.locator(f'[data-location="{value}"]').click()
    expect(chosen).to_have_text("Chosen: Buttock (left), Calf (both sides).")

    thigh = page.locator('[data-location~="thigh_outer:left"]')
    thigh.click()
    choice = page.get_by_role("group", name="Left thigh: which part?")
    outer = choice.get_by_role("button", name="Outer thigh")
    front = choice.get_by_role("button", name="Front of thigh")
    expect(outer).to_have_attribute("aria-pressed", "false")
    outer.click()
    expect(outer).to_have_attribute("aria-pressed", "true")
    expect(front).to_have_attribute("aria-pressed", "false")
    expect(thigh).to_have_class(re.compile(r"\bon\b"))
    expect(page.locator('input[name="locations"][value="thigh_outer:left"]')).to_be_checked()
    expect(page.locator('input[name="locations"][value="thigh_front:left"]')).not_to_be_checked()
    choice.get_by_role("button", name="Done").click()
    expect(choice).to_be_hidden()

    page.locator('[data-location="buttock:left"]').click()  # a second tap clears it
    expect(chosen).to_have_text("Chosen: Outer thigh (left), Calf (both sides).")

    # The list behind the map is the same input: ticking there paints the map and the words.
    page.get_by_text("Choose from a list").click()
    page.get_by_role("checkbox", name="Sole, right").check()
    expect(page.locator('[data-location="ankle:right sole:right"]')).to_have_class(
        re.compile(r"\bon\b")
    )
    expect(chosen).to_have_text("Chosen: Outer thigh (left), Calf (both sides), Sole (right).")

    page.locator("#field-overall label.s5").click()
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/$"))
    [entry] = entries(page)  # left and right of one place are kept as "both"
    assert {f"{place['region']}:{place['side']}" for place in entry["locations"]} == {
        "thigh_outer:left",
        "calf:both",
        "sole:right",
    }
