"""The account page: profile and time zone, the patient's own words, deleting everything."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .core import i18n, mailer
from .core.extensions import db, limiter
from .core.logs import log_event
from .core.templating import qr_svg
from .core.timeutil import timezone_names
from .http import (
    DOWNLOADS,
    account_key,
    fresh_login_required,
    leave_diary,
    restore_limit,
    start_session,
    uploaded_document,
)
from .services import accounts, backup, email_links, terms
from .services import totp as totp_service
from .validation import ValidationError, clean_profile
from .vocabulary import CUSTOMISABLE

bp = Blueprint("account", __name__)
CATEGORY_NAMES = {
    "pain_types": _l("What it feels like"),
    "triggers": _l("What triggered it"),
    "relievers": _l("What eased it"),
    "techniques": _l("Acupuncture techniques"),
}
# One whole sentence per list: the list's name is not glued into another sentence.
ADDED_TO = {
    "pain_types": _l("Added “%(label)s” to what it feels like."),
    "triggers": _l("Added “%(label)s” to what triggered it."),
    "relievers": _l("Added “%(label)s” to what eased it."),
    "techniques": _l("Added “%(label)s” to acupuncture techniques."),
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
            own_terms=terms.custom_terms(current_user.id),
            categories=CATEGORY_NAMES,
            email_enabled=mailer.enabled(),
        ),
        status,
    )


@bp.get("/account")
def account():
    """Profile, own words and account deletion."""
    return _page()


@bp.post("/account/profile")
def profile():
    """Save the display name, time zone and language."""
    data = {
        "display_name": request.form.get("display_name", ""),
        "timezone": request.form.get("timezone", ""),
        "locale": request.form.get("locale", ""),
    }
    try:
        changes = clean_profile(data)
    except ValidationError as error:
        return _page(error.fields, data, 422)
    for name, value in changes.items():
        setattr(current_user, name, value)
    db.session.commit()
    i18n.refresh()  # the message below is in the language just chosen
    flash(_("Profile saved."), "success")
    return redirect(url_for("account.account"), code=303)


@bp.post("/account/verify-email")
@limiter.limit(lambda: current_app.config["RATELIMIT_VERIFY_EMAIL"], key_func=account_key)
def send_verification():
    """Send the address confirmation link again."""
    if not current_user.email_verified and email_links.send_verification(current_user):
        message = _("A confirmation link is on its way to %(email)s.", email=current_user.email)
        flash(message, "success")
    return redirect(url_for("account.account") + "#email", code=303)


@bp.post("/account/email")
def change_email():
    """Change the e-mail address (password typed again); the new one must be confirmed."""
    values = {"new_email": request.form.get("new_email", "")}
    if not accounts.verify_password(current_user, request.form.get("password", "")):
        log_event("email_change_refused")
        return _page({"email_password": _("The password is not right.")}, values, 422)
    try:
        changed = accounts.change_email(current_user, values["new_email"])
    except ValidationError as error:
        return _page({"new_email": error.fields["email"]}, values, 422)
    if changed:
        email_links.send_verification(current_user)
        flash(
            _(
                "Your e-mail address is now %(email)s. Open the link we sent to it to confirm it.",
                email=current_user.email,
            ),
            "success",
        )
    return redirect(url_for("account.account") + "#email", code=303)


@bp.post("/account/terms")
def add_term():
    """Add one of the patient's own words to a list."""
    category = request.form.get("category", "")
    if category not in CUSTOMISABLE:
        return _page({"category": _("Choose the list it belongs in.")}, dict(request.form), 422)
    try:
        term = terms.add_term(current_user.id, category, request.form.get("label"))
    except ValidationError as error:
        return _page({"term_label": error.fields["label"]}, dict(request.form), 422)
    flash(ADDED_TO[category] % {"label": term["label"]}, "success")
    return redirect(url_for("account.account"), code=303)


