"""The course summary (PRODUCT.md section 14): what the PDF shows, as plain data, and the PDF.

``summary_context`` turns the trends document of a range (the one /api/v1/trends answers, with
the labels and words the Trends page uses) and the range's red-flag checks (which the document
leaves out) into what the print template shows; every number in it is the document's own, as
the API writes it. ``render_pdf`` draws the template's HTML
with WeasyPrint, fetching nothing but the app's own static files, on at most two A4 pages:
when a long course or many notes would spill over, it draws again with fewer rows, skipping
the levels that, measured on the drawing too long, could not remove enough.
"""

import mimetypes
import re
import statistics
from collections import Counter
from itertools import zip_longest
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask_babel import format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..core.i18n import Percent
from ..core.templating import friendly_date, friendly_datetime, friendly_range
from . import svgchart
from .questionnaires import verdicts

MAX_PAGES = 2
MEASURES = ("overall", "back", "leg")
TOP = 5  # places, pain types and triggers listed
TWO_UP_AFTER = 12  # sessions in the table before it puts two on a line
# What each attempt at two pages shows at most: sessions in the table (the chart keeps them
# all), and notes with their length in characters.
LEVELS = (
    {"sessions": 52, "notes": 10, "note_chars": 300},
    {"sessions": 52, "notes": 4, "note_chars": 200},
    {"sessions": 24, "notes": 0, "note_chars": 0},
    {"sessions": 6, "notes": 0, "note_chars": 0},
    # Longer languages (German runs about a third longer than English): a smaller type.
    {"sessions": 6, "notes": 0, "note_chars": 0, "compact": True},
)
# A4 less the page margins of static/css/summary.css, in CSS pixels (96 to the inch).
MM = 96 / 25.4
CONTENT_TOP, CONTENT_HEIGHT = 15 * MM, (297 - 15 - 14) * MM
# The In brief lines the summary's own sections do not already show.
# (The same messages as charts.clinical_summary's headings, so they match in every language.)
DAILY_LIFE = (
    _l("Sleep quality"),
    _l("Interference with daily life"),
    _l("Medication"),
    _l("Eased by"),
)
# Each charted questionnaire: its heading, its y axis (lowest, highest, step) and what its
# meaningful improvement is, in words. Another instrument an operator charts gets its verdict
# without a chart.
QUESTIONNAIRES = {
    "peg": {
        "title": _l("PEG: pain, enjoyment of life, general activity, 0–10"),
        "scale": (0, 10, 2),
        "rule": _l("%(thirty)s lower than the first", thirty=Percent(30)),
    },
    "rmdq": {
        "title": _l("RMDQ: Roland-Morris disability, 0–24"),
        "scale": (0, 24, 6),
        "rule": _l("5 points or %(thirty)s lower than the first", thirty=Percent(30)),
    },
    "pgic": {
        "title": _l("PGIC: impression of change since treatment started, 1–7"),
        "scale": (1, 7, 1),
        "rule": _l("1 very much or 2 much improved"),
    },
}
RED_FLAGS_SHOWN = 6  # yes answers listed; the earlier ones are counted
# The red-flag signs in a few words (PRODUCT.md section 11, the questionnaire section says
# them in full); another item by its key.
# These short words are ours (translated), not the instrument's wording.
SIGN_WORDS = {
    "saddle_numbness": _l("saddle numbness"),
    "bladder": _l("bladder trouble"),
    "bowel": _l("bowel trouble"),
    "both_legs": _l("symptoms in both legs"),
    "sexual": _l("loss of sensation during sex"),
}


def number(value):
    """A number of the trends document as the API writes it (2 decimals at most), without
    trailing zeros: 6.43, 6.4, 6; ``–`` for none."""
    if value is None:
        return "–"
    value = round(value, 2)
    return format_decimal(0 if value == 0 else value, format="#,##0.##")


def signed(value):
    """A change with its sign: +1.5, -2.25, 0."""
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + number(value)


def _progress(data, too_early, category_words, measure_names):
    rows = []
    for measure in MEASURES:
        result = data["progress"][measure]
        if not result:
            continue
        baseline, current = result["baseline"], result["current"]
        rows.append(
            {
                "name": str(measure_names[measure]),
                "baseline": number(baseline["mean"]),
                "baseline_window": friendly_range(baseline["from"], baseline["to"]),
                "baseline_entries": baseline["entries"],
                "current": number(current["mean"]),
                "current_window": friendly_range(current["from"], current["to"]),
                "current_entries": current["entries"],
                "absolute": signed(result["absolute"]),
                "percent": None
                if result["percent"] is None
                else gettext("%(change)s%%", change=signed(result["percent"])),
                "too_early": too_early.get(measure) if result["category"] == "too_early" else None,
                "category": str(category_words[result["category"]]),
                "clinically_important": result["clinically_important"],
            }
        )
    return rows


