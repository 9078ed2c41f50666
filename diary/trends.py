"""The trends page: charts of pain between acupuncture sessions, each with a data table."""

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .api.trends import MAX_DAYS
from .extensions import db
from .models import AcupunctureSession, Entry
from .services import terms
from .services.stats import trends_for
from .timeutil import EARLIEST, local_today, parse_date
from .vocabulary import REGIONS, location_label

bp = Blueprint("trends", __name__)
PRESETS = (
    ("14", "2 weeks"),
    ("30", "1 month"),
    ("90", "3 months"),
    ("182", "6 months"),
    ("365", "1 year"),
    ("all", "All"),
)
DEFAULT_PRESET = "90"
CATEGORY_WORDS = {
    "substantial": "Substantial improvement: 50% or more less pain",
    "moderate": "Moderate improvement: 30% to 50% less pain",
    "minimal": "Minimal improvement: 10% to 30% less pain",
    "no_change": "No real change: within 10%",
    "worse": "Worse: 10% or more pain",
}
MEASURE_NAMES = {"overall": "Overall pain", "back": "Back pain", "leg": "Leg pain"}


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in patient."""


def first_date(user_id):
    """The earliest local date of any entry or session of the patient, or None."""
    dates = [
        db.session.scalar(select(func.min(model.local_date)).where(model.user_id == user_id))
        for model in (Entry, AcupunctureSession)
    ]
    dates = [value for value in dates if value is not None]
    return min(dates) if dates else None


def chosen_range(today):
    """The range asked for: a preset (``?days=``) or ``?from=&to=``; bad dates mean 3 months."""
    errors = {}
    if request.args.get("from") or request.args.get("to"):
        try:
            date_to = parse_date(request.args["to"]) if request.args.get("to") else today
            date_from = parse_date(request.args.get("from") or "")
        except ValueError as error:
            errors["range"] = f"Dates {error}."
        else:
            if date_from <= date_to and (date_to - date_from).days < MAX_DAYS:
                return max(date_from, EARLIEST.date()), date_to, None, errors
            errors["range"] = "The start date must be before the end date, at most 10 years apart."
    preset = request.args.get("days", DEFAULT_PRESET)
    if preset == "all":
        earliest = today - timedelta(days=MAX_DAYS - 1)
        return max(first_date(current_user.id) or today, earliest), today, preset, errors
    if preset not in dict(PRESETS):
        preset = DEFAULT_PRESET
    return today - timedelta(days=int(preset) - 1), today, preset, errors


def heat_map(locations):
    """``region:side`` -> days, for shading the body figures (``both`` shades both sides)."""
    days = {}
    for item in locations:
        sides = ("left", "right") if item["side"] == "both" else (item["side"],)
        for side in sides:
            key = f"{item['region']}:{side}"
            days[key] = max(days.get(key, 0), item["days"])
    return {"days": days, "max": max(days.values(), default=1)}


def chart_context(user, date_from, date_to):
    """What the chart partials need for a patient's range: the trends and how to label them.

    Shared by the patient's page and the practitioner's report.
    """
    data = trends_for(user, date_from, date_to)
    return {
        "data": data,
        "labels": chart_labels(terms.vocabulary_for(user.id)),
        "heat": heat_map(data["locations"]),
        "regions": REGIONS,
        "category_words": CATEGORY_WORDS,
        "measure_names": MEASURE_NAMES,
        "has_entries": any(day["entries"] for day in data["days"]),
    }


def chart_labels(vocabulary):
    """The labels the charts need, keyed like the trends document."""
    labels = terms.labels(vocabulary)
    labels["locations"] = {
        f"{region}:{side}": location_label(region, side)
        for region in REGIONS
        for side in ("left", "right", "both")
    }
    return labels


@bp.get("/trends")
def trends():
    """Charts for a range, with range presets and a custom range."""
    today = local_today(current_user.timezone)
    date_from, date_to, preset, errors = chosen_range(today)
    return render_template(
        "trends/trends.html",
        **chart_context(current_user, date_from, date_to),
        presets=PRESETS,
        preset=preset,
        errors=errors,
        has_any=first_date(current_user.id) is not None,
    )