@bp.post("/account/terms/<term_id>/rename")
def rename_term(term_id):
    """Give one of the patient's own words a new label (every record shows the new words)."""
    term = terms.own_term(current_user.id, term_id)
    if term is None:
        abort(404)
    old = term.label
    try:
        terms.rename_term(term, request.form.get("label"))
    except ValidationError as error:
        return _page({f"term-{term.id}": error.fields["label"]}, dict(request.form), 422)
    flash(_("Renamed “%(old)s” to “%(new)s”.", old=old, new=term.label), "success")
    return redirect(url_for("account.account") + "#own-words", code=303)


@bp.post("/account/terms/<term_id>/delete")
def delete_term(term_id):
    """Remove one of the patient's own words, unless an entry or session still uses it."""
    term = terms.own_term(current_user.id, term_id)
    if term is None:
        abort(404)
    try:
        terms.delete_term(term)
    except ValidationError as error:
        return _page({f"term-{term.id}": error.fields["label"]}, status=422)
    flash(_("Removed “%(label)s”.", label=term.label), "success")
    return redirect(url_for("account.account") + "#own-words", code=303)


@bp.post("/account/delete")
def delete():
    """Delete the account and everything in it, once the password is typed again."""
    if not accounts.verify_password(current_user, request.form.get("password", "")):
        log_event("delete_refused")
        return _page({"delete_password": _("The password is not right.")}, status=422)
    accounts.delete_account(current_user)
    return leave_diary(_("Your account and all its data are deleted."))


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
            start_session(current_user._get_current_object(), remember=session.permanent)
            flash(_("Password changed. Other devices have been logged out."), "success")
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
@restore_limit
def restore():
    """Bring a backup file back: nothing is duplicated, and a bad file changes nothing."""
    try:
        counts = backup.restore_backup(current_user, uploaded_document())
    except ValidationError as error:
        first = next(iter(error.fields.items()), ("file", ""))
        return _page({"file": f"{error.message} ({first[0]}: {first[1]})"}, status=422)
    except backup.BackupConflict as conflict:
        return _page({"file": conflict.message}, status=409)
    # Translators: three counts in one sentence; write it so any number fits ("entries: 3").
    message = _(
        "Restored %(entries)d new entries, %(sessions)d sessions and %(words)d own words; "
        "everything else was already here.",
        entries=counts["entries"],
        sessions=counts["sessions"],
        words=counts["vocabulary"],
    )
    flash(message, "success")
    return redirect(url_for("account.account"), code=303)


def _totp_page(errors=None, codes=None, status=200):
    setup = None
    if current_user.totp_pending and not current_user.totp_enabled:
        url = totp_service.otpauth_url(current_user, current_user.totp_pending)
        setup = {
            "secret": current_user.totp_pending,
            "qr": qr_svg(url, _("QR code for your authenticator app")),
        }
    return (
        render_template(
            "account/totp.html",
            errors=errors or {},
            setup=setup,
            codes=codes,
            left=totp_service.recovery_codes_left(current_user) if current_user.totp_enabled else 0,
        ),
        status,
    )


@bp.get("/account/totp")
def totp():
    """Two-factor login: on or off, and setting it up."""
    return _totp_page()


@bp.post("/account/totp/start")
def totp_start():
    """Make a new secret and show its QR code for the authenticator app."""
    try:
        totp_service.start(current_user)
    except totp_service.AlreadyOn:
        flash(_("Two-factor login is already on."), "info")
    return redirect(url_for("account.totp"), code=303)


@bp.post("/account/totp/confirm")
def totp_confirm():
    """Turn it on with the first code; the recovery codes are shown on this answer only."""
    try:
        codes = totp_service.confirm(current_user, request.form.get("code", ""))
    except ValidationError as error:
        return _totp_page(error.fields, status=422)
    return _totp_page(codes=codes)


@bp.post("/account/totp/off")
def totp_off():
    """Turn two-factor login off, once the password is typed again."""
    if not accounts.verify_password(current_user, request.form.get("password", "")):
        log_event("totp_off_refused")
        return _totp_page({"password": _("The password is not right.")}, status=422)
    totp_service.turn_off(current_user)
    flash(_("Two-factor login is off."), "success")
    return redirect(url_for("account.account"), code=303)
