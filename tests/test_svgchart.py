"""The summary's SVG charts (diary/services/svgchart.py): labels that never overlap, axes that
say the year, and charts that are never silently empty."""

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parsing SVG this test just made
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diary.services import svgchart

SVG = "{http://www.w3.org/2000/svg}"


def _trends(first, days, sessions=(), overall=5.0):
    """A small trends document: ``days`` days from ``first``, entries on every day."""
    dates = [first + timedelta(days=n) for n in range(days)]
    return {
        "range": {"from": dates[0].isoformat(), "to": dates[-1].isoformat()},
        "days": [
            {
                "date": day.isoformat(),
                "overall": overall,
                "rolling7": overall,
                "entries": 0 if overall is None else 2,
            }
            for day in dates
        ],
        "sessions": [
            {"number": n, "local_date": (first + timedelta(days=offset)).isoformat()}
            for n, offset in enumerate(sessions, start=1)
        ],
        "intervals": [
            {"number": n, "mean_overall": 4.5, "pre_session": 6.0}
            for n, _ in enumerate(sessions, start=1)
        ],
    }


def _marks(svg, name):
    """How many marks the path of class ``name`` draws (its subpaths), 0 without one."""
    root = ET.fromstring(svg)  # noqa: S314 - SVG this test just made
    paths = [p for p in root.iter(f"{SVG}path") if p.get("class") == name]
    return paths[0].get("d").count("M") if paths else 0


def _texts(svg):
    root = ET.fromstring(svg)  # noqa: S314 - SVG this test just made
    return [element.text for element in root.iter(f"{SVG}text")]


@given(
    st.lists(st.floats(min_value=30, max_value=714), min_size=1, max_size=60).map(sorted),
    st.integers(min_value=1, max_value=300),
)
def test_session_labels_never_overlap_and_name_every_session_once(xs, first_number):
    points = [(first_number + i, x) for i, x in enumerate(xs)]
    groups = svgchart.label_groups(points, 30, 714)
    spans = []
    for text, centre in groups:
        half = svgchart.text_width(text, svgchart.LABEL_SIZE) / 2 + svgchart.LABEL_PADDING
        spans.append((centre - half, centre + half))
    for (_, right), (left, _) in zip(spans, spans[1:], strict=False):
        assert right + svgchart.LABEL_GAP <= left + 1e-9
    named = []
    for text, _ in groups:
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        named.extend(range(numbers[0], numbers[-1] + 1))
    assert named == [number for number, _ in points]


def test_close_sessions_share_one_label():
    groups = svgchart.label_groups([(4, 100), (5, 102), (6, 104), (7, 400)], 30, 714)
    assert [text for text, _ in groups] == ["#4–6", "#7"]


def test_the_daily_chart_marks_every_session_and_draws_both_lines():
    trends = _trends(date(2026, 9, 1), 28, sessions=(3, 10, 17, 24))
    svg = svgchart.daily_pain(trends)
    assert [t for t in _texts(svg) if t.startswith("#")] == ["#1", "#2", "#3", "#4"]
    assert _marks(svg, "sessions") == _marks(svg, "labels") == 4
    assert _marks(svg, "daily") == _marks(svg, "rolling") == 1
    assert _marks(svg, "dots") == 28


def test_a_gap_in_the_days_breaks_the_lines():
    trends = _trends(date(2026, 9, 1), 28)
    trends["days"][10].update(overall=None, rolling7=None, entries=0)
    svg = svgchart.daily_pain(trends)
    assert _marks(svg, "daily") == _marks(svg, "rolling") == 2
    assert _marks(svg, "dots") == 27


def test_a_year_long_axis_names_the_year_where_it_changes():
    svg = svgchart.daily_pain(_trends(date(2025, 11, 25), 365))
    ticks = [t for t in _texts(svg) if re.match(r"[A-Z][a-z]{2}", t or "")]
    assert ticks[0] == "Dec 2025"
    assert "Feb 2026" in ticks and "Apr" in ticks
    assert len(ticks) <= svgchart.MAX_TICKS


def test_the_axis_starts_at_the_first_entry_or_session():
    trends = _trends(date(2026, 1, 1), 120, sessions=(60,))
    for day in trends["days"][:50]:
        day.update(overall=None, rolling7=None, entries=0)
    assert svgchart.first_data_date(trends) == "2026-02-20"
    ticks = [t for t in _texts(svgchart.daily_pain(trends)) if re.match(r"\d+ [A-Z]", t or "")]
    assert ticks and all(not t.endswith("Jan") for t in ticks)


def test_a_range_without_entries_says_so():
    svg = svgchart.daily_pain(_trends(date(2026, 9, 1), 14, overall=None))
    assert "No entries in this period" in _texts(svg)


