"""Sign up, log in, log out, confirm the password (PRODUCT.md section 6).

Plain forms like every other page: ``request.form`` in, one validation path in
``services.accounts``, errors by field name out; CSRFProtect checks every POST.
"""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .core.extensions import limiter
from .core.logs import log_event
from .http import FORGET_THIS_DIARY, mark_fresh
from .services import accounts
from .validation import ValidationError

bp = Blueprint("auth", __name__)
REMEMBER_FOR = timedelta(days=30)


def _safe_next(target):
    """Only same-site paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("entries.today")


def _start_session(user, remember=False):
    session.clear()  # nothing from before login survives into the new session
    login_user(user, remember=remember, duration=REMEMBER_FOR)
    mark_fresh()


@bp.route("/confirm-password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", methods=["POST"])
def confirm():
    """Type the password again before exports and share links."""
    errors = {}
    if request.method == "POST":
        if accounts.verify_password(current_user, request.form.get("password", "")):
            mark_fresh()
            return redirect(_safe_next(request.args.get("next")), code=303)
        errors["password"] = "is not right"  # noqa: S105 - a message, not a password
        log_event("confirm_failed")
    return render_template("auth/confirm.html", errors=errors), 422 if errors else 200


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    """Create an account with the browser's time zone and land on today's view."""
    if current_user.is_authenticated:
        return redirect(url_for("entries.today"))
    form = request.form
    values = {"email": form.get("email", ""), "timezone": form.get("timezone", "")}
    errors = {}
    if request.method == "POST":
        try:
            user = accounts.register(
                form.get("email", ""),
                form.get("password", ""),
                form.get("timezone", ""),
                form.get("confirm"),
            )
        except ValidationError as error:
            errors = error.fields
        else:
            _start_session(user)
            flash("Welcome! Log how your pain is right now.", "success")
            return redirect(url_for("entries.today"), code=303)
    return (
        render_template("auth/register.html", values=values, errors=errors),
        422 if errors else 200,
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("entries.today"))
    form = request.form
    values = {"email": form.get("email", ""), "remember": bool(form.get("remember"))}
    errors = {}
    if request.method == "POST":
        user = accounts.authenticate(form.get("email", ""), form.get("password", ""))
        if user is not None:
            _start_session(user, remember=values["remember"])
            return redirect(_safe_next(request.args.get("next")), code=303)
        errors["password"] = "Email or password is not right."  # noqa: S105 - a message
        log_event("login_failed")  # no address: nothing identifying goes to the logs
    return (
        render_template("auth/login.html", values=values, errors=errors),
        422 if errors else 200,
    )


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere: the nonce in every copy of the cookie stops matching."""
    accounts.end_all_logins(current_user)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    response = redirect(url_for("auth.login"), code=303)
    response.headers["Clear-Site-Data"] = FORGET_THIS_DIARY
    return response
