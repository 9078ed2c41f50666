"""Who may open what, decided in one place (PRODUCT.md section 13).

A practitioner has no diary: every route is the patients' unless it is listed here as open to
both roles or belongs to the practitioner's workspace (the ``practice`` blueprint and the
``api.practice_*`` routes). The other side's routes answer 404, as if they did not exist, so a
route added later is a patient's route until someone decides otherwise.

The same guard opens the patient behind a practitioner route's ``connection_id`` (see
``open_connection``): it re-reads the connection on every request and writes the access log.
"""

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from .services import care_team

PATIENT, PRACTITIONER, BOTH = "patient", "practitioner", "both"

# Open to any logged-in account (or to nobody logged in): signing in and out, the account's
# own settings, two-factor login, the app shell, and the anonymous share report.
BOTH_BLUEPRINTS = frozenset({"auth", "recovery", "health", "pwa"})
BOTH_ENDPOINTS = frozenset(
    {
        "static",
        "share.report",
        "share.report_trends",
        "share.report_summary",
        "reminders.unsubscribe",
        "api.verify_email",
        "account.account",
        "account.profile",
        "account.password",
        "account.delete",
        "account.totp",
        "account.totp_start",
        "account.totp_confirm",
        "account.totp_off",
        "api.openapi",
        "api.me",
        "api.update_me",
        "api.delete_me",
        "api.confirm_password",
        "api.start_totp",
        "api.confirm_totp",
        "api.stop_totp",
    }
)


# Practitioner routes that read one patient's data, and what the patient's access log calls
# each. The dashboard list is not one of them (section 13); a session logged at the visit is
# logged by its route once it is saved.
LOGGED_READS = {
    "practice.patient": "report",
    "practice.summary_pdf": "summary_pdf",
    "api.practice_patient_trends": "trends",
}


def audience(endpoint):
    """``patient``, ``practitioner`` or ``both``: who may call ``endpoint``."""
    if endpoint in BOTH_ENDPOINTS or endpoint.partition(".")[0] in BOTH_BLUEPRINTS:
        return BOTH
    if endpoint.startswith(("practice.", "api.practice_")):
        return PRACTITIONER
    return PATIENT


def home_for(user):
    """Where an account lands after logging in: today's view, or the practitioner's patients."""
    return url_for("practice.dashboard_page" if user.is_practitioner else "entries.today")


def guard():
    """Before every request: the other role's routes answer 404.

    Anonymous requests pass through to each route's own login check (a redirect to the login
    page, or a 401 under /api). A practitioner opening the site's root is sent to their
    patients rather than shown a 404 for a diary they never had.
    """
    endpoint = request.endpoint
    if endpoint is None:
        return None
    side = audience(endpoint)
    if side == BOTH or not current_user.is_authenticated:
        return None
    if (side == PRACTITIONER) == current_user.is_practitioner:
        if side == PRACTITIONER and "connection_id" in (request.view_args or {}):
            open_connection(request.view_args["connection_id"], LOGGED_READS.get(endpoint))
        return None
    if endpoint == "entries.today":
        return redirect(url_for("practice.dashboard_page"))
    abort(404)


def open_connection(connection_id, what=None):
    """The patient behind a practitioner route: ``g.connection`` and ``g.patient``, or 404.

    Read afresh on every request (nothing cached), so a disconnect takes effect on the
    practitioner's very next request; ``what`` is written to the patient's access log first,
    by a statement that writes only while the connection exists.
    """
    if what is not None and not care_team.log_access(current_user.id, connection_id, what):
        abort(404)
    found = care_team.practitioners_connection(current_user.id, connection_id)
    if found is None:
        abort(404)
    g.connection, g.patient = found


def register(app):
    """Run the guard before every request (before any blueprint's own checks)."""
    app.before_request(guard)
