"""GET /api/v1/trends: the numbers behind the charts (PRODUCT.md section 7)."""

from datetime import date, timedelta

from flask import current_app
from flask_login import current_user

from ..services.stats import trends_json
from ..timeutil import EARLIEST, local_today
from ..validation import ValidationError
from . import bp
from .records import date_range_args

DEFAULT_DAYS = 90
MAX_DAYS = 3660  # ten years a request: enough for any course, bounded for the server
LATEST = date(2100, 12, 31)


def trends_range(tz_name):
    """``from``/``to`` with the defaults of section 6: to = today, from = to - 89 days."""
    given_from, given_to = date_range_args()
    fields = {
        name: f"must be between {EARLIEST.date()} and {LATEST}"
        for name, value in (("from", given_from), ("to", given_to))
        if value is not None and not EARLIEST.date() <= value <= LATEST
    }
    if fields:
        raise ValidationError(fields, "The date range is not valid.")
    date_to = given_to or local_today(tz_name)
    date_from = given_from or max(date_to - timedelta(days=DEFAULT_DAYS - 1), EARLIEST.date())
    if date_from > date_to:
        raise ValidationError({"from": "must not be after to"}, "The date range is not valid.")
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationError(
            {"from": f"the range must be at most {MAX_DAYS} days"}, "The date range is too long."
        )
    return date_from, date_to


def trends_response(user, date_from, date_to):
    """The trends JSON answer (the cached bytes, as ``jsonify`` would send them)."""
    body = trends_json(user, date_from, date_to) + b"\n"
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


@bp.get("/trends")
def trends():
    """Daily series, sessions, intervals, progress and frequencies for a date range."""
    date_from, date_to = trends_range(current_user.timezone)
    return trends_response(current_user, date_from, date_to)
