"""Charts drawn as SVG on the server, for the course-summary PDF (no JavaScript, no fetch).

Pure: each chart takes parts of the trends document (PRODUCT.md section 7) and returns SVG
text that WeasyPrint draws. They follow the Trends page's charts: daily pain with the 7-day
average and a numbered marker per session (sessions closer than their labels share one,
"#4–7"), the axis starting at the first entry or session in the range; and pain between
sessions (the average until the next session against the level in the 3 days before); and a
small chart per questionnaire (its scores on the same kind of axis, with the session markers
and a dashed line at the score that would be a meaningful improvement).

Marks of one kind share one ``<path>`` (every dot, every session line, every bar): WeasyPrint
styles and draws each SVG element on its own, and a year drawn one element per mark took a
third of the summary's time.
"""

from datetime import date, timedelta
from html import escape
from unicodedata import east_asian_width

from babel.dates import format_skeleton
from flask_babel import format_decimal, gettext

from ..core.templating import _babel_locale

# The Trends page's palette (static/js/charts.js), on paper that is always light.
COLOURS = {
    "overall": "#1f7f89",
    "rolling": "#1c2a30",
    "session": "#b35c00",
    "session_ink": "#ffffff",
    "bar": "#2f8791",
    "text": "#52646b",
    "grid": "#d5dfe2",
    "threshold": "#1e6b3a",
    "responder": "#e2f0e6",
}
FONT = "Noto Sans, DejaVu Sans, sans-serif"
FONT_SIZE = 10
LABEL_SIZE = 9
LABEL_PADDING, LABEL_GAP = 3, 4
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_TICKS = 7


def text_width(text, size=FONT_SIZE):
    """A generous estimate of ``text``'s width in Noto Sans at ``size`` (no font metrics
    here): labels are spaced by it, so overestimating keeps them apart."""
    wide = sum(1 for char in text if east_asian_width(char) in ("W", "F"))
    return (len(text) - wide) * size * 0.6 + wide * size * 1.05


def _number(value):
    """Coordinates with at most one decimal: small files, exact enough at 300 dpi."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x, y, content, anchor="middle", size=FONT_SIZE, colour=COLOURS["text"], weight=None):
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" text-anchor="{anchor}" font-size="{size}"'
        f'{bold} fill="{colour}">{escape(content)}</text>'
    )


def _svg(width, height, title, body):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" font-family="{FONT}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def first_data_date(trends):
    """The first date with an entry or a session in the range, else the range's start."""
    first_entry = next((day["date"] for day in trends["days"] if day["entries"]), None)
    first_session = trends["sessions"][0]["local_date"] if trends["sessions"] else None
    dates = sorted(d for d in (first_entry, first_session) if d)
    return dates[0] if dates else trends["range"]["from"]


