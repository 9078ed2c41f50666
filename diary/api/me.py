"""/api/v1/me and /api/v1/vocabulary: the patient's profile and words."""

from flask import jsonify
from flask_login import current_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..core.errors import api_error
from ..core.extensions import db
from ..core.logs import log_event, log_success
from ..http import FORGET_THIS_DIARY, json_body, mark_fresh
from ..services import accounts, terms
from ..validation import clean_profile
from . import bp


def me_dict(user):
    """The profile in its API shape, with a CSRF token for unsafe requests."""
    shape = {
        "email": user.email,
        "display_name": user.display_name,
        "timezone": user.timezone,
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
    """Change the time zone and/or display name."""
    changes = clean_profile(json_body())
    for name, value in changes.items():
        setattr(current_user, name, value)
    db.session.commit()
    return me_dict(current_user)


@bp.delete("/me")
def delete_me():
    """Delete the account and everything in it, after the password is given again."""
    body = json_body()
    password = body.get("password") if isinstance(body, dict) else None
    if not isinstance(password, str) or not password:
        return api_error(
            422, "Enter your password to delete the account.", {"password": "is required"}
        )
    if not accounts.verify_password(current_user, password):
        log_event("delete_refused")
        return api_error(422, "The password is not right.", {"password": "is not right"})
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
        return api_error(422, "The password is not right.", {"password": "is not right"})
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
        return api_error(404, f"There is no category {category!r} to add to.")
    return jsonify(term), 201
