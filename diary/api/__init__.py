"""The JSON API under /api/v1 (PRODUCT.md section 6)."""

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import api_error
from ..core.extensions import limiter
from ..http import account_key
from ..validation import ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC_ENDPOINTS = {"api.openapi"}

# Per address and per patient, each one budget shared by every API route (a limit per route
# would multiply it by the number of routes); the numbers are settings (RATELIMIT_API_*).
limiter.shared_limit(lambda: current_app.config["RATELIMIT_API_PER_IP"], scope="api-address")(bp)
limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_API_PER_ACCOUNT"],
    scope="api-patient",
    key_func=account_key,
)(bp)


@bp.before_request
def require_login():
    """Every API route but the OpenAPI document needs a session: 401 JSON, never a redirect."""
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return api_error(401, _("Log in first: this API uses the session cookie."))
    return None


@bp.after_request
def no_store(response):
    """API answers hold health data: never cache them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ValidationError)
def validation_failed(error):
    """422 with a message per field."""
    return api_error(422, error.message, error.fields)


from . import (  # noqa: E402,F401  (routes attach themselves to bp)
    care_team,
    exports,
    me,
    openapi,
    practice,
    push,
    questionnaires,
    records,
    reminders,
    shares,
    totp,
    trends,
)
