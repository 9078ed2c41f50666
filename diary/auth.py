"""Sign up, log in, log out (PRODUCT.md section 6) and how Flask-Login finds the patient."""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField

from .core.extensions import limiter
from .core.logs import log_event
from .http import FORGET_THIS_DIARY, mark_fresh
from .services import accounts
from .validation import ValidationError

bp = Blueprint("auth", __name__)
REMEMBER_FOR = timedelta(days=30)


class RegisterForm(FlaskForm):
    """Sign-up fields; the rules live in ``services.accounts``."""

    email = EmailField("Email")
    password = PasswordField("Password")
    confirm = PasswordField("Repeat password")
    timezone = HiddenField()


class LoginForm(FlaskForm):
    """Log-in fields."""

    email = EmailField("Email")
    password = PasswordField("Password")
    remember = BooleanField("Keep me signed in on this device for 30 days")


def _safe_next(target):
    """Only same-site paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("entries.today")


def _start_session(user, remember=False):
    session.clear()  # nothing from before login survives into the new session
    login_user(user, remember=remember, duration=REMEMBER_FOR)
    mark_fresh()


class ConfirmForm(FlaskForm):
    """Typing the password again."""

    password = PasswordField("Password")


@bp.route("/confirm-password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", methods=["POST"])
def confirm():
    """Type the password again before exports and share links."""
    form = ConfirmForm()
    if form.validate_on_submit():
        if accounts.verify_password(current_user, form.password.data):
            mark_fresh()
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.password.errors = ["is not right"]
        log_event("confirm_failed")
    status = 422 if request.method == "POST" else 200
    return render_template("auth/confirm.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    """Create an account with the browser's time zone and land on today's view."""
    if current_user.is_authenticated:
        return redirect(url_for("entries.today"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                form.email.data, form.password.data, form.timezone.data, form.confirm.data
            )
        except ValidationError as error:
            for name, message in error.fields.items():
                getattr(form, name).errors = [message]
        else:
            _start_session(user)
            flash("Welcome! Log how your pain is right now.", "success")
            return redirect(url_for("entries.today"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("entries.today"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.password.errors = ["Email or password is not right."]
        log_event("login_failed")  # no address: nothing identifying goes to the logs
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


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
