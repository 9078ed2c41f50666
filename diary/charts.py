"""What the chart partials need, shared by the Trends page and the practitioner's report."""

from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l

from .core.i18n import Percent
from .core.logs import log_success
from .core.templating import friendly_datetime
from .core.timeutil import utcnow, zone
from .http import attachment, chosen_range
from .instruments import get as get_instrument
from .records import SESSION
from .records import service as records
from .services import questionnaires, summary, terms
from .services.trends import dates_with, first_date, trends_for
from .vocabulary import REGIONS, location_label

# The report's periods (the share link's and the practitioner's): 3 months by default.
REPORT_PRESETS = (
    ("90", _l("3 months")),
    ("182", _l("6 months")),
    ("365", _l("1 year")),
    ("all", _l("All")),
)

CATEGORY_WORDS = {
    "substantial": _l("Substantial improvement: %(fifty)s or more less pain", fifty=Percent(50)),
    "moderate": _l(
        "Moderate improvement: %(thirty)s to %(fifty)s less pain",
        thirty=Percent(30), fifty=Percent(50),
    ),
    "minimal": _l(
        "Minimal improvement: %(ten)s to %(thirty)s less pain", ten=Percent(10), thirty=Percent(30)
    ),
    "no_change": _l("No real change: within 10%"),
    "worse": _l("Worse: %(ten)s or more pain", ten=Percent(10)),
    "too_early": _l("Not enough data yet"),
}
WINDOW_DAYS, MIN_WINDOW_DATES = 7, 3  # PRODUCT.md section 7: the windows and "too early"
MEASURE_NAMES = {"overall": _l("Overall pain"), "back": _l("Back pain"), "leg": _l("Leg pain")}


def _one(value):
    """``4.5``: one decimal, in the locale (``4,5`` in German)."""
    return format_decimal(value, format="0.0")


def heat_map(locations):
    """``region:side`` -> days, for shading the body figures (``both`` shades both sides)."""
    days = {}
    for item in locations:
        sides = ("left", "right") if item["side"] == "both" else (item["side"],)
        for side in sides:
            key = f"{item['region']}:{side}"
            days[key] = max(days.get(key, 0), item["days"])
    return {"days": days, "max": max(days.values(), default=1)}


def chart_labels(vocabulary):
    """The labels the charts need, keyed like the trends document."""
    labels = terms.labels(vocabulary)
    labels["locations"] = {
        f"{region}:{side}": location_label(region, side)
        for region in REGIONS
        for side in ("left", "right", "both")
    }
    return labels


def too_early_reasons(user, progress):
    """measure -> why it is too early to judge progress, in words (section 7's "too early")."""
    reasons = {}
    for measure, result in progress.items():
        if not result or result["category"] != "too_early":
            continue
        baseline, current = result["baseline"], result["current"]
        if current["from"] <= baseline["to"]:
            wait = (
                date.fromisoformat(baseline["to"])
                + timedelta(days=WINDOW_DAYS)
                - date.fromisoformat(current["to"])
            ).days
            reasons[measure] = ngettext(
                "the week before treatment and your latest week overlap; keep logging and in "
                "%(num)d more day your latest week stands on its own",
                "the week before treatment and your latest week overlap; keep logging and in "
                "%(num)d more days your latest week stands on its own",
                wait,
            )
            continue
        parts = []
        for which, window in (("baseline", baseline), ("latest", current)):
            days = dates_with(user.id, measure, window["from"], window["to"])
            if days < MIN_WINDOW_DATES:
                if which == "baseline":
                    parts.append(
                        ngettext(
                            "baseline from %(num)d day of entries (%(needed)d needed)",
                            "baseline from %(num)d days of entries (%(needed)d needed)",
                            days,
                            needed=MIN_WINDOW_DATES,
                        )
                    )
                else:
                    parts.append(
                        ngettext(
                            "latest week from %(num)d day of entries (%(needed)d needed)",
                            "latest week from %(num)d days of entries (%(needed)d needed)",
                            days,
                            needed=MIN_WINDOW_DATES,
                        )
                    )
        reasons[measure] = gettext("; ").join(parts) or gettext("too few days of entries")
    return reasons