def _ticks(first, last, most=MAX_TICKS):
    """Dates to label on a time axis from ``first`` to ``last`` (``most`` of them), with their
    labels."""
    span = (last - first).days + 1
    if span > 200:
        candidates = [
            date(year, month, 1)
            for year in range(first.year, last.year + 1)
            for month in range(1, 13)
            if first <= date(year, month, 1) <= last
        ]
    elif span > 60:
        monday = first + timedelta(days=-first.weekday() % 7)
        candidates = [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]
    else:
        candidates = [first + timedelta(days=n) for n in range(span)]
    step = max(1, -(-len(candidates) // most))
    chosen = candidates[::step]
    locale = _babel_locale()
    if span > 200:  # months, with the year on the first and wherever it changes
        years_before = [None] + [day.year for day in chosen[:-1]]
        return [
            (day, _month(day, locale, with_year=day.year != before))
            for before, day in zip(years_before, chosen, strict=True)
        ]
    if locale is None:
        return [(day, f"{day.day} {MONTHS[day.month - 1]}") for day in chosen]
    return [(day, format_skeleton("MMMd", day, locale=locale)) for day in chosen]


def _month(day, locale, with_year):
    """``Mar``, ``Mar 2026`` (English); the locale's own abbreviations elsewhere (Babel)."""
    if locale is None:
        return MONTHS[day.month - 1] + (f" {day.year}" if with_year else "")
    return format_skeleton("yMMM" if with_year else "MMM", day, locale=locale)


def label_groups(points, left, right, size=LABEL_SIZE):
    """Session labels that never overlap: ``points`` are ``(number, x)`` in order; returns
    ``(text, centre)`` per group of consecutive sessions whose labels would touch.

    The same rule as the Trends page: two neighbours merge ("#4–7") when their labels would
    come closer than LABEL_GAP; a merged label may then touch the one before, so look again.
    """
    groups = [{"first": number, "last": number, "xs": [x]} for number, x in points]

    def text(group):
        if group["first"] == group["last"]:
            return f"#{group['first']}"
        return f"#{group['first']}–{group['last']}"

    def half(group):
        return text_width(text(group), size) / 2 + LABEL_PADDING

    def centre(group):
        middle = (group["xs"][0] + group["xs"][-1]) / 2
        return min(max(middle, left + half(group)), right - half(group))

    i = 0
    while i < len(groups) - 1:
        a, b = groups[i], groups[i + 1]
        if centre(a) + half(a) + LABEL_GAP > centre(b) - half(b):
            groups[i : i + 2] = [{"first": a["first"], "last": b["last"], "xs": a["xs"] + b["xs"]}]
            i = max(0, i - 1)
        else:
            i += 1
    return [(text(group), centre(group)) for group in groups]


def _path(name, commands, stroke=None, fill="none", width=None, extra=""):
    """One ``<path>`` drawing every mark of a kind (``commands``: its subpaths); "" if none."""
    if not commands:
        return ""
    drawn = f' stroke="{stroke}" stroke-width="{width}"' if stroke else ""
    return f'<path class="{name}" d="{" ".join(commands)}" fill="{fill}"{drawn}{extra}/>'


def _y_grid(left, right, y_of, body):
    values = range(0, 11, 2)
    lines = [f"M{left} {_number(y_of(value))}H{right}" for value in values]
    body.append(_path("grid", lines, COLOURS["grid"], width=0.6))
    body += [_text(left - 5, y_of(value) + 3.5, str(value), anchor="end") for value in values]


def _lines(name, points, colour, width):
    """A line through each run of consecutive points (``None`` breaks a run), as one path."""
    runs, run = [], []
    for point in points:
        if point is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(point)
    if run:
        runs.append(run)
    commands = [
        "M" + "L".join(f"{_number(x)} {_number(y)}" for x, y in run) for run in runs if len(run) > 1
    ]
    return _path(name, commands, colour, width=width, extra=' stroke-linejoin="round"')


def _session_marks(sessions, x_of, left, right, top, bottom, body, crowded_below=None):
    """A dashed line per session from the top of the plot to ``bottom``, and the numbered
    labels above it (neighbours too close share one). Sessions closer than ``crowded_below``
    on average get a short tick at the top instead: lines that close would hide the data."""
    markers = [
        (session["number"], x_of(date.fromisoformat(session["local_date"]))) for session in sessions
    ]
    if crowded_below and len(markers) * crowded_below > right - left:
        ticks = [f"M{_number(x)} {top - 8}v5" for _, x in markers]
        body.append(_path("sessions", ticks, COLOURS["session"], width=0.8))
    else:
        lines = [f"M{_number(x)} {top - 4}V{bottom}" for _, x in markers]
        dashed = ' stroke-dasharray="4 3"'
        body.append(_path("sessions", lines, COLOURS["session"], width=1.1, extra=dashed))
    groups = label_groups(markers, left, right)
    boxes = []
    for text, centre in groups:
        half = text_width(text, LABEL_SIZE) / 2 + LABEL_PADDING
        boxes.append(f"M{_number(centre - half)} 2h{_number(2 * half)}v16h{_number(-2 * half)}z")
    body.append(_path("labels", boxes, fill=COLOURS["session"]))
    body += [
        _text(centre, 13.5, text, size=LABEL_SIZE, colour=COLOURS["session_ink"], weight="bold")
        for text, centre in groups
    ]


def daily_pain(trends, width=720, height=230):
    """Daily overall pain (dots, thin line), the 7-day average (thick line) and a dashed,
    numbered line per session, on a date axis from the first entry or session to ``to``."""
    first = date.fromisoformat(first_data_date(trends))
    last = date.fromisoformat(trends["range"]["to"])
    shown = [day for day in trends["days"] if date.fromisoformat(day["date"]) >= first]
    left, right, top, bottom = 30, width - 6, 26, height - 22
    step = (right - left) / max(len(shown), 1)

    def x_of(day):
        return left + ((day - first).days + 0.5) * step

    def y_of(value):
        return bottom - value / 10 * (bottom - top)

    body = []
    _y_grid(left, right, y_of, body)
    ticks = _ticks(first, last)
    marks = [f"M{_number(x_of(day))} {bottom}v4" for day, _ in ticks]
    body.append(_path("ticks", marks, COLOURS["text"], width=0.8))
    body += [_text(x_of(day), bottom + 15, label) for day, label in ticks]
    if not any(day["entries"] for day in shown):
        body.append(
            _text((left + right) / 2, (top + bottom) / 2, gettext("No entries in this period"))
        )
    points = [
        (x_of(date.fromisoformat(day["date"])), y_of(day["overall"]))
        if day["overall"] is not None
        else None
        for day in shown
    ]
    body.append(_lines("daily", points, COLOURS["overall"], 0.8))
    # A dot per day: a zero-length segment with a round cap, all in one path.
    dots = [f"M{_number(x)} {_number(y)}h0" for x, y in filter(None, points)]
    body.append(
        _path(
            "dots",
            dots,
            COLOURS["overall"],
            width=4.4 if len(shown) <= 120 else 2.8,
            extra=' stroke-linecap="round"',
        )
    )
    rolling = [
        (x_of(date.fromisoformat(day["date"])), y_of(day["rolling7"]))
        if day["rolling7"] is not None
        else None
        for day in shown
    ]
    body.append(_lines("rolling", rolling, COLOURS["rolling"], 2.2))
    _session_marks(trends["sessions"], x_of, left, right, top, bottom, body)
    return _svg(
        width,
        height,
        gettext(
            "Daily pain (0-10) with the 7-day average; each acupuncture session is a dashed line"
        ),
        body,
    )


def between_sessions(trends, width=720, height=170):
    """Per session: a bar of the average pain until the next session and a dark tick at the
    level in the 3 days before it; session numbers under the bars (thinned when crowded)."""
    intervals = trends["intervals"]
    left, right, top, bottom = 30, width - 6, 8, height - 20
    band = (right - left) / max(len(intervals), 1)

    def y_of(value):
        return bottom - value / 10 * (bottom - top)

    body = []
    _y_grid(left, right, y_of, body)
    every = 1
    while every * band < text_width(f"#{intervals[-1]['number']}" if intervals else "#1") + 4:
        every += 1
    bar = min(band * 0.7, 40)
    reach = bar / 2 + 3
    bars, levels = [], []
    for index, interval in enumerate(intervals):
        centre = left + (index + 0.5) * band
        if interval["mean_overall"] is not None:
            y = y_of(interval["mean_overall"])
            bars.append(
                f"M{_number(centre - bar / 2)} {bottom}V{_number(y)}h{_number(bar)}V{bottom}z"
            )
        if interval["pre_session"] is not None:
            y = _number(y_of(interval["pre_session"]))
            levels.append(f"M{_number(centre - reach)} {y}h{_number(2 * reach)}")
        if index % every == 0:
            body.append(_text(centre, bottom + 14, f"#{interval['number']}"))
    body.append(_path("bars", bars, fill=COLOURS["bar"]))
    body.append(_path("levels", levels, COLOURS["rolling"], width=2.4))
    return _svg(
        width,
        height,
        gettext(
            "Average pain from each session to the next (bars) and the level in the 3 days "
            "before it (dark ticks)"
        ),
        body,
    )


def _point_labels(points, size=LABEL_SIZE):
    """The indexes of the points to label with their score, right to left (the latest always):
    a label is left out when it would touch the one after it."""
    chosen, edge = [], None
    for index in range(len(points) - 1, -1, -1):
        x, _, text = points[index]
        half = text_width(text, size) / 2
        if edge is None or x + half + LABEL_GAP <= edge:
            chosen.append(index)
            edge = x - half
    return chosen


def questionnaire(
    trends, points, scale, title, threshold=None, responders=None, width=240, height=130
):
    """A questionnaire's scores over the range: a dot per answer joined by a line, the session
    markers, and a dashed line at ``threshold`` (its value at the right end) or a shaded band
    over the ``responders`` answers (the PGIC's 1 and 2, each dot then labelled where room).

    ``points``: the trends document's ``[{date, score}]`` of the instrument; ``scale``:
    ``(lowest, highest, step)`` of the y axis; with ``responders`` the axis runs downwards
    (1, the best answer, at the top). The date axis runs from the first entry, session or
    answer in the range to its end.
    """
    lowest, highest, step = scale
    inverted = responders is not None
    starts = [first_data_date(trends)] + [point["date"] for point in points[:1]]
    first = date.fromisoformat(min(starts))
    last = date.fromisoformat(trends["range"]["to"])
    left, right, top, bottom = 26, width - 30, 30, height - 22
    day_width = (right - left) / ((last - first).days + 1)

    def x_of(day):
        return left + ((day - first).days + 0.5) * day_width

    def y_of(value):
        share = (value - lowest) / (highest - lowest)
        return top + share * (bottom - top) if inverted else bottom - share * (bottom - top)

    body = []
    if inverted:
        ys = sorted((y_of(min(responders) - 0.5), y_of(max(responders) + 0.5)))
        band = f"M{left} {_number(ys[0])}H{right}V{_number(ys[1])}H{left}z"
        body.append(_path("responders", [band], fill=COLOURS["responder"]))
    values = range(lowest, highest + 1, step)
    grid = [f"M{left} {_number(y_of(value))}H{right}" for value in values]
    body.append(_path("grid", grid, COLOURS["grid"], width=0.6))
    body += [_text(left - 5, y_of(value) + 3.5, str(value), anchor="end") for value in values]
    ticks = _ticks(first, last, most=3)
    marks = [f"M{_number(x_of(day))} {bottom}v4" for day, _ in ticks]
    body.append(_path("ticks", marks, COLOURS["text"], width=0.8))
    body += [_text(x_of(day), bottom + 15, label) for day, label in ticks]
    if threshold is not None:
        y = y_of(min(max(threshold, lowest), highest))
        body.append(
            _path(
                "threshold",
                [f"M{left} {_number(y)}H{right}"],
                COLOURS["threshold"],
                width=1.2,
                extra=' stroke-dasharray="5 3"',
            )
        )
        body.append(
            _text(
                right + 3,
                y + 3.5,
                _score(threshold),
                anchor="start",
                colour=COLOURS["threshold"],
                weight="bold",
            )
        )
    if not points:
        body.append(
            _text((left + right) / 2, (top + bottom) / 2, gettext("No answers in this period"))
        )
    xy = [(x_of(date.fromisoformat(p["date"])), y_of(p["score"])) for p in points]
    body.append(_lines("scores", xy, COLOURS["overall"], 1.2))
    dots = [f"M{_number(x)} {_number(y)}h0" for x, y in xy]
    body.append(_path("dots", dots, COLOURS["overall"], width=4.4, extra=' stroke-linecap="round"'))
    if inverted:
        # To the right of each dot, clear of a session's line through it (the PGIC is answered
        # after a session): above it, or below it on the top line (clear of the session marks).
        labelled = [
            (x + 5, y - 4 if y - 11 >= top else y + 11, _score(p["score"]))
            for (x, y), p in zip(xy, points, strict=True)
        ]
        for index in _point_labels(labelled):
            x, y, text = labelled[index]
            body.append(
                _text(x, y, text, size=LABEL_SIZE, colour=COLOURS["rolling"], weight="bold")
            )
    _session_marks(trends["sessions"], x_of, left, right, top, bottom, body, crowded_below=6)
    return _svg(width, height, title, body)


def _score(value):
    """A score as the trends document writes it: 4.67, 4.5, 4 (``4,67`` in German)."""
    return format_decimal(round(value, 2), format="#,##0.##")
