"""Trends between acupuncture sessions (PRODUCT.md section 7), in three layers.

``compute`` is pure maths on plain tuples; ``query`` reads what a range needs from the database
(dialect-specific SQL) and hands it to ``compute``; ``cache`` serves the JSON bytes from a
per-worker cache keyed by the patient's data tag.
"""

from .cache import TrendsCache, trends_for, trends_json
from .compute import (
    MEASURES,
    DayStats,
    Point,
    ResponseRow,
    SessionRow,
    Tags,
    Timeline,
    charted,
    compute_trends,
    progress_of,
)
from .query import dates_with, first_date, last_date, load_trends

__all__ = [
    "MEASURES",
    "DayStats",
    "Timeline",
    "progress_of",
    "Point",
    "ResponseRow",
    "SessionRow",
    "Tags",
    "TrendsCache",
    "charted",
    "compute_trends",
    "dates_with",
    "first_date",
    "last_date",
    "load_trends",
    "trends_for",
    "trends_json",
]