def _top_three(items, names):
    """ "Burning (54 d), Shooting (54 d)": the most frequent keys of a list, in words."""
    return gettext(", ").join(
        gettext(
            "%(name)s (%(days)d d)", name=names.get(item["key"], item["key"]), days=item["days"]
        )
        for item in items[:3]
    )


def _place(item):
    return f"{item['region']}:{item['side']}"


def _mean(values):
    values = [value for value in values if value is not None]
    return sum(values) / len(values) if values else None


def _trend_words(days, name, better):
    """ "Sleep 4.5/10 on average; latest week 5.5 (better)" for one daily measure."""
    overall = _mean(day[name] for day in days)
    if overall is None:
        return None
    latest = _mean(day[name] for day in days[-7:])
    if latest is None or len(days) <= 7:
        return gettext("%(mean)s/10 on average", mean=_one(overall))
    change = latest - overall
    if abs(change) < 0.5:
        words = gettext("%(mean)s/10 on average; latest week %(latest)s (about the same)")
    elif (change > 0) == better:
        words = gettext("%(mean)s/10 on average; latest week %(latest)s (better)")
    else:
        words = gettext("%(mean)s/10 on average; latest week %(latest)s (worse)")
    return words % {"mean": _one(overall), "latest": _one(latest)}


def clinical_summary(data, labels):
    """The 60-second read, in words: where, what kind, what makes it worse and better,
    sessions, sleep and daily life, and the data behind it. A list of (heading, text)."""
    days = data["days"]
    entry_days = [day for day in days if day["entries"]]
    if not entry_days and not data["sessions"]:
        return []
    lines = []
    if data["locations"]:
        top = data["locations"][:3]
        lines.append(
            (
                gettext("Where it hurts"),
                gettext(", ").join(
                    ngettext(
                        "%(place)s (%(num)d day)",
                        "%(place)s (%(num)d days)",
                        item["days"],
                        place=labels["locations"].get(_place(item)),
                    )
                    for item in top
                ),
            )
        )
    if data["pain_types"]:
        lines.append((gettext("Feels like"), _top_three(data["pain_types"], labels["pain_types"])))
    worse = [
        item
        for item in data["triggers"]
        if item["mean_with"] is not None and item["mean_without"] is not None
    ]
    if worse:
        item = max(worse, key=lambda t: (t["mean_with"] - t["mean_without"], t["days"]))
        name = labels["triggers"].get(item["key"], item["key"])
        lines.append(
            (
                gettext("Made worse by"),
                ngettext(
                    "%(name)s: pain %(with)s on days with it, %(without)s without (%(num)d day)",
                    "%(name)s: pain %(with)s on days with it, %(without)s without (%(num)d days)",
                    item["days"],
                    name=name,
                    **{"with": _one(item["mean_with"]), "without": _one(item["mean_without"])},
                ),
            )
        )
    elif data["triggers"]:
        item = data["triggers"][0]
        lines.append(
            (
                gettext("Made worse by"),
                ngettext(
                    "%(name)s (%(num)d day)",
                    "%(name)s (%(num)d days)",
                    item["days"],
                    name=labels["triggers"].get(item["key"], item["key"]),
                ),
            )
        )
    if data["relievers"]:
        lines.append((gettext("Eased by"), _top_three(data["relievers"], labels["relievers"])))
    if data["sessions"]:
        last = data["sessions"][-1]
        count, first = len(data["sessions"]), data["sessions"][0]["number"]
        if count > 1:
            text = gettext(
                "%(count)d in this period (numbers %(first)d–%(last)d)",
                count=count,
                first=first,
                last=last["number"],
            )
        else:
            text = gettext("%(count)d in this period (numbers %(first)d)", count=count, first=first)
        if last["pain_before"] is not None and last["pain_after"] is not None:
            text = gettext(
                "%(sessions)s; the last one: pain %(before)d → %(after)d",
                sessions=text,
                before=last["pain_before"],
                after=last["pain_after"],
            )
        lines.append((gettext("Sessions"), text))
    sleep = _trend_words(days, "sleep_quality", better=True)
    if sleep:
        lines.append(
            (gettext("Sleep quality"), gettext("%(words)s (0 worst, 10 best)", words=sleep))
        )
    interference = _trend_words(days, "interference", better=False)
    if interference:
        lines.append(
            (
                gettext("Interference with daily life"),
                gettext("%(words)s (0 none, 10 complete)", words=interference),
            )
        )
    medicated = [day for day in entry_days if day["medicated"]]
    if entry_days:
        lines.append(
            (
                gettext("Medication"),
                ngettext(
                    "on %(medicated)d of %(num)d day with entries",
                    "on %(medicated)d of %(num)d days with entries",
                    len(entry_days),
                    medicated=len(medicated),
                ),
            )
        )
        entries = sum(day["entries"] for day in entry_days)
        days_text = ngettext("%(num)d day", "%(num)d days", len(entry_days))
        lines.append(
            (
                gettext("Based on"),
                ngettext(
                    "%(num)d entry on %(days)s",
                    "%(num)d entries on %(days)s",
                    entries,
                    days=days_text,
                ),
            )
        )
    return lines


