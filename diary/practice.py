"""The practitioner's workspace: the dashboard of connected patients (PRODUCT.md section 13)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .core.templating import qr_svg
from .http import connect_url
from .services import care_team

bp = Blueprint("practice", __name__)


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in practitioner (``access.guard`` checks the role)."""


@bp.get("/practice")
def dashboard():
    """Every connected patient, those needing attention first."""
    return render_template("practice/dashboard.html", patients=[], user=current_user)


@bp.after_request
def no_store(response):
    """Practitioner pages hold patients' health data: never kept by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/practice/code")
def code():
    """The connect code to give patients, with its QR code, printable on A5 for the desk."""
    current = care_team.code_of(current_user)
    url = connect_url(current)
    return render_template(
        "practice/code.html",
        code=care_team.grouped(current),
        url=url,
        qr=qr_svg(url, "QR code to connect to your practitioner"),
    )


@bp.post("/practice/code")
def new_code():
    """Replace the connect code: the old one (and its printed QR code) stops working at once."""
    care_team.replace_code(current_user)
    flash("New code made: the old one no longer works. Print the new one.", "success")
    return redirect(url_for("practice.code"), code=303)
