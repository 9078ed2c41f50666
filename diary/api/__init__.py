"""The JSON API under /api/v1 (PRODUCT.md section 6)."""

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..core.errors import api_error
from ..core.extensions import limiter
from ..validation import ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC_ENDPOINTS = {"api.openapi"}


def account_key():
    """Rate-limit key: the patient when logged in, else the client address."""
    if current_user.is_authenticated:
        return "patient:" + str(current_user.id)
    return "ip:" + (get_remote_address() or "unknown")


# Per address and per patient; the numbers are settings (RATELIMIT_API_*).
limiter.limit(lambda: current_app.config["RATELIMIT_API_PER_IP"])(bp)
limiter.limit(lambda: current_app.config["RATELIMIT_API_PER_ACCOUNT"], key_func=account_key)(bp)


@bp.before_request
def require_login():
    """Every API route but the OpenAPI document needs a session: 401 JSON, never a redirect."""
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return api_error(401, "Log in first: this API uses the session cookie.")
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
    exports,
    me,
    openapi,
    records,
    shares,
    trends,
)
