"""What the chart partials need, shared by the Trends page and the practitioner's report."""

from .services import terms
from .services.trends import trends_for
from .vocabulary import REGIONS, location_label

CATEGORY_WORDS = {
    "substantial": "Substantial improvement: 50% or more less pain",
    "moderate": "Moderate improvement: 30% to 50% less pain",
    "minimal": "Minimal improvement: 10% to 30% less pain",
    "no_change": "No real change: within 10%",
    "worse": "Worse: 10% or more pain",
}
MEASURE_NAMES = {"overall": "Overall pain", "back": "Back pain", "leg": "Leg pain"}


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


def chart_context(user, date_from, date_to):
    """What the chart partials need for a patient's range: the trends and how to label them."""
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
