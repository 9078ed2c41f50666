"""The account page: profile and time zone, the patient's own words, deleting everything."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .core.extensions import db
from .core.timeutil import timezone_names
from .http import (
    DOWNLOADS,
    FORGET_THIS_DIARY,
    fresh_login_required,
    mark_fresh,
    uploaded_document,
)
from .services import accounts, backup, terms
from .validation import ValidationError, clean_profile
from .vocabulary import CUSTOMISABLE

bp = Blueprint("account", __name__)
CATEGORY_NAMES = {
    "pain_types": "What it feels like",
    "triggers": "What set it off",
    "relievers": "What helped",
    "techniques": "Acupuncture techniques",
}


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in patient."""


def _page(errors=None, values=None, status=200):
    return (
        render_template(
            "account/account.html",
            errors=errors or {},
            values=values or {},
            timezones=timezone_names(),
            vocabulary=terms.vocabulary_for(current_user.id),
            categories=CATEGORY_NAMES,
        ),
        status,
    )


@bp.get("/account")
def account():
    """Profile, own words and account deletion."""
    return _page()


@bp.post("/account/profile")
def profile():
    """Save the display name and time zone."""
    data = {
        "display_name": request.form.get("display_name", ""),
        "timezone": request.form.get("timezone", ""),
    }
    try:
        changes = clean_profile(data)
    except ValidationError as error:
        return _page(error.fields, data, 422)
    for name, value in changes.items():
        setattr(current_user, name, value)
    db.session.commit()
    flash("Profile saved.", "success")
    return redirect(url_for("account.account"), code=303)


@bp.post("/account/terms")
def add_term():
    """Add one of the patient's own words to a list."""
    category = request.form.get("category", "")
    if category not in CUSTOMISABLE:
        return _page({"category": "Choose the list it belongs in."}, dict(request.form), 422)
    try:
        term = terms.add_term(current_user.id, category, request.form.get("label"))
    except ValidationError as error:
        return _page({"term_label": error.fields["label"]}, dict(request.form), 422)
    flash(f"Added “{term['label']}” to {CATEGORY_NAMES[category].lower()}.", "success")
    return redirect(url_for("account.account"), code=303)


@bp.post("/account/delete")
def delete():
    """Delete the account and everything in it, once the password is typed again."""
    if not accounts.verify_password(current_user, request.form.get("password", "")):
        return _page({"delete_password": "is not right"}, status=422)
    accounts.delete_account(current_user)
    logout_user()
    session.clear()
    flash("Your account and all its data are deleted.", "info")
    response = redirect(url_for("auth.login"), code=303)
    response.headers["Clear-Site-Data"] = FORGET_THIS_DIARY
    return response


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    """Change the password; every other device is logged out, this one stays in."""
    errors = {}
    if request.method == "POST":
        try:
            accounts.change_password(
                current_user,
                request.form.get("current_password", ""),
                request.form.get("new_password", ""),
                request.form.get("confirm_password"),
            )
        except ValidationError as error:
            errors = error.fields
        else:
            session.clear()
            login_user(current_user._get_current_object())
            mark_fresh()
            flash("Password changed. Other devices have been logged out.", "success")
            return redirect(url_for("account.account"), code=303)
    status = 422 if errors else 200
    return render_template("account/password.html", errors=errors), status


@bp.get("/account/export/<kind>")
@fresh_login_required
def export(kind):
    """Download the diary as CSV, FHIR or a full backup."""
    if kind not in DOWNLOADS:
        return _page(status=404)
    return DOWNLOADS[kind](current_user)


@bp.post("/account/restore")
def restore():
    """Bring a backup file back: nothing is duplicated, and a bad file changes nothing."""
    try:
        counts = backup.restore_backup(current_user, uploaded_document())
    except ValidationError as error:
        first = next(iter(error.fields.items()), ("file", ""))
        return _page({"file": f"{error.message} ({first[0]}: {first[1]})"}, status=422)
    except backup.BackupConflict as conflict:
        return _page({"file": conflict.message}, status=409)
    flash(
        f"Restored {counts['entries']} new entries, {counts['sessions']} sessions and "
        f"{counts['vocabulary']} own words; everything else was already here.",
        "success",
    )
    return redirect(url_for("account.account"), code=303)
