"""The practitioner's workspace (PRODUCT.md section 13): the dashboard of connected patients,
a patient's report, logging the session of a visit, the connect code.

``access.guard`` lets only practitioners in, and for ``<connection_id>`` routes re-reads the
connection on every request (``g.connection``, ``g.patient``) and writes the access log.
"""

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_percent, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .charts import report_context, report_range, summary_pdf_response
from .core.templating import qr_svg
from .http import connect_url, summary_limit
from .records import SESSION
from .records import service as records
from .services import care_team, dashboard, terms, visits
from .validation import ValidationError

bp = Blueprint("practice", __name__)
# Labels of the dashboard's words (the keys, the API's, never change).
CATEGORY_SHORT = {
    "substantial": _l("substantial improvement"),
    "moderate": _l("moderate improvement"),
    "minimal": _l("minimal improvement"),
    "no_change": _l("no real change"),
    "worse": _l("worse"),
    "too_early": _l("too early to say"),
}
FLAG_WORDS = {
    "red_flag": _l("Red flag"),
    "worse": _l("Worse"),
    "not_logging": _l("Not logging"),
    "check_in_due": _l("Check-in due"),
}


def signed_percent(value):
    """``+12%``, ``-40%``: the change since baseline, in the locale's own way (``-40 %`` in
    German and French)."""
    whole = round(value)
    return ("+" if whole >= 0 else "") + format_percent(whole / 100)


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in practitioner (``access.guard`` checks the role)."""


@bp.after_request
def no_store(response):
    """Practitioner pages hold patients' health data: never kept by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/practice")
def dashboard_page():
    """Every connected patient, those needing attention first; a search and a privacy blur."""
    rows = dashboard.patient_rows(current_user.id)
    query = request.args.get("q", "").strip()[:80]
    shown = [row for row in rows if dashboard.matches(row, query)] if query else rows
    return render_template(
        "practice/dashboard.html",
        rows=shown,
        total=len(rows),
        query=query,
        private=session.get("practice_privacy", False),
        category_words=CATEGORY_SHORT,
        flag_words=FLAG_WORDS,
        signed_percent=signed_percent,
    )


@bp.post("/practice/privacy")
def privacy():
    """Blur patients' names on screen, or stop (kept for this login)."""
    session["practice_privacy"] = not session.get("practice_privacy", False)
    return redirect(url_for("practice.dashboard_page"), code=303)


@bp.get("/practice/code")
def code():
    """The connect code to give patients, with its QR code, printable on A5 for the desk."""
    current = care_team.code_of(current_user)
    url = connect_url(current)
    return render_template(
        "practice/code.html",
        code=care_team.grouped(current),
        url=url,
        qr=qr_svg(url, gettext("QR code to connect to your practitioner")),
    )


@bp.post("/practice/code")
def new_code():
    """Replace the connect code: the old one (and its printed QR code) stops working at once."""
    care_team.replace_code(current_user)
    flash(gettext("New code made: the old one no longer works. Print the new one."), "success")
    return redirect(url_for("practice.code"), code=303)


@bp.get("/practice/patients/<connection_id>")
def patient(connection_id):
    """The patient's report (the share link's report), with notes only if they agreed."""
    return render_template(
        "practice/patient.html",
        connection=g.connection,
        preset_endpoint="practice.patient",
        preset_args={"connection_id": connection_id},
        **report_context(g.patient, g.connection.include_notes),
    )


@bp.get("/practice/patients/<connection_id>/summary.pdf")
@summary_limit
def summary_pdf(connection_id):
    """The patient's course summary (section 14) for the report's range, notes only if they
    agreed; in the patient's access log like the report."""
    date_from, date_to, _ = report_range(g.patient)
    return summary_pdf_response(g.patient, date_from, date_to, g.connection.include_notes)


def _session_form(values, errors=None, status=200):
    words = terms.vocabulary_for(g.patient.id)
    return (
        render_template(
            "practice/session_form.html",
            connection=g.connection,
            patient_name=g.patient.name_for_display,
            values=values,
            errors=errors or {},
            techniques=words["techniques"],
        ),
        status,
    )


@bp.route("/practice/patients/<connection_id>/sessions/new", methods=["GET", "POST"])
def new_session(connection_id):
    """Log the session of this visit into the patient's diary."""
    if request.method == "GET":
        return _session_form(SESSION.form_values())
    data = SESSION.form_data(request.form)
    try:
        cleaned = SESSION.clean(
            data,
            tz_name=g.patient.timezone,
            vocabulary=terms.allowed_keys_for(g.patient.id, data),
        )
        visits.log_session(current_user, g.connection, g.patient, cleaned)
    except ValidationError as error:
        return _session_form(SESSION.submitted_values(request.form), error.fields, 422)
    except (records.Conflict, records.QuotaExceeded):
        values = SESSION.submitted_values(request.form)
        values["id"] = SESSION.form_values()["id"]
        return _session_form(values, {"form": gettext("This session was already saved.")}, 409)
    flash(
        gettext("Session logged in %(name)s's diary.", name=g.patient.name_for_display), "success"
    )
    return redirect(url_for("practice.patient", connection_id=connection_id), code=303)


@bp.route("/practice/patients/<connection_id>/disconnect", methods=["GET", "POST"])
def disconnect(connection_id):
    """Ask, then end the connection from the practitioner's side."""
    if request.method == "GET":
        return render_template(
            "practice/disconnect.html",
            connection=g.connection,
            patient_name=g.patient.name_for_display,
        )
    care_team.disconnect(g.connection, current_user.id)
    flash(gettext("%(name)s is no longer connected.", name=g.patient.name_for_display), "success")
    return redirect(url_for("practice.dashboard_page"), code=303)
