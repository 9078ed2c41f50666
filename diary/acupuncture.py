"""The acupuncture session log: log, list, edit, delete (HTML, works without JavaScript)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .core.timeutil import zone
from .http import is_shell
from .records import SESSION
from .records import service as records
from .records.forms import own_or_404, save_form, values_after, vocabulary

bp = Blueprint("acupuncture", __name__)


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in patient."""


def _form(values, errors=None, notice="", status=200):
    """The session form: a new session, or an edit of one (``values["version"]`` set)."""
    words = vocabulary()[0]
    return (
        render_template(
            "acupuncture/form.html",
            values=values,
            errors=errors or {},
            notice=notice,
            editing=values.get("version") is not None,
            vocabulary=words,
        ),
        status,
    )


@bp.get("/sessions")
def sessions():
    """Every session, newest first; after a save, what was saved and "Log another session"."""
    words = vocabulary()[0]
    found = records.list_between(SESSION, current_user.id)
    saved_id = request.args.get("saved")
    numbered = list(enumerate(found, start=1))
    saved = next((pair for pair in numbered if pair[1].id == saved_id), None)
    return render_template(
        "acupuncture/sessions.html",
        numbered=list(reversed(numbered)),
        saved=saved,
        technique_labels={item["key"]: item["label"] for item in words["techniques"]},
        tz=zone(current_user.timezone),
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
@bp.post("/sessions", endpoint="create_session")  # forms kept by an earlier service worker
def new_session():
    """Log a session; practitioner, techniques and points are carried from the last one.

    The service worker keeps a data-free copy for offline use (``is_shell``): blank, nothing
    carried from the diary.
    """
    if request.method == "POST":
        result = save_form(SESSION, request.form)
        if result.record is not None:
            return redirect(url_for("acupuncture.sessions", saved=result.record.id), code=303)
        values = values_after(SESSION, request.form, result)
        return _form(values, result.errors, result.notice, status=422)
    last = None if is_shell() else records.latest(SESSION, current_user.id)
    return _form(SESSION.form_values(carry_from=last))


@bp.route("/sessions/<session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id):
    """Change a session."""
    session = own_or_404(SESSION, session_id)
    if request.method == "POST":
        result = save_form(SESSION, request.form, session, request.form.get("version"))
        if result.record is not None:
            flash(_("Session updated."), "success")
            return redirect(url_for("acupuncture.sessions"), code=303)
        values = values_after(SESSION, request.form, result, session)
        return _form(values, result.errors, result.notice, status=422)
    return _form(SESSION.form_values(session, current_user.timezone))


@bp.route("/sessions/<session_id>/delete", methods=["GET", "POST"])
def delete_session(session_id):
    """Ask, then delete a session."""
    session = own_or_404(SESSION, session_id)
    if request.method == "POST":
        records.remove(session)
        flash(_("Session deleted."), "success")
        return redirect(url_for("acupuncture.sessions"), code=303)
    return render_template(
        "acupuncture/delete.html",
        session=session,
        number=records.number_of(SESSION, session),
        tz=zone(current_user.timezone),
    )
