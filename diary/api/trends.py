"""GET /api/v1/trends: the numbers behind the charts (PRODUCT.md section 7)."""

from datetime import timedelta

from flask import request
from flask_login import current_user

from ..services.stats import load_trends
from ..timeutil import local_today, parse_date
from ..validation import ValidationError
from . import bp

DEFAULT_DAYS = 90


def trends_range(tz_name):
    """``from``/``to`` with the defaults of section 6: to = today, from = to - 89 days."""
    fields, bounds = {}, {}
    for name in ("from", "to"):
        raw = request.args.get(name)
        if raw:
            try:
                bounds[name] = parse_date(raw)
            except ValueError as error:
                fields[name] = str(error)
    if fields:
        raise ValidationError(fields, "The date range is not valid.")
    date_to = bounds.get("to") or local_today(tz_name)
    date_from = bounds.get("from") or date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise ValidationError({"from": "must not be after to"}, "The date range is not valid.")
    return date_from, date_to


@bp.get("/trends")
def trends():
    """Daily series, sessions, intervals, progress and frequencies for a date range."""
    date_from, date_to = trends_range(current_user.timezone)
    return load_trends(current_user, date_from, date_to)
