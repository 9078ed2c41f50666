"""Links that come by e-mail: verify the address, reset a forgotten password (section 12).

Mail scanners open links, so a GET never changes anything: it shows a page with a button, and
the POST behind the button does the work. A link that is expired, used or forged gets a clear
page and changes nothing.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .core import i18n, mailer
from .core.extensions import limiter
from .core.logs import log_event, log_success
from .core.throttle import reset_requested
from .http import start_session
from .services import accounts, email_links
from .services.email_links import LinkProblem
from .validation import ValidationError

bp = Blueprint("recovery", __name__)

PROBLEMS = {
    "expired": _l("This link has expired."),
    "used": _l("This link has been used already."),
    "invalid": _l("This link is not valid."),
}


@bp.after_request
def private(response):
    """Pages opened from a mailed link carry its token in their URL: never cached. (The
    site-wide ``Referrer-Policy: same-origin`` already keeps it from other sites, and Flask-WTF's
    HTTPS check needs the same-origin Referer on the form's POST.)"""
    response.headers["Cache-Control"] = "no-store"
    return response


def _bad_link(problem, kind):
    """The page for a link that cannot be used (410 when it was good once, else 404)."""
    log_event(f"{kind}_link_refused", reason=problem.reason)
    status = 404 if problem.reason == "invalid" else 410
    return (
        render_template("recovery/bad_link.html", message=PROBLEMS[problem.reason], kind=kind),
        status,
    )


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def verify_email(token):
    """Confirm the address from the mailed link: a page with a button, then the POST."""
    try:
        user = email_links.user_to_verify(token)
    except LinkProblem as problem:
        return _bad_link(problem, "verification")
    if request.method == "POST":
        email_links.mark_verified(user)
        log_success("email_verified", user.id)
        flash(_("Thank you: your e-mail address is confirmed."), "success")
        target = "entries.today" if current_user.is_authenticated else "auth.login"
        return redirect(url_for(target), code=303)
    return render_template("recovery/verify.html", verified=user.email_verified)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET_PER_IP"], methods=["POST"])
def forgot_password():
    """Ask for a reset link: the same answer, in the same time, for any address typed."""
    sent = False
    if request.method == "POST" and mailer.enabled():
        email, _ = accounts.normalised_or_raw(request.form.get("email", ""))
        reset_requested(email)
        # The lookup and the mail happen in the background: nothing here depends on whether
        # the address has an account.
        email_links.send_reset(email, i18n.request_locale())
        log_event("password_reset_requested")
        sent = True
    return render_template(
        "recovery/forgot.html", sent=sent, email_enabled=mailer.enabled()
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token):
    """Choose a new password from the mailed link; every other login ends, this one starts."""
    try:
        user = email_links.user_to_reset(token)
    except LinkProblem as problem:
        return _bad_link(problem, "reset")
    errors = {}
    if request.method == "POST":
        try:
            done = accounts.reset_password(
                user, request.form.get("password", ""), request.form.get("confirm")
            )
        except ValidationError as error:
            errors = error.fields
        else:
            if not done:
                return _bad_link(LinkProblem("used"), "reset")
            start_session(user)
            flash(_("Your new password is set. Every other device has been logged out."), "success")
            return redirect(url_for("entries.today"), code=303)
    return (
        render_template("recovery/reset.html", errors=errors),
        422 if errors else 200,
    )
