"""The acupuncture session log: log, list, edit, delete (HTML, works without JavaScript)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .core.timeutil import zone
from .records import SESSION
from .records import service as records
from .records.forms import save_form, vocabulary

bp = Blueprint("acupuncture", __name__)


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in patient."""


def _page(values, errors=None, notice="", status=200, sessions=None):
    """The sessions page: the form (new or edit) above the list of all sessions."""
    words, _ = vocabulary()
    if sessions is None:
        sessions = records.list_between(SESSION, current_user.id)
    techniques = {item["key"]: item["label"] for item in words["techniques"]}
    return (
        render_template(
            "acupuncture/sessions.html",
            values=values,
            errors=errors or {},
            notice=notice,
            editing=values.get("version") is not None,
            numbered=list(reversed(list(enumerate(sessions, start=1)))),
            vocabulary=words,
            technique_labels=techniques,
            tz=zone(current_user.timezone),
        ),
        status,
    )


@bp.route("/sessions", methods=["GET", "POST"])
def sessions():
    """List sessions and log a new one."""
    if request.method == "POST":
        result = save_form(SESSION, request.form)
        if result.record is not None:
            flash("Session saved.", "success")
            return redirect(url_for("acupuncture.sessions"), code=303)
        values = SESSION.submitted_values(request.form)
        values["version"] = None
        if result.errors.get("form") == "already saved":
            values["id"] = SESSION.form_values()["id"]
        return _page(values, result.errors, result.notice, status=422)
    sessions = records.list_between(SESSION, current_user.id)  # once, for the form and the list
    last = sessions[-1] if sessions else None
    return _page(SESSION.form_values(carry_from=last), sessions=sessions)


def _own_session(session_id):
    session = records.get(SESSION, current_user.id, session_id, request.method == "POST")
    if session is None:
        abort(404)
    return session


@bp.route("/sessions/<session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id):
    """Change a session."""
    session = _own_session(session_id)
    if request.method == "POST":
        result = save_form(SESSION, request.form, session, request.form.get("version"))
        if result.record is not None:
            flash("Session updated.", "success")
            return redirect(url_for("acupuncture.sessions"), code=303)
        values = SESSION.submitted_values(request.form)
        values["id"] = session.id
        values["version"] = result.current_version or values.get("version") or session.version
        return _page(values, result.errors, result.notice, status=422)
    return _page(SESSION.form_values(session, current_user.timezone))


@bp.route("/sessions/<session_id>/delete", methods=["GET", "POST"])
def delete_session(session_id):
    """Ask, then delete a session."""
    session = _own_session(session_id)
    if request.method == "POST":
        records.remove(session)
        flash("Session deleted.", "success")
        return redirect(url_for("acupuncture.sessions"), code=303)
    return render_template(
        "acupuncture/delete.html",
        session=session,
        number=records.number_of(SESSION, session),
        tz=zone(current_user.timezone),
    )
