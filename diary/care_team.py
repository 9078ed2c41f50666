"""The patient's care team: connect to a practitioner by code, see who reads what, disconnect."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .core.timeutil import zone
from .http import connect_limit
from .services import care_team

bp = Blueprint("care_team", __name__)
UNKNOWN_CODE = _l(
    "This code does not work. Check it with your practitioner: they may have replaced it."
)


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in patient (``access.guard`` checks the role)."""


def _page(errors=None, values=None, status=200):
    return (
        render_template(
            "care_team/care_team.html",
            team=care_team.care_team(current_user.id),
            what=care_team.WHAT,
            errors=errors or {},
            values=values or {},
            tz=zone(current_user.timezone),
        ),
        status,
    )


@bp.get("/care-team")
def care_team_page():
    """Who can see the diary, since when, with or without notes, and when they looked."""
    return _page()


@bp.post("/care-team")
@connect_limit
def enter_code():
    """A code typed on the care-team page leads to the consent page."""
    typed = request.form.get("code", "")
    try:
        care_team.practitioner_for_code(typed)
    except care_team.UnknownCode:
        return _page({"code": UNKNOWN_CODE}, {"code": typed}, 404)
    return redirect(url_for("care_team.connect", code=care_team.normalise_code(typed)), code=303)


@bp.route("/connect/<code>", methods=["GET", "POST"])
@connect_limit
def connect(code):
    """The consent page (GET), and connecting once the patient says so (POST)."""
    try:
        practitioner = care_team.practitioner_for_code(code)
    except care_team.UnknownCode:
        return render_template("care_team/unknown_code.html", message=UNKNOWN_CODE), 404
    existing = care_team.connection_between(current_user.id, practitioner.id)
    if request.method == "POST" and existing is None:
        include_notes = bool(request.form.get("include_notes"))
        try:
            care_team.connect(current_user, code, include_notes)
        except care_team.AlreadyConnected:
            pass  # the same consent sent twice (a double tap): connected either way
        flash(
            _("Connected: %(name)s can now see your diary.", name=practitioner.name_for_display),
            "success",
        )
        return redirect(url_for("care_team.care_team_page"), code=303)
    return (
        render_template(
            "care_team/consent.html",
            practitioner=practitioner,
            code=care_team.normalise_code(code),
            existing=existing,
        ),
        409 if existing is not None else 200,
    )


def _own_or_404(connection_id):
    connection = care_team.patients_connection(current_user.id, connection_id)
    if connection is None:
        return None, (
            render_template("error.html", status=404, description=_("No such connection.")),
            404,
        )
    return connection, None


@bp.post("/care-team/<connection_id>/notes")
def notes(connection_id):
    """Let this practitioner see notes, or stop them."""
    connection, missing = _own_or_404(connection_id)
    if missing:
        return missing
    care_team.set_include_notes(connection, bool(request.form.get("include_notes")))
    flash(
        _("Notes are shared.") if connection.include_notes else _("Notes are no longer shared."),
        "success",
    )
    return redirect(url_for("care_team.care_team_page"), code=303)


@bp.route("/care-team/<connection_id>/disconnect", methods=["GET", "POST"])
def disconnect(connection_id):
    """Ask, then end a connection: it takes effect on the practitioner's very next request."""
    connection, missing = _own_or_404(connection_id)
    if missing:
        return missing
    practitioner = care_team.practitioner_of(connection)
    if request.method == "GET":
        return render_template(
            "care_team/disconnect.html", practitioner=practitioner, connection=connection
        )
    care_team.disconnect(connection, current_user.id)
    flash(
        _(
            "Disconnected: %(name)s can no longer see your diary.",
            name=practitioner.name_for_display,
        ),
        "success",
    )
    return redirect(url_for("care_team.care_team_page"), code=303)
