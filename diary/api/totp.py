"""/api/v1/me/totp: two-factor login for any account (PRODUCT.md section 13)."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import api_error
from ..core.logs import log_event
from ..http import json_body
from ..services import accounts, totp
from . import bp


def _field(name):
    body = json_body()
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


@bp.post("/me/totp")
def start_totp():
    """A new secret and its ``otpauth://`` URL; it is on once a code confirms it."""
    try:
        return jsonify(totp.start(current_user))
    except totp.AlreadyOn:
        return api_error(
            409, "Two-factor login is already on; turn it off first to set up a new phone."
        )


@bp.post("/me/totp/confirm")
def confirm_totp():
    """Turn two-factor login on with a code from the app: ten recovery codes, shown once."""
    codes = totp.confirm(current_user, _field("code"))
    return {"recovery_codes": codes}


@bp.delete("/me/totp")
def stop_totp():
    """Turn two-factor login off, after the password is given again."""
    if not accounts.verify_password(current_user, _field("password")):
        log_event("totp_off_refused")
        return api_error(422, _("The password is not right."), {"password": _("is not right")})
    totp.turn_off(current_user)
    return "", 204