@pytest.mark.parametrize("count", [1, 8, 104])
def test_between_sessions_has_a_bar_and_a_level_per_session(count):
    trends = _trends(date(2025, 11, 25), 365, sessions=range(0, 365, 365 // count)[:count])
    svg = svgchart.between_sessions(trends)
    assert _marks(svg, "bars") == _marks(svg, "levels") == count
    labels = [t for t in _texts(svg) if t.startswith("#")]
    assert labels[0] == "#1" and len(labels) <= count


# --- questionnaire charts ------------------------------------------------------------------


def _path_d(svg, name):
    root = ET.fromstring(svg)  # noqa: S314 - SVG this test just made
    return next(p.get("d") for p in root.iter(f"{SVG}path") if p.get("class") == name)


def _weekly(first, weeks, scores):
    return [
        {"date": (first + timedelta(weeks=n)).isoformat(), "score": score}
        for n, score in zip(range(weeks), scores, strict=False)
    ]


def test_a_questionnaire_chart_draws_each_answer_and_the_threshold_line_at_its_score():
    first = date(2026, 9, 1)
    trends = _trends(first, 70, sessions=(7, 14, 21, 28, 35, 42, 49, 56))
    svg = svgchart.questionnaire(
        trends, _weekly(first, 10, [6.67, 6, 5.33, 4.67, 4, 3.67]), (0, 10, 2), "PEG", 4.67
    )
    assert _marks(svg, "dots") == 6 and _marks(svg, "scores") == 1
    assert _marks(svg, "sessions") == 8 and "stroke-dasharray" in svg.split('class="threshold"')[1]
    # The dashed line sits where a score of 4.67 is drawn: between the 4 and 6 grid lines.
    grid = [float(y) for y in re.findall(r"M\d+ ([\d.]+)H", _path_d(svg, "grid"))]
    line = float(re.match(r"M\d+ ([\d.]+)H", _path_d(svg, "threshold"))[1])
    zero, ten = grid[0], grid[-1]
    assert line == pytest.approx(zero + (ten - zero) * 0.467, abs=0.1)
    assert "4.67" in _texts(svg)


def test_a_questionnaire_chart_without_answers_in_the_range_says_so():
    svg = svgchart.questionnaire(_trends(date(2026, 9, 1), 30), [], (0, 24, 6), "RMDQ", 9.8)
    assert "No answers in this period" in _texts(svg) and _marks(svg, "dots") == 0


def test_the_pgic_chart_shades_the_responders_and_labels_answers_that_fit():
    first = date(2026, 9, 1)
    trends = _trends(first, 70, sessions=(7, 14, 21, 28, 35, 42, 49, 56))
    svg = svgchart.questionnaire(
        trends, _weekly(first + timedelta(days=14), 7, [4, 4, 3, 3, 3, 2, 1]), (1, 7, 1),
        "PGIC", responders=(1, 2),
    )  # fmt: skip
    assert _marks(svg, "responders") == 1 and 'class="threshold"' not in svg
    labels = [t for t in _texts(svg) if t in {"1", "2", "3", "4"}]
    # Every answer labelled (beside its dot), besides the axis' own 1 to 4.
    assert len(labels) == 4 + 7


def test_crowded_answer_labels_never_overlap_and_keep_the_latest():
    points = [(30 + 3 * n, 50, str(1 + n % 7)) for n in range(100)]
    chosen = sorted(svgchart._point_labels(points))
    assert chosen[-1] == 99 and len(chosen) < 100
    for a, b in zip(chosen, chosen[1:], strict=False):
        gap = points[b][0] - points[a][0]
        assert gap >= svgchart.text_width("7", svgchart.LABEL_SIZE) + svgchart.LABEL_GAP


def test_a_year_of_sessions_are_short_ticks_on_a_small_chart_not_lines_over_the_answers():
    first = date(2025, 11, 25)
    trends = _trends(first, 365, sessions=range(1, 365, 3))
    svg = svgchart.questionnaire(trends, _weekly(first, 53, [5] * 53), (0, 10, 2), "PEG", 3.5)
    ticks = re.findall(r"M[\d.]+ (\d+)v(\d+)", _path_d(svg, "sessions"))
    assert len(ticks) == len(trends["sessions"]) and "V" not in _path_d(svg, "sessions")
    top_grid = min(float(y) for y in re.findall(r"M\d+ ([\d.]+)H", _path_d(svg, "grid")))
    assert all(int(y) + int(length) < top_grid for y, length in ticks)
    few = svgchart.questionnaire(_trends(first, 70, sessions=(7, 14)), [], (0, 10, 2), "PEG")
    assert "V" in _path_d(few, "sessions")