def _score(value):
    """A threshold as the chart's line names it (``4.67``, ``7``), in the locale."""
    return format_decimal(value, format="#,##0.######")


def score_range(instrument):
    """The lowest and highest score of ``instrument``, and its answers' labels by value when the
    score is one choice (the PGIC's "Much improved"), for a chart's axis."""
    items = instrument.items
    method = instrument.scoring["method"]
    if method == "count_true":
        return 0, len(items), {}
    if method == "item":
        item = next(item for item in items if item.key == instrument.scoring["item"])
        if item.type == "choice":
            values = [option.value for option in item.options]
            return min(values), max(values), {option.value: option.label for option in item.options}
        return item.min, item.max, {}
    ends = [
        (item.min, item.max)
        if item.type == "integer"
        else (min(o.value for o in item.options), max(o.value for o in item.options))
        for item in items
    ]
    lows, highs = [low for low, _ in ends], [high for _, high in ends]
    if method == "sum":
        return sum(lows), sum(highs), {}
    return min(lows), max(highs), {}


def questionnaire_charts(data):
    """What the questionnaire charts need, for each questionnaire the trends document has data
    of (section 11): its title, the verdict in words, the score's range, the meaningful-change
    line (the dashed one) and its words, the answers' labels for a choice, and the points."""
    trends = data.get("questionnaires") or {}
    found = []
    for verdict in questionnaires.verdicts(trends):
        instrument = get_instrument(verdict["key"])
        low, high, answers = score_range(instrument)
        threshold = verdict["threshold"]
        better = (instrument.meaningful_change or {}).get("better", "lower")
        found.append(
            {
                **verdict,
                "title": instrument.title,
                "lang": instrument.shown_lang,
                "low": low,
                "high": high,
                "answers": answers,
                "line": None
                if threshold is None
                else (
                    gettext("Meaningful improvement: %(score)s or lower", score=_score(threshold))
                    if better == "lower"
                    else gettext(
                        "Meaningful improvement: %(score)s or higher", score=_score(threshold)
                    )
                ),
                "baseline": trends[verdict["key"]]["baseline"],
                "points": trends[verdict["key"]]["points"],
            }
        )
    return found


