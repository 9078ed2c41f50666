"""The practitioner's workspace: the dashboard of connected patients (PRODUCT.md section 13)."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

bp = Blueprint("practice", __name__)


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in practitioner (``access.guard`` checks the role)."""


@bp.get("/practice")
def dashboard():
    """Every connected patient, those needing attention first."""
    return render_template("practice/dashboard.html", patients=[], user=current_user)


@bp.get("/practice/code")
def code():
    """The connect code to give patients, printable for the clinic desk (A5)."""
    return render_template("practice/code.html")
