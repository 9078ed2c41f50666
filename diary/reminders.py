"""The /reminders page (set reminders up, turn on notifications, send a test) and the
one-click unsubscribe of reminder e-mails (RFC 8058)."""

from babel.dates import get_day_names
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .core import mailer
from .core.extensions import csrf, db
from .core.logs import log_success
from .core.timeutil import utcnow, zone
from .services import email_links, reminders
from .services.email_links import LinkProblem
from .validation import ValidationError

bp = Blueprint("reminders", __name__)
KIND_NAMES = {"log": _l("Log my pain"), "check_in": _l("Check-in questions")}


def _day_names():
    """``{"mon": "Mon", ...}`` in the page's language (Babel's abbreviated weekday names)."""
    names = get_day_names("abbreviated", locale=get_locale())  # 0 is Monday
    return {key: names[index] for index, key in enumerate(reminders.DAYS)}


def _form_reminder():
    """The reminder form as the API's body (one cleaner for both)."""
    form = request.form
    return {
        "kind": form.get("kind", "log"),
        "local_time": form.get("local_time", ""),
        "days": form.getlist("days"),
        "channels": form.getlist("channels"),
        "enabled": form.get("enabled") == "y",
    }


def _page(errors=None, values=None, status=200, editing=None):
    rows = reminders.reminders_of(current_user.id)
    now = utcnow()
    tz = zone(current_user.timezone)
    upcoming = {}
    for row in rows:
        due = reminders.next_due(row, current_user.timezone, now)
        upcoming[row.id] = due.astimezone(tz) if due else None
    return (
        render_template(
            "reminders/reminders.html",
            rows=rows,
            upcoming=upcoming,
            errors=errors or {},
            values=values,
            editing=editing,
            day_names=_day_names(),
            kind_names=KIND_NAMES,
            max_reminders=reminders.MAX_REMINDERS,
            email_enabled=mailer.enabled(),
        ),
        status,
    )


@bp.get("/reminders")
@login_required
def reminders_page():
    """Reminders, this device's notifications and the e-mail state."""
    return _page()


@bp.post("/reminders")
@login_required
def create():
    """Add a reminder from the form."""
    values = _form_reminder()
    try:
        reminders.create(current_user.id, reminders.clean_reminder(values))
    except ValidationError as error:
        return _page(error.fields, values, 422)
    flash(_("Reminder set for %(time)s.", time=values["local_time"]), "success")
    return redirect(url_for("reminders.reminders_page"), code=303)


@bp.post("/reminders/<reminder_id>")
@login_required
def update(reminder_id):
    """Change a reminder from its form."""
    reminder = reminders.own_reminder(current_user.id, reminder_id)
    if reminder is None:
        abort(404)
    values = _form_reminder()
    try:
        reminders.replace(reminder, reminders.clean_reminder(values))
    except ValidationError as error:
        db.session.rollback()
        return _page(error.fields, values, 422, editing=reminder_id)
    flash(_("Reminder saved."), "success")
    return redirect(url_for("reminders.reminders_page"), code=303)


@bp.post("/reminders/<reminder_id>/delete")
@login_required
def delete(reminder_id):
    """Delete a reminder."""
    reminder = reminders.own_reminder(current_user.id, reminder_id)
    if reminder is None:
        abort(404)
    reminders.remove(reminder)
    flash(_("Reminder deleted."), "success")
    return redirect(url_for("reminders.reminders_page"), code=303)


@bp.post("/reminders/email-on")
@login_required
def email_on():
    """Turn reminder e-mails on again after a one-click unsubscribe."""
    current_user.reminder_emails_off = False
    db.session.commit()
    flash(_("Reminder e-mails are on again."), "success")
    return redirect(url_for("reminders.reminders_page"), code=303)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs with no cookie; the signed token is the proof
def unsubscribe(token):
    """Stop reminder e-mails: a page with a button (GET), or one click (POST)."""
    try:
        user = email_links.user_to_unsubscribe(token)
    except LinkProblem:
        return render_template("reminders/unsubscribed.html", done=False, invalid=True), 404
    if request.method == "POST":
        email_links.stop_reminder_emails(user)
        log_success("reminder_emails_stopped", user.id)
        return render_template("reminders/unsubscribed.html", done=True, invalid=False)
    return render_template("reminders/unsubscribed.html", done=False, invalid=False)
