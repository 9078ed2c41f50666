"""GET /api/v1/trends: the numbers behind the charts (PRODUCT.md section 7)."""

from flask_login import current_user

from ..http import trends_range, trends_response
from . import bp


@bp.get("/trends")
def trends():
    """Daily series, sessions, intervals, progress and frequencies for a date range."""
    date_from, date_to = trends_range(current_user.timezone)
    return trends_response(current_user, date_from, date_to)
