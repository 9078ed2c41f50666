"""The trends page: charts of pain between acupuncture sessions, each with a data table."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .charts import chart_context, own_summary_response
from .http import PRESETS, chosen_range, fresh_login_required, summary_limit
from .services.trends import first_date

bp = Blueprint("trends", __name__)


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in patient."""


@bp.get("/trends")
def trends():
    """Charts for a range, with range presets and a custom range."""
    date_from, date_to, preset, errors = chosen_range(
        current_user.timezone, lambda: first_date(current_user.id)
    )
    return render_template(
        "trends/trends.html",
        **chart_context(current_user, date_from, date_to),
        presets=PRESETS,
        preset=preset,
        errors=errors,
        has_any=first_date(current_user.id) is not None,
    )


@bp.get("/trends/summary.pdf")
@fresh_login_required
@summary_limit
def summary_pdf():
    """The course summary of the page's range as a PDF (a password typed in the last 15
    minutes, else confirm it and come back)."""
    date_from, date_to, _, _ = chosen_range(
        current_user.timezone, lambda: first_date(current_user.id)
    )
    return own_summary_response(current_user, date_from, date_to)
