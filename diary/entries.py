"""Today's view, the pain log form and the history (HTML, works without JavaScript)."""

from datetime import timedelta
from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .charts import CATEGORY_WORDS, too_early_reasons
from .core.timeutil import local_today, parse_date, zone
from .http import is_shell
from .outcomes import peg_line, response_summary
from .records import ENTRY, RESPONSE, SESSION
from .records import service as records
from .records.forms import own_or_404, save_form, values_after, vocabulary
from .services import questionnaires, terms
from .services.trends import first_date, last_date, trends_for
from .vocabulary import REGIONS, location_label

bp = Blueprint("entries", __name__)
HISTORY_DAYS = 30


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in patient."""


def _form_page(values, errors=None, notice="", entry=None, status=200, has_last=None):
    words = vocabulary()[0]
    if is_shell():  # the service worker's offline copy: nothing from the diary on it
        has_last = False
    if has_last is None:
        has_last = entry is None and records.latest(ENTRY, current_user.id) is not None
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
    overall = {"overall": fortnight["progress"]["overall"]}
    due = questionnaires.due_for_page(current_user)
    peg = (fortnight.get("questionnaires") or {}).get("peg")
    answered = questionnaires.response_count(current_user.id, "peg") if peg else 0
    return render_template(
        "entries/today.html",
        check_in=questionnaires.check_in_plan([item["key"] for item in due]),
        urgent=questionnaires.urgent_response(current_user),
        peg_verdict=peg_line(fortnight.get("questionnaires"), answered),
        fortnight=fortnight,
        progress=overall["overall"],
        too_early=too_early_reasons(current_user, overall).get("overall"),
        category_words=CATEGORY_WORDS,
        latest=latest,
        last_session=sessions[-1] if sessions else None,
        session_count=len(sessions),
        has_any=bool(latest) or records.latest(ENTRY, current_user.id) is not None,
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
            flash(_("Saved: pain %(score)s/10.", score=result.record.overall), "success")
            return redirect(url_for("entries.today"), code=303)
        values = values_after(ENTRY, request.form, result)
        return _form_page(values, result.errors, result.notice, status=422)
    if request.args.get("copy") == "last":
        last = records.latest(ENTRY, current_user.id)
        if last is not None:
            return _form_page(
                ENTRY.form_values(carry_from=last),
                notice=_("Filled in from your last entry: change what is different and save."),
                has_last=True,
            )
        return _form_page(
            ENTRY.form_values(),
            notice=_("There is no earlier entry to copy yet."),
            has_last=False,
        )
    return _form_page(ENTRY.form_values())


@bp.route("/entries/<entry_id>/edit", methods=["GET", "POST"])
def edit_entry(entry_id):
    """Change an entry (a version check keeps edits on two devices from overwriting)."""
    entry = own_or_404(ENTRY, entry_id)
    if request.method == "POST":
        result = save_form(ENTRY, request.form, entry, request.form.get("version"))
        if result.record is not None:
            flash(_("Entry updated."), "success")
            return redirect(url_for("entries.history", until=entry.local_date.isoformat()), 303)
        values = values_after(ENTRY, request.form, result, entry)
        return _form_page(values, result.errors, result.notice, entry=entry, status=422)
    return _form_page(ENTRY.form_values(entry, current_user.timezone), entry=entry)


@bp.route("/entries/<entry_id>/delete", methods=["GET", "POST"])
def delete_entry(entry_id):
    """Ask, then delete an entry."""
    entry = own_or_404(ENTRY, entry_id)
    if request.method == "POST":
        day = entry.local_date.isoformat()
        records.remove(entry)
        flash(_("Entry deleted."), "success")
        return redirect(url_for("entries.history", until=day), code=303)
    return render_template("entries/delete.html", entry=entry, tz=zone(current_user.timezone))


@bp.get("/entries")
def history():
    """Entries, sessions and answered questionnaires by day, newest first, thirty days a page.

    The first page ends at the latest day with anything on it (an entry timed up to an hour
    ahead may fall on tomorrow), and "Older" stops at the first entry or session.
    """
    today_date = local_today(current_user.timezone)
    first_answered, last_answered = questionnaires.response_dates(current_user.id)
    newest = max(filter(None, (today_date, last_date(current_user.id), last_answered)))
    try:
        until = parse_date(request.args["until"]) if request.args.get("until") else newest
    except ValueError:
        until = newest
    since = until - timedelta(days=HISTORY_DAYS - 1)
    items = [
        *((entry.recorded_at, "entry", entry, None)
          for entry in records.list_between(ENTRY, current_user.id, since, until)),
        *((session.started_at, "session", session, number)
          for session, number in _numbered_sessions(since, until)),
        *((response.answered_at, "response", response, response_summary(response))
          for response in records.list_between(RESPONSE, current_user.id, since, until)),
    ]
    items.sort(key=lambda item: (item[0], item[2].id), reverse=True)
    days = [
        (day, list(group)) for day, group in groupby(items, key=lambda item: item[2].local_date)
    ]
    first = min(filter(None, (first_date(current_user.id), first_answered)), default=None)
    return render_template(
        "entries/history.html",
        days=days,
        since=since,
        until=until,
        newer=min(until + timedelta(days=HISTORY_DAYS), newest) if until < newest else None,
        older=since - timedelta(days=1) if first is not None and first < since else None,
        labels=terms.labels(terms.vocabulary_for(current_user.id)),
        tz=zone(current_user.timezone),
        location_label=location_label,
    )


def _numbered_sessions(since, until):
    """The patient's sessions dated ``since``..``until`` with their numbers."""
    numbers = records.numbers(SESSION, current_user.id)
    found = records.list_between(SESSION, current_user.id, since, until)
    return [(session, numbers[session.id]) for session in found]
