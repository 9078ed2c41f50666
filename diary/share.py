"""Share links (the patient's page) and the practitioner's read-only report ``/s/<token>``."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .charts import report_context, report_range, summary_pdf_response
from .core import templating
from .core.errors import api_error
from .core.extensions import db, limiter
from .core.timeutil import zone
from .http import (
    fresh_login_required,
    is_fresh,
    share_url,
    summary_limit,
    trends_range,
    trends_response,
)
from .models import User
from .services import sharing
from .validation import ValidationError, form_integer

bp = Blueprint("share", __name__)
REPORT_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}
# A link's state as the links page names it (the keys are the CSS classes).
STATE_WORDS = {"active": _l("active"), "expired": _l("expired"), "revoked": _l("revoked")}


def qr_svg(url):
    """The link as an inline SVG QR code, made here (no outside service)."""
    return templating.qr_svg(url, gettext("QR code of the share link"))


def _shares_page(created=None, errors=None, values=None, status=200):
    return (
        render_template(
            "share/shares.html",
            links=sharing.shares_of(current_user.id),
            created=created,
            errors=errors or {},
            values=values or {},
            status=sharing.status,
            state_words=STATE_WORDS,
            tz=zone(current_user.timezone),
            # Asked before the form, not after it: a confirm step after posting would lose it.
            fresh=is_fresh(),
        ),
        status,
    )


@bp.get("/shares")
@login_required
def shares():
    """The patient's links, their views, and a form for a new one.

    A link just created is shown here once, with its QR code: the token waits in the session
    for exactly this one view (post/redirect/get: reloading never makes a second link).
    """
    created = None
    new = session.pop("new_share", None)
    link = sharing.get_share(current_user.id, new["id"]) if new else None
    if link is not None:
        url = share_url(new["token"])
        created = {"link": link, "url": url, "qr": qr_svg(url)}
    return _shares_page(created=created)


@bp.post("/shares")
@login_required
@fresh_login_required
def create():
    """Create a link, then show it once on the links page."""
    raw_days = request.form.get("expires_in_days", "30")
    data = {
        "label": request.form.get("label", ""),
        "expires_in_days": form_integer(raw_days),
        "include_notes": bool(request.form.get("include_notes")),
    }
    try:
        cleaned = sharing.clean_share(data)
    except ValidationError as error:
        return _shares_page(errors=error.fields, values=dict(request.form), status=422)
    link, token = sharing.create_share(current_user.id, **cleaned)
    session["new_share"] = {"id": link.id, "token": token}
    return redirect(url_for("share.shares"), code=303)


@bp.route("/shares/<share_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(share_id):
    """Ask, then revoke one of the patient's links."""
    link = sharing.get_share(current_user.id, share_id)
    if link is None:
        return render_template("error.html", status=404, description=gettext("No such link.")), 404
    if request.method == "GET":
        return render_template("share/revoke.html", link=link, tz=zone(current_user.timezone))
    sharing.revoke(link)
    if link.label:
        flash(
            gettext("“%(label)s” is revoked: it no longer opens the report.", label=link.label),
            "success",
        )
    else:
        flash(gettext("The link is revoked: it no longer opens the report."), "success")
    return redirect(url_for("share.shares"), code=303)


def _gone():
    """The one answer for unknown, expired and revoked tokens."""
    return render_template("share/gone.html"), 404, REPORT_HEADERS


@bp.get("/s/<token>")
@limiter.limit(lambda: current_app.config["RATELIMIT_SHARE_VIEWS"])
def report(token):
    """The practitioner's read-only report; each opening counts as a view."""
    link = sharing.find_active(token)
    if link is None:
        return _gone()
    # An opening is a GET of the link itself: a HEAD (a link checker, a chat app's preview) is
    # none, and neither is choosing another period on the report (``?days=``, ``?from=``).
    if request.method == "GET" and not request.args:
        sharing.record_view(link)
    user = db.session.get(User, link.user_id)
    page = render_template(
        "share/report.html",
        token=token,
        preset_endpoint="share.report",
        preset_args={"token": token},
        **report_context(user, link.include_notes),
    )
    return page, 200, REPORT_HEADERS


@bp.get("/s/<token>/trends")
@limiter.limit(lambda: current_app.config["RATELIMIT_SHARE_VIEWS"])
def report_trends(token):
    """The same JSON /api/v1/trends gives the patient for the same query; not a view."""
    link = sharing.find_active(token)
    if link is None:
        body, status = api_error(404, "This link is not available.")
        return body, status, REPORT_HEADERS
    user = db.session.get(User, link.user_id)
    try:
        date_from, date_to = trends_range(user.timezone)
    except ValidationError as error:
        body, status = api_error(422, error.message, error.fields)
        return body, status, REPORT_HEADERS
    return trends_response(user, date_from, date_to), 200, REPORT_HEADERS


@bp.get("/s/<token>/summary.pdf")
@summary_limit
def report_summary(token):
    """The course summary PDF of the report's range; notes only if the link allows them.
    Not a view (only opening the report is)."""
    link = sharing.find_active(token)
    if link is None:
        return _gone()
    user = db.session.get(User, link.user_id)
    date_from, date_to, _ = report_range(user)
    response = summary_pdf_response(user, date_from, date_to, link.include_notes)
    response.headers.update(REPORT_HEADERS)
    return response
