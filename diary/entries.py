"""Today's view, the pain log form and the history (HTML, works without JavaScript)."""

from datetime import timedelta
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .core.timeutil import local_today, parse_date, zone
from .records import ENTRY, SESSION
from .records import service as records
from .records.forms import save_form, vocabulary
from .services import terms
from .services.trends import trends_for
from .vocabulary import REGIONS, location_label

bp = Blueprint("entries", __name__)
HISTORY_DAYS = 30


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in patient."""


def _form_page(values, errors=None, notice="", entry=None, status=200, has_last=None):
    words, _ = vocabulary()
    if has_last is None:
        has_last = entry is None and records.latest_entry(current_user.id) is not None
    return (
        render_template(
            "entries/form.html",
            has_last=has_last,
            values=values,
            errors=errors or {},
            notice=notice,
            entry=entry,
            vocabulary=words,
            regions=REGIONS,
        ),
        status,
    )


@bp.get("/")
def today():
    """Today: the quick log button, the latest entries, the last session."""
    today_date = local_today(current_user.timezone)
    latest = records.list_between(ENTRY, current_user.id, today_date - timedelta(days=6))
    latest = list(reversed(latest))[:5]
    sessions = records.list_between(SESSION, current_user.id)
    fortnight = trends_for(current_user, today_date - timedelta(days=13), today_date)
    return render_template(
        "entries/today.html",
        fortnight=fortnight,
        latest=latest,
        last_session=sessions[-1] if sessions else None,
        session_count=len(sessions),
        has_any=bool(latest) or records.latest_entry(current_user.id) is not None,
        labels=terms.labels(terms.vocabulary_for(current_user.id)),
        tz=zone(current_user.timezone),
        location_label=location_label,
    )


@bp.route("/entries/new", methods=["GET", "POST"])
def new_entry():
    """The log form; ``?copy=last`` pre-fills it with the latest entry."""
    if request.method == "POST":
        result = save_form(ENTRY, request.form)
        if result.record is not None:
            flash(f"Saved: pain {result.record.overall}/10.", "success")
            return redirect(url_for("entries.today"), code=303)
        values = ENTRY.submitted_values(request.form)
        if result.errors.get("form") == "already saved":
            values["id"] = ENTRY.form_values()["id"]
        return _form_page(values, result.errors, result.notice, status=422)
    if request.args.get("copy") == "last":
        last = records.latest_entry(current_user.id)
        if last is not None:
            return _form_page(
                ENTRY.form_values(carry_from=last),
                notice="Filled in from your last entry: change what is different and save.",
                has_last=True,
            )
        return _form_page(
            ENTRY.form_values(),
            notice="There is no earlier entry to copy yet.",
            has_last=False,
        )
    return _form_page(ENTRY.form_values())


def _own_entry(entry_id):
    entry = records.get(ENTRY, current_user.id, entry_id, request.method == "POST")
    if entry is None:
        abort(404)
    return entry


@bp.route("/entries/<entry_id>/edit", methods=["GET", "POST"])
def edit_entry(entry_id):
    """Change an entry (a version check keeps edits on two devices from overwriting)."""
    entry = _own_entry(entry_id)
    if request.method == "POST":
        result = save_form(ENTRY, request.form, entry, request.form.get("version"))
        if result.record is not None:
            flash("Entry updated.", "success")
            return redirect(url_for("entries.history", until=entry.local_date.isoformat()), 303)
        values = ENTRY.submitted_values(request.form)
        values["id"] = entry.id
        if result.current_version:
            values["version"] = result.current_version
        return _form_page(values, result.errors, result.notice, entry=entry, status=422)
    return _form_page(ENTRY.form_values(entry, current_user.timezone), entry=entry)


@bp.route("/entries/<entry_id>/delete", methods=["GET", "POST"])
def delete_entry(entry_id):
    """Ask, then delete an entry."""
    entry = _own_entry(entry_id)
    if request.method == "POST":
        day = entry.local_date.isoformat()
        records.remove(entry)
        flash("Entry deleted.", "success")
        return redirect(url_for("entries.history", until=day), code=303)
    return render_template("entries/delete.html", entry=entry, tz=zone(current_user.timezone))


@bp.get("/entries")
def history():
    """Entries by day, newest first, thirty days a page."""
    today_date = local_today(current_user.timezone)
    try:
        until = parse_date(request.args["until"]) if request.args.get("until") else today_date
    except ValueError:
        until = today_date
    since = until - timedelta(days=HISTORY_DAYS - 1)
    found = records.list_between(ENTRY, current_user.id, since, until)
    days = [
        (day, list(reversed(list(group))))
        for day, group in groupby(reversed(found), key=lambda entry: entry.local_date)
    ]
    return render_template(
        "entries/history.html",
        days=days,
        since=since,
        until=until,
        newer=min(until + timedelta(days=HISTORY_DAYS), today_date) if until < today_date else None,
        older=since - timedelta(days=1),
        labels=terms.labels(terms.vocabulary_for(current_user.id)),
        tz=zone(current_user.timezone),
        location_label=location_label,
    )