def chart_context(user, date_from, date_to):
    """What the chart partials need for a patient's range: the trends and how to label them."""
    data = trends_for(user, date_from, date_to)
    labels = chart_labels(terms.vocabulary_for(user.id))
    return {
        "data": data,
        "labels": labels,
        "summary": clinical_summary(data, labels),
        "heat": heat_map(data["locations"]),
        "regions": REGIONS,
        "category_words": CATEGORY_WORDS,
        "measure_names": MEASURE_NAMES,
        "has_entries": any(day["entries"] for day in data["days"]),
        "has_daily_life": any(
            day["sleep_quality"] is not None or day["interference"] is not None or day["medicated"]
            for day in data["days"]
        ),
        "too_early": too_early_reasons(user, data["progress"]),
        "questionnaire_charts": questionnaire_charts(data),
    }


def red_flag_report(user_id, date_from, date_to):
    """The red-flag checks of the period for the report: how many, and each "yes" with its
    date and the signs in the patient's words (section 11: never a score or a chart point)."""
    checks = questionnaires.red_flag_checks(user_id, date_from, date_to)
    instrument = get_instrument("red_flags")
    texts = {item.key: item.text for item in instrument.items} if instrument else {}
    return {
        "checks": checks["checks"],
        "lang": instrument.shown_lang if instrument else None,
        "yes": [
            {**found, "signs": [texts.get(key, key) for key in found["signs"]]}
            for found in checks["yes"]
        ],
    }


def report_range(user):
    """The report's period asked in the query (``?days=`` or ``?from=&to=``; a bad custom range
    gives the last 3 months): ``(date_from, date_to, preset)``. The report and its PDF agree."""
    date_from, date_to, preset, _ = chosen_range(
        user.timezone, lambda: first_date(user.id), REPORT_PRESETS
    )
    return date_from, date_to, preset


def report_context(user, include_notes):
    """Everything the practitioner's report of ``user`` shows for the period asked in the
    query (``report_range``): the share link's report and the connected practitioner's patient
    page are the same report."""
    date_from, date_to, preset = report_range(user)
    numbers = records.numbers(SESSION, user.id)
    sessions = records.list_between(SESSION, user.id, date_from, date_to)
    tz = zone(user.timezone)
    return {
        "patient_name": user.name_for_display,
        **chart_context(user, date_from, date_to),
        "presets": REPORT_PRESETS,
        "preset": preset,
        "sessions": [(numbers[s.id], s) for s in sessions],
        "include_notes": include_notes,
        "notes": records.with_notes(user.id, date_from, date_to) if include_notes else [],
        "red_flags": red_flag_report(user.id, date_from, date_to),
        "tz": tz,
        "tz_name": user.timezone,
        "generated": friendly_datetime(utcnow(), tz),
    }


# The course summary (section 14) -----------------------------------------------------------------


def summary_pdf_response(user, date_from, date_to, include_notes):
    """The course summary of a range as a PDF download (section 14): made now, never kept.

    The patient's own summary and a share link's use this one function; ``include_notes``
    says whether the patient's notes may be in it.
    """
    chart = chart_context(user, date_from, date_to)
    tz = zone(user.timezone)
    notes = records.with_notes(user.id, date_from, date_to) if include_notes else None
    red_flags = questionnaires.red_flag_checks(user.id, date_from, date_to)
    generated = friendly_datetime(utcnow(), tz)

    def page(level):
        context = summary.summary_context(
            chart, user.name_for_display, notes, tz, level, red_flags=red_flags
        )
        return render_template("summary/summary.html", s=context, generated=generated)

    pdf = summary.render_pdf(page, current_app.static_folder)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Cache-Control"] = "no-store"
    return attachment(response, summary.filename(chart["data"]))


def own_summary_response(user, date_from, date_to):
    """The patient's own course summary (their notes in it), as a download."""
    response = summary_pdf_response(user, date_from, date_to, include_notes=True)
    log_success("export", user.id, format="summary_pdf")
    return response
