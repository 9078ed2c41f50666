"""Sign up, log in, log out, confirm the password (PRODUCT.md section 6).

Plain forms like every other page: ``request.form`` in, one validation path in
``services.accounts``, errors by field name out; CSRFProtect checks every POST.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .core.extensions import limiter
from .core.logs import log_event, log_success
from .http import leave_diary, mark_fresh, safe_next, start_session
from .services import accounts
from .validation import ValidationError

bp = Blueprint("auth", __name__)


def _next_page():
    """Where to go after logging in or confirming: ``?next=`` if it is a path here, else today."""
    return safe_next(request.args.get("next")) or url_for("entries.today")


@bp.route("/confirm-password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_CONFIRM"], methods=["POST"])
def confirm():
    """Type the password again before exports and share links."""
    errors = {}
    if request.method == "POST":
        if accounts.verify_password(current_user, request.form.get("password", "")):
            mark_fresh()
            log_success("password_confirmed")
            return redirect(_next_page(), code=303)
        errors["password"] = "is not right"  # noqa: S105 - a message, not a password
        log_event("confirm_failed")
    return render_template("auth/confirm.html", errors=errors), 422 if errors else 200


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"], methods=["POST"])
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
            start_session(user)
            flash("Welcome! Log how your pain is right now.", "success")
            return redirect(url_for("entries.today"), code=303)
    return (
        render_template("auth/register.html", values=values, errors=errors),
        422 if errors else 200,
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("entries.today"))
    form = request.form
    values = {"email": form.get("email", ""), "remember": bool(form.get("remember"))}
    errors = {}
    if request.method == "POST":
        email, user = accounts.account_for_login(form.get("email", ""))
        if accounts.verify_password(user, form.get("password", ""), email):
            start_session(user, remember=values["remember"])
            log_success("login", user.id, remember=values["remember"])
            return redirect(_next_page(), code=303)
        errors["password"] = "Email or password is not right."  # noqa: S105 - a message
        # The account's pseudonym when the address has one; never the address typed.
        log_event("login_failed", user_id=user.id if user else None)
    return (
        render_template("auth/login.html", values=values, errors=errors),
        422 if errors else 200,
    )


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere: the nonce in every copy of the cookie stops matching."""
    accounts.end_all_logins(current_user)
    log_success("logout")
    return leave_diary("You are logged out.")
