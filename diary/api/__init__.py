"""The JSON API under /api/v1 (PRODUCT.md section 6)."""

from flask import Blueprint, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from ..errors import api_error
from ..validation import ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC_ENDPOINTS = {"api.openapi"}

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

def json_body():
    """The request body parsed as JSON (any content type); malformed JSON is a 400."""
    data = request.get_json(force=True, silent=True)
    if data is None and request.get_data(cache=True).strip() not in (b"", b"null"):
        raise BadRequest("The body is not valid JSON.")
    return {} if data is None else data

from . import (  # noqa: E402,F401  (routes attach themselves to bp)
    me,
    openapi,
    records,
    shares,
    trends,
)
