"""/api/v1/me and /api/v1/vocabulary: the patient's profile and words."""

from flask import current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..core import mailer
from ..core.errors import api_error
from ..core.extensions import db, limiter
from ..core.logs import log_event, log_success
from ..http import FORGET_THIS_DIARY, account_key, is_fresh, json_body, mark_fresh
from ..services import accounts, email_links, terms
from ..validation import clean_profile
from . import bp


def me_dict(user):
    """The profile in its API shape, with a CSRF token for unsafe requests."""
    shape = {
        "email": user.email,
        "display_name": user.display_name,
        "timezone": user.timezone,
        "locale": user.locale,
        "email_verified": user.email_verified,
        "role": user.role,
        "csrf_token": generate_csrf(),
    }
    if user.is_practitioner:
        shape["practice"] = user.practice
    return shape


@bp.get("/me")
def me():
    """The logged-in patient."""
    return me_dict(current_user)


@bp.patch("/me")
def update_me():
    """Change the time zone, display name, locale and/or e-mail address (a new address needs a
    password typed in the last 15 minutes, and is unverified until its link is opened)."""
    body = json_body()
    profile = {k: v for k, v in body.items() if k != "email"} if isinstance(body, dict) else body
    changes = clean_profile(profile)
    if isinstance(body, dict) and "email" in body:
        if not is_fresh():
            return api_error(
                401,
                _(
                    "Confirm your password first (POST /api/v1/me/confirm): changing the e-mail "
                    "address needs it within the last 15 minutes."
                ),
            )
        if accounts.change_email(current_user, body["email"]):
            email_links.send_verification(current_user)
    for name, value in changes.items():
        setattr(current_user, name, value)
    db.session.commit()
    return me_dict(current_user)


@bp.post("/me/verify-email")
@limiter.limit(lambda: current_app.config["RATELIMIT_VERIFY_EMAIL"], key_func=account_key)
def verify_email():
    """Send a new verification link to the patient's address: 202; 409 when it is confirmed
    already or e-mail is off on this server (the message says which)."""
    if current_user.email_verified:
        return api_error(409, _("This address is confirmed already."))
    if not mailer.enabled():
        return api_error(409, _("E-mail is off on this server: no link can be sent."))
    email_links.send_verification(current_user)
    log_success("verification_requested")
    return {"sent": True}, 202


@bp.delete("/me")
def delete_me():
    """Delete the account and everything in it, after the password is given again."""
    body = json_body()
    password = body.get("password") if isinstance(body, dict) else None
    if not isinstance(password, str) or not password:
        return api_error(
            422, _("Enter your password to delete the account."), {"password": _("is required")}
        )
    if not accounts.verify_password(current_user, password):
        log_event("delete_refused")
        return api_error(422, _("The password is not right."), {"password": _("is not right")})
    accounts.delete_account(current_user)
    logout_user()
    return "", 204, {"Clear-Site-Data": FORGET_THIS_DIARY}


@bp.post("/me/confirm")
def confirm_password():
    """Type the password again: exports and share links need it within 15 minutes."""
    body = json_body()
    password = body.get("password") if isinstance(body, dict) else None
    if not isinstance(password, str) or not accounts.verify_password(current_user, password):
        log_event("confirm_failed")
        return api_error(422, _("The password is not right."), {"password": _("is not right")})
    mark_fresh()
    log_success("password_confirmed")
    return "", 204


@bp.get("/vocabulary")
def vocabulary():
    """Built-in and custom keys of every category."""
    return terms.vocabulary_for(current_user.id)


@bp.post("/vocabulary/<category>")
def add_vocabulary(category):
    """Add the patient's own item to a category."""
    body = json_body()
    try:
        term = terms.add_term(
            current_user.id, category, body.get("label") if isinstance(body, dict) else None
        )
    except KeyError:
        return api_error(404, _("There is no category %(name)s to add to.", name=repr(category)))
    return jsonify(term), 201
