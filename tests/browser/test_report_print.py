"""Every row of every table, on screen and on paper, and the printed report (issue 12, 1 and 5).

The demo patient (ten weeks, eight sessions) printed by Chromium on A4 and Letter: at most two
pages, every session listed, the patient's name, the range and "Page n of m" on every page, no
heading left at the foot of a page, and paper stays light when the screen is dark.
"""

import pytest
from helpers import pdf_page_brightness, pdf_page_size, pdf_page_texts, require_poppler

from .conftest import PHONE

DESKTOP = {"width": 1280, "height": 800}
PAPERS = ["A4", "Letter"]
# Points: A4 is 595 x 842 (Chromium rounds it to 8.27 x 11.7 inches), Letter 612 x 792.
PAPER_SIZES = {"A4": (595, 842), "Letter": (612, 792)}
LIGHT_CHART_TEXT = "#52646b"  # charts.js's light palette: chart text on paper
# Boxes that scroll up and down inside the page hide rows: none may (sideways is fine).
CLIPPING_BOXES = """() => [...document.querySelectorAll("body *")].filter((box) => {
  const style = getComputedStyle(box);
  const hides = !["visible", "clip"].includes(style.overflowY) || style.maxHeight !== "none";
  return hides && box.scrollHeight > box.clientHeight + 1 && box.querySelector("tr, li, article");
}).map((box) => `${box.tagName}.${box.className}: ${box.clientHeight} of ${box.scrollHeight}px`)"""
OPEN_TABLES = """() => {
  for (const details of document.querySelectorAll("details.data-table")) details.open = true;
}"""


@pytest.fixture(autouse=True)
def poppler():
    """The printed PDFs are read with poppler-utils."""
    require_poppler()


def print_report(page, paper):
    """The report as Chromium prints it ("Save as PDF") on ``paper``; the PDF's pages as text."""
    pdf = page.pdf(format=paper)
    width, height = pdf_page_size(pdf)
    expected_width, expected_height = PAPER_SIZES[paper]
    assert abs(width - expected_width) < 2 and abs(height - expected_height) < 2, (width, height)
    return pdf, pdf_page_texts(pdf)


def words(text):
    """``text`` with runs of white space as one space."""
    return " ".join(text.split())


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("path", ["report", "/trends", "/entries"])
def test_no_table_hides_rows_in_a_scroll_box(seeded, seeded_page, path, viewport):
    """Tables (the report's sessions, the data tables under the charts) and the history show
    every row on the page: no box of fixed height scrolls rows out of sight."""
    is_report = path == "report"
    page = seeded_page(seeded.report if is_report else path, viewport, patient=not is_report)
    page.evaluate(OPEN_TABLES)
    assert page.evaluate(CLIPPING_BOXES) == []
    if is_report:
        rows = page.locator("section[aria-labelledby=session-list-heading] tbody tr")
        assert rows.count() == 8
        for row in rows.all():
            row.scroll_into_view_if_needed()
            assert row.is_visible()


@pytest.mark.parametrize("paper", PAPERS)
def test_printed_report_lists_every_session_on_at_most_two_pages(seeded, seeded_page, paper):
    """Three months and eight sessions print on one or two pages, sessions 1 to 8 all there."""
    page = seeded_page(seeded.report, DESKTOP, patient=False)
    dates = page.locator(
        "section[aria-labelledby=session-list-heading] tbody tr td:nth-child(2)"
    ).all_inner_texts()
    assert len(dates) == 8
    _, pages = print_report(page, paper)
    printed = words(" ".join(pages))
    assert [date for date in dates if words(date) not in printed] == [], "sessions lost"
    assert 1 <= len(pages) <= 2, f"{len(pages)} pages"


@pytest.mark.parametrize("paper", PAPERS)
def test_every_printed_page_names_patient_range_and_page(seeded, seeded_page, paper):
    """The top of each page names the patient and the range; the foot says "Page n of m"."""
    page = seeded_page(seeded.report, DESKTOP, patient=False)
    range_text = page.locator(".lead").inner_text().split(" · ")[0]
    _, pages = print_report(page, paper)
    for number, text in enumerate(pages, start=1):
        lines = [words(line) for line in text.splitlines() if line.strip()]
        assert lines[0] == f"Alex Demo · {range_text}", (number, lines[0])
        assert lines[-1] == f"Page {number} of {len(pages)}", (number, lines[-1])


@pytest.mark.parametrize("paper", PAPERS)
def test_no_heading_is_left_at_the_foot_of_a_printed_page(seeded, seeded_page, paper):
    """After the last heading on each page comes some of what it heads (not only its hint)."""
    page = seeded_page(seeded.report, DESKTOP, patient=False)
    headings = [words(text) for text in page.locator("main h2, main h3").all_inner_texts()]
    hints = [words(text) for text in page.locator("main .hint").all_inner_texts()]
    _, pages = print_report(page, paper)
    for number, text in enumerate(pages, start=1):
        lines = [words(line) for line in text.splitlines() if line.strip()][1:-1]
        heads = [i for i, line in enumerate(lines) if any(head in line for head in headings)]
        if not heads:
            continue
        after = [line for line in lines[heads[-1] + 1 :] if not any(line in hint for hint in hints)]
        assert after, f"page {number} ends with the heading {lines[heads[-1]]!r}"


def test_report_prints_light_when_the_screen_is_dark(seeded, seeded_page):
    """Paper is white with dark ink even when the screen follows a dark theme."""
    page = seeded_page(seeded.report, DESKTOP, patient=False, color_scheme="dark")
    pdf, pages = print_report(page, "A4")
    for number in range(1, len(pages) + 1):
        assert pdf_page_brightness(pdf, number) > 220, number
    # The charts too are drawn in the light palette for paper, whatever the screen's colours.
    page.evaluate("() => dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("() => window.Chart.defaults.color") == LIGHT_CHART_TEXT
    page.evaluate("() => dispatchEvent(new Event('afterprint'))")