def _sessions(data, labels, limit):
    listed = data["sessions"]
    rows = []
    for session, interval in zip(listed, data["intervals"], strict=True):
        rows.append(
            {
                "number": session["number"],
                "date": friendly_date(session["local_date"]),
                "before": number(session["pain_before"]),
                "after": number(session["pain_after"]),
                "pre_session": number(interval["pre_session"]),
                "mean_overall": number(interval["mean_overall"]),
                "relief_days": number(interval["relief_days"]),
                "entries": interval["entries"],
            }
        )
    shown = rows[-limit:] if limit else []
    # Past a dozen in the course, two sessions a line (the first half down the left): half
    # the height, also when fewer are shown for space.
    two_up = len(rows) > TWO_UP_AFTER
    half = -(-len(shown) // 2)
    lines = list(zip_longest(shown[:half], shown[half:])) if two_up else [(row,) for row in shown]
    techniques = Counter(key for session in listed for key in session["techniques"])
    named = [
        (labels["techniques"].get(key, key), count)
        for key, count in sorted(techniques.items(), key=lambda item: (-item[1], item[0]))
    ]
    return {
        "count": len(listed),
        "dates": friendly_range(listed[0]["local_date"], listed[-1]["local_date"])
        if len(listed) > 1
        else (friendly_date(listed[0]["local_date"]) if listed else ""),
        "techniques": named,
        "techniques_text": gettext(", ").join(
            gettext("%(name)s (%(count)d)", name=name, count=count) for name, count in named
        ),
        "two_up": two_up,
        "lines": lines,
        "left_out": rows[: len(rows) - len(shown)],
    }


def _top(items, names):
    return [(names.get(item["key"], item["key"]), item["days"]) for item in items[:TOP]]


def _frequent(data, labels):
    """The most frequent places and pain types ``(name, days)``, and triggers with the pain on
    days with and without them."""
    places = [
        (labels["locations"].get(f"{item['region']}:{item['side']}", item["region"]), item["days"])
        for item in data["locations"][:TOP]
    ]
    triggers = [
        {
            "name": labels["triggers"].get(item["key"], item["key"]),
            "days": item["days"],
            "mean_with": number(item["mean_with"]),
            "mean_without": number(item["mean_without"]),
        }
        for item in data["triggers"][:TOP]
    ]
    return places, _top(data["pain_types"], labels["pain_types"]), triggers


def _minus(text):
    """A real minus sign, as the questionnaire verdicts write it."""
    return text.replace("-", "\u2212")


def _questionnaires(data):
    """A cell per charted questionnaire with data (PRODUCT.md section 11): the verdict in
    words (``verdicts``), the numbers behind it and the chart with its threshold line."""
    found = data.get("questionnaires") or {}
    cells = []
    for verdict in verdicts(found):
        key, trend = verdict["key"], found[verdict["key"]]
        known = QUESTIONNAIRES.get(key)
        if trend["baseline"] is None:  # a responder rule: the latest answer decides
            details = gettext("Latest answer %(score)s", score=number(trend["latest"]))
        else:
            numbers = {
                "first": number(trend["baseline"]),
                "latest": number(trend["latest"]),
                "change": _minus(signed(trend["change"])),
            }
            if trend["percent"] is None:
                details = gettext(
                    "First %(first)s, latest %(latest)s, change %(change)s", **numbers
                )
            else:
                details = gettext(
                    "First %(first)s, latest %(latest)s, change %(change)s (%(percent)s%%)",
                    percent=_minus(signed(trend["percent"])),
                    **numbers,
                )
        if known:
            details = gettext(
                "%(details)s. Meaningful: %(rule)s", details=details, rule=known["rule"]
            )
        if verdict["threshold"] is not None:
            details = gettext(
                "%(details)s (dashed line, %(score)s)",
                details=details,
                score=number(verdict["threshold"]),
            )
        elif key == "pgic":
            details = gettext("%(details)s (shaded)", details=details)
        chart = None
        if known:
            chart = svgchart.questionnaire(
                data,
                trend["points"],
                known["scale"],
                gettext("%(title)s: each answer in this period", title=known["title"]),
                threshold=verdict["threshold"],
                responders=(1, 2) if key == "pgic" else None,
            )
        cells.append(
            {
                "key": key,
                "title": str(known["title"]) if known else verdict["name"],
                "verdict": verdict["words"],
                "meaningful": verdict["meaningful"],
                "details": gettext("%(details)s.", details=details),
                "answers": len(trend["points"]),
                "chart": chart,
            }
        )
    return cells


def _red_flags(checks, tz):
    """The red-flag checks of the range in words: how many, and the yes answers (the latest
    RED_FLAGS_SHOWN) with their time and signs; None when not known."""
    if checks is None:
        return None
    shown = checks["yes"][-RED_FLAGS_SHOWN:]
    answers = [
        {
            "when": friendly_date(answer["answered_at"], tz),
            "signs": gettext("; ").join(
                str(SIGN_WORDS.get(sign, sign.replace("_", " "))) for sign in answer["signs"]
            ),
        }
        for answer in shown
    ]
    return {
        "checks": checks["checks"],
        "yes_count": len(checks["yes"]),
        # Two a line, the first half down the left.
        "lines": list(
            zip_longest(answers[: -(-len(answers) // 2)], answers[-(-len(answers) // 2) :])
        ),
        "left_out": len(checks["yes"]) - len(shown),
    }


def _notes(notes, tz, limit, chars):
    shown = list(notes)[-limit:] if limit else []
    return {
        "items": [
            {
                "when": friendly_datetime(entry.recorded_at, tz),
                "overall": entry.overall,
                "text": entry.notes
                if len(entry.notes) <= chars
                else entry.notes[: chars - 1].rstrip() + "…",
            }
            for entry in shown
        ],
        "left_out": len(notes) - len(shown),
        "shortened": any(len(entry.notes) > chars for entry in shown),
    }


def _css_string(text):
    """``text`` as a CSS string literal, safe inside a ``<style>`` element."""
    for plain, escaped in (("\\", "\\5C "), ('"', "\\22 "), ("<", "\\3C "), ("\n", " ")):
        text = text.replace(plain, escaped)
    return f'"{text}"'


def page_numbers_css():
    """The ``content`` of the page foot's "Page 1 of 2", in the current language."""
    words = gettext("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    before, rest = words.split("\x00", 1) if "\x00" in words else (words, "")
    middle, after = rest.split("\x01", 1) if "\x01" in rest else (rest, "")
    return " ".join(
        (_css_string(before), "counter(page)", _css_string(middle), "counter(pages)",
         _css_string(after))
    )


def summary_context(chart, patient_name, notes=None, tz=None, level=0, red_flags=None):
    """What the summary shows for a range, as plain data.

    ``chart`` is the Trends page's chart context of the range (its ``data`` is the trends
    document); ``notes`` the range's entries with a note, or None when they may not be shown;
    ``level`` an index of LEVELS (higher shows fewer rows); ``red_flags`` the range's red-flag
    checks (``questionnaires.red_flag_checks``), or None when not known.
    """
    data, labels = chart["data"], chart["labels"]
    caps = LEVELS[level]
    entry_days = [day for day in data["days"] if day["entries"]]
    entries = sum(day["entries"] for day in entry_days)
    return {
        "compact": caps.get("compact", False),
        "page_numbers": page_numbers_css(),
        "patient_name": patient_name,
        "range": friendly_range(data["range"]["from"], data["range"]["to"]),
        "range_from": data["range"]["from"],
        "range_to": data["range"]["to"],
        "based_on": ngettext(
            "%(num)d entry on %(days)s",
            "%(num)d entries on %(days)s",
            entries,
            days=ngettext("%(num)d day", "%(num)d days", len(entry_days)),
        ),
        "has_entries": bool(entry_days),
        "progress": _progress(
            data, chart["too_early"], chart["category_words"], chart["measure_names"]
        ),
        "questionnaires": _questionnaires(data),
        "red_flags": _red_flags(red_flags, tz),
        "daily_life": [
            (heading, text)
            for heading, text in chart["summary"]
            if heading in {str(name) for name in DAILY_LIFE}
        ],
        "daily_chart": svgchart.daily_pain(data),
        "between_chart": svgchart.between_sessions(data) if data["intervals"] else None,
        "sessions": _sessions(data, labels, caps["sessions"]),
        # Where, what kind and what makes it worse side by side: line n holds the n-th of each
        # (None where a list is shorter), at least one line.
        "top_rows": list(zip_longest(*_frequent(data, labels))) or [(None, None, None)],
        "include_notes": notes is not None,
        "notes": _notes(notes or [], tz, caps["notes"], caps["note_chars"]),
    }


def filename(data):
    """The download's name: ``pain-summary-2026-08-28-to-2026-11-25.pdf``."""
    return f"pain-summary-{data['range']['from']}-to-{data['range']['to']}.pdf"


class StaticFilesOnly(URLFetcher):
    """WeasyPrint's fetcher for the summary: files under the app's static folder, nothing else.

    No network request and no other file can leave or enter while a summary is drawn, whatever
    the HTML names (a ``file:`` URL outside the folder, ``http:``, ``data:``...).
    """

    def __init__(self, static_folder):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = Path(static_folder).resolve()

    def local_path(self, url):
        """The static file ``url`` names, or None when it names anything else."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def fetch(self, url, headers=None):
        """The static file's bytes; anything else is refused (WeasyPrint leaves it out)."""
        path = self.local_path(url)
        if path is None:
            raise ValueError("the summary fetches only the app's own static files")
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mimetype})


def _anchors(document):
    """Each anchor of a drawn document: name -> (page index, top, bottom) in CSS pixels."""
    return {
        name: (index, box[1], box[3])
        for index, page in enumerate(document.pages)
        for name, box in page.anchors.items()
    }


def _overflow(anchors):
    """How far, in CSS pixels, the summary runs past its last allowed page."""
    if "summary-end" not in anchors:
        return 0.0
    page, top, _ = anchors["summary-end"]
    return max(0.0, (page - MAX_PAGES) * CONTENT_HEIGHT + top - CONTENT_TOP)


def _gain(anchors, level, other):
    """How much height, in CSS pixels, drawing at level ``other`` instead of ``level`` could
    remove at most: the session lines and notes it leaves out, a share of each note it
    shortens (as if every note were at the longest), and, with fewer session lines, the room
    left at the foot of the page where the sessions end when the next section (a table that
    is never split) had to start on the next page."""
    now, then = LEVELS[level], LEVELS[other]
    sessions = sorted(
        (top, bottom) for name, (_, top, bottom) in anchors.items() if name.startswith("session-")
    )
    gain = 0.0
    if sessions:
        per_line = 2 if len({top for top, _ in sessions}) < len(sessions) else 1
        kept = min(len(sessions), then["sessions"])
        lines_out = -(-len(sessions) // per_line) - -(-kept // per_line)
        gain += lines_out * statistics.median(bottom - top for top, bottom in sessions)
        after, following = anchors.get("after-sessions"), anchors.get("frequent")
        if lines_out and after and following and after[0] < following[0]:
            gain += CONTENT_TOP + CONTENT_HEIGHT - after[1]
    notes = [
        anchors[name][2] - anchors[name][1]
        for name in sorted(
            (name for name in anchors if re.fullmatch(r"note-\d+", name)),
            key=lambda name: int(name.split("-")[1]),
        )
    ]
    left_out = max(0, len(notes) - then["notes"])
    gain += sum(notes[:left_out])
    if then["note_chars"] < now["note_chars"]:
        gain += sum(notes[left_out:]) * (1 - then["note_chars"] / now["note_chars"])
    return gain


def next_level(document, level):
    """The level to draw next after ``level`` ran past MAX_PAGES pages: the first that could
    remove enough, else the last. A level that could not is not drawn at all."""
    anchors = _anchors(document)
    overflow = _overflow(anchors)
    for other in range(level + 1, len(LEVELS)):
        if _gain(anchors, level, other) >= overflow:
            return other
    return len(LEVELS) - 1


def render_pdf(make_html, static_folder):
    """The PDF of ``make_html(level)``'s HTML on at most MAX_PAGES pages: level 0 first, then
    fewer rows (LEVELS, ``next_level``) until it fits. Relative URLs in the HTML name static
    files."""
    fetcher = StaticFilesOnly(static_folder)
    base_url = fetcher.root.as_uri() + "/"
    level = 0
    while True:
        document = HTML(string=make_html(level), base_url=base_url, url_fetcher=fetcher).render()
        if len(document.pages) <= MAX_PAGES or level == len(LEVELS) - 1:
            return document.write_pdf()
        level = next_level(document, level)
