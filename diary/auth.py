"""Sign up, log in, log out, confirm the password (PRODUCT.md section 6).

Plain forms like every other page: ``request.form`` in, one validation path in
``services.accounts``, errors by field name out; CSRFProtect checks every POST.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .access import home_for
from .core import i18n
from .core.extensions import limiter
from .core.logs import log_event, log_success
from .http import (
    begin_code_step,
    code_step,
    code_step_key,
    leave_diary,
    mark_fresh,
    safe_next,
    start_session,
)
from .services import accounts, email_links, push, totp
from .validation import ValidationError

bp = Blueprint("auth", __name__)


def _next_page(user):
    """Where to go after logging in or confirming: ``?next=`` if it is a path here, else home."""
    return safe_next(request.args.get("next")) or home_for(user)


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
            return redirect(_next_page(current_user), code=303)
        errors["password"] = _("The password is not right.")
        log_event("confirm_failed")
    return render_template("auth/confirm.html", errors=errors), 422 if errors else 200


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"], methods=["POST"])
def register():
    """Create an account with the browser's time zone and land on today's view."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = request.form
    values = {
        name: form.get(name, "")
        for name in ("email", "timezone", "role", "practice", "display_name")
    }
    errors = {}
    if request.method == "POST":
        try:
            user = accounts.register(
                form.get("email", ""),
                form.get("password", ""),
                form.get("timezone", ""),
                form.get("confirm"),
                role=form.get("role") or "patient",
                practice=form.get("practice", ""),
                display_name=form.get("display_name", ""),
                locale=i18n.browser_locale(),
            )
        except ValidationError as error:
            errors = error.fields
        else:
            start_session(user)
            email_links.send_verification(user)
            if user.is_practitioner:
                flash(
                    _("Welcome! Give patients your connect code to see their diaries."), "success"
                )
            else:
                flash(_("Welcome! Log how your pain is right now."), "success")
            return redirect(home_for(user), code=303)
    return (
        render_template("auth/register.html", values=values, errors=errors),
        422 if errors else 200,
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = request.form
    values = {"email": form.get("email", ""), "remember": bool(form.get("remember"))}
    errors = {}
    if request.method == "POST":
        email, user = accounts.account_for_login(form.get("email", ""))
        if accounts.verify_password(user, form.get("password", ""), email):
            if user.totp_enabled:  # the session starts only once the code is right
                begin_code_step(user, values["remember"], safe_next(request.args.get("next")))
                return redirect(url_for("auth.login_code"), code=303)
            start_session(user, remember=values["remember"])
            log_success("login", user.id, remember=values["remember"])
            return redirect(_next_page(user), code=303)
        errors["password"] = _("Email or password is not right.")
        # The account's pseudonym when the address has one; never the address typed.
        log_event("login_failed", user_id=user.id if user else None)
    return (
        render_template("auth/login.html", values=values, errors=errors),
        422 if errors else 200,
    )


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere: the nonce in every copy of the cookie stops matching.

    The page sends this device's push endpoint with the logout (``push_endpoint``): its
    subscription is deleted, so a shared phone stops showing this patient's reminders.
    """
    push.unsubscribe(current_user.id, request.form.get("push_endpoint"))
    accounts.end_all_logins(current_user)
    log_success("logout")
    return leave_diary(_("You are logged out."))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"], key_func=code_step_key)
def login_code():
    """The second step of a two-factor login: a TOTP code or an unused recovery code."""
    pending = code_step()
    if pending is None:
        flash(_("Log in again: the code step had expired."), "info")
        return redirect(url_for("auth.login"), code=303)
    user, remember, next_page = pending
    errors = {}
    if request.method == "POST":
        if totp.check_login_code(user, request.form.get("code", "")):
            start_session(user, remember=remember)
            log_success("login", user.id, remember=remember, second_factor=True)
            return redirect(next_page or home_for(user), code=303)
        errors["code"] = _(
            "The code is not right, or was used already: type the code your app shows now."
        )
        log_event("login_code_failed", user_id=user.id)
    return render_template("auth/code.html", errors=errors), 422 if errors else 200
