"""The questionnaire pages (PRODUCT.md section 11): the check-in, any questionnaire on demand,
the urgent page after a red flag, and a response's edit and delete pages.

Plain forms that work without JavaScript. One form may ask several questionnaires (the check-in:
PEG and the red flags); its fields are named after them, so the service worker's outbox can
queue it offline the same way (static/js/outbox.js ``responseBodies``):

- ``instruments`` (repeated): the questionnaires the form asks;
- ``id:<key>``: each response's client UUID (a resubmitted form stores nothing twice);
- ``<key>.<item>``: an answer (``7``, ``true``/``false``, a choice's value); the last value of a
  field counts, so a tick box can follow a hidden ``false`` (the RMDQ's "applies to me today");
- ``none_of`` (repeated keys): "No to all of these": the yes/no questions of that questionnaire
  left unanswered are answered no (a "yes" stays a yes);
- ``answered_at`` (optional) and ``version`` on the edit page.
"""

import re
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext, ngettext
from flask_login import current_user, login_required

from .core.timeutil import local_input_value, zone
from .http import is_shell
from .instruments import get as get_instrument
from .instruments import instruments
from .outcomes import response_summary
from .records import RESPONSE
from .records import service as records
from .records.forms import own_or_404
from .services import questionnaires
from .validation import ValidationError, form_integer

bp = Blueprint("checkin", __name__)
NEGATIVE = re.compile(r"-\d{1,7}")


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in patient."""


# --- the form's fields ------------------------------------------------------------------------


def _answer(text):
    """A posted answer as JSON: ``true``/``false`` booleans, digits integers, "" None."""
    if text in ("true", "false"):
        return text == "true"
    text = text.strip()
    if NEGATIVE.fullmatch(text):  # an operator's scale may start below 0
        return int(text)
    return form_integer(text, digits=7)


def answers_from_form(form, instrument):
    """The answers the form gives to ``instrument``, as the API takes them."""
    prefix = f"{instrument.key}."
    answers = {
        name[len(prefix) :]: _answer(values[-1])
        for name, values in form.lists()
        if name.startswith(prefix) and values
    }
    if instrument.key in form.getlist("none_of"):
        for item in instrument.items:
            if item.type == "boolean" and answers.get(item.key) is None:
                answers[item.key] = False
    return answers


def _asked(form):
    """The questionnaires the posted form asked (unknown keys are left out)."""
    asked = []
    for key in form.getlist("instruments"):
        instrument = get_instrument(key)
        if instrument is not None and instrument not in asked:
            asked.append(instrument)
    return asked


def _unanswered(item):
    """What a question without an answer needs, in words (a whole sentence: the page's error
    shows it as it is). Starts with ``NEEDS`` (the form tells these from other refusals)."""
    if item.type == "integer":
        return gettext(
            "This question needs an answer: tap a number from %(low)s to %(high)s",
            low=format_decimal(item.min),
            high=format_decimal(item.max),
        )
    if item.type == "boolean":
        return gettext("This question needs an answer: tap Yes or No")
    return gettext("This question needs an answer: choose one")


def _invalid(item):
    """What a question with an answer it cannot take needs, in words."""
    if item.type == "integer":
        return gettext(
            "This question must be a whole number from %(low)s to %(high)s",
            low=format_decimal(item.min),
            high=format_decimal(item.max),
        )
    if item.type == "boolean":
        return gettext("This question must be true (yes) or false (no)")
    return gettext("This question must be one of the answers shown: choose one")


def _form_errors(instrument, data, error, missing_keys):
    """The API's refusal named by the form's fields (``answers.pain`` -> ``peg.pain``)."""
    items = {item.key: item for item in instrument.items}
    found = {}
    for path, message in error.fields.items():
        if path.startswith("answers."):
            item = items.get(path.partition(".")[2])
            if item is not None:
                missing = data["answers"].get(item.key) is None
                message = _unanswered(item) if missing else _invalid(item)
                if missing:
                    missing_keys.add(f"{instrument.key}.{item.key}")
            found[f"{instrument.key}.{path.partition('.')[2]}"] = message
        elif path == "answers":
            found[instrument.key] = gettext("Please answer every question.")
        elif path == "id":
            found["form"] = gettext("This form is not valid any more: open it again.")
        else:
            found[path] = gettext("This is not valid: please check it.")
    return found


def _urgent_answers(form, asked):
    """Whether the form answers yes to a question of a questionnaire that is urgent on a yes."""
    return any(
        instrument.urgent and answers_from_form(form, instrument).get(item.key) is True
        for instrument in asked
        for item in instrument.items
    )


class Refused(Exception):
    """The form cannot be saved as it is: errors by field, and a notice for the page."""

    def __init__(self, errors, notice=None, missing=()):
        notice = notice or gettext("Please check the marked questions.")
        super().__init__(notice)
        self.errors, self.notice, self.missing = errors, notice, set(missing)


def save_responses(form, asked, record=None):
    """Check every asked questionnaire's answers, then store them all (or none): the records.

    ``record`` is the response an edit replaces. Raises ``Refused``.
    """
    errors, cleaned, missing = {}, [], set()
    for instrument in asked:
        data = {
            "id": record.id if record else (form.get(f"id:{instrument.key}") or None),
            "instrument": instrument.key,
            "answered_at": form.get("answered_at") or None,
            "answers": answers_from_form(form, instrument),
        }
        try:
            cleaned.append(
                RESPONSE.clean(data, tz_name=current_user.timezone, vocabulary={}, record=record)
            )
        except ValidationError as error:
            errors.update(_form_errors(instrument, data, error, missing))
    if errors:
        raise Refused(errors, missing=missing)
    if record is not None:
        version = form_integer(form.get("version"), digits=9)
        expected = {version} if isinstance(version, int) else None
        try:
            return [records.update(RESPONSE, current_user, record, cleaned[0], expected)]
        except records.PreconditionFailed:
            raise Refused(
                {"form": "changed elsewhere"},
                gettext(
                    "This was changed on another device since you opened it. Your answers are "
                    "below; save again to keep them."
                ),
            ) from None
    saved = []
    for one in cleaned:
        try:
            saved.append(records.create(RESPONSE, current_user, one)[0])
        except records.Conflict:
            raise Refused(
                {"form": "already saved"},
                gettext(
                    "You already saved these answers once (see History). Save again to add them "
                    "as new answers."
                ),
            ) from None
        except records.QuotaExceeded:
            raise Refused(
                {"form": "diary full"},
                gettext(
                    "This diary holds %(num)s answered questionnaires, the most one account can "
                    "hold. Delete some old ones to add more.",
                    num=format_decimal(records.MAX_PER_ACCOUNT),
                ),
            ) from None
    return saved


# --- what a form shows ------------------------------------------------------------------------


def blank_values(asked):
    """A new form: a fresh id per questionnaire, nothing answered."""
    return {f"id:{instrument.key}": str(uuid.uuid4()) for instrument in asked}


def posted_values(form, asked, fresh_ids=False):
    """What the patient sent, to show again (new ids after "already saved")."""
    values = {name: values[-1] for name, values in form.lists() if values}
    values["none_of"] = set(form.getlist("none_of"))
    fresh = blank_values(asked)
    if fresh_ids:
        values.update(fresh)
    for name, value in fresh.items():
        if not values.get(name):
            values[name] = value
    return values


def record_values(record):
    """An edit's values: the stored answers as the form's fields."""
    values = {
        f"{record.instrument}.{key}": ("true" if value else "false")
        if isinstance(value, bool)
        else str(value)
        for key, value in record.answers.items()
    }
    values["answered_at"] = local_input_value(record.answered_at, current_user.timezone)
    values["version"] = record.version
    return values


def _problems(asked, errors):
    """The error summary: each refused question, with where it is on the page."""
    found = []
    for instrument in asked:
        for item in instrument.items:
            name = f"{instrument.key}.{item.key}"
            if name in errors:
                found.append(
                    {
                        "href": f"#field-{name}",
                        "text": item.text,
                        "lang": instrument.shown_lang,
                        "message": errors[name],
                    }
                )
    return found


def _form_page(template, asked, values, errors=None, notice="", status=200, **context):
    errors = errors or {}
    return (
        render_template(
            template,
            asked=asked,
            values=values,
            errors=errors,
            problems=_problems(asked, errors),
            notice=notice,
            **context,
        ),
        status,
    )


def _refused_page(template, form, asked, refused, **context):
    values = posted_values(form, asked, refused.errors.get("form") == "already saved")
    notice = refused.notice
    missing = refused.missing
    if missing and len(missing) == len(refused.errors):
        notice = ngettext(
            "%(num)d question still needs an answer:",
            "%(num)d questions still need an answer:",
            len(missing),
        )
    return _form_page(
        template,
        asked,
        values,
        refused.errors,
        notice,
        422,
        urgent_pending=_urgent_answers(form, asked),
        **context,
    )


def _after_saving(saved, message):
    if any(record.urgent for record in saved):
        return redirect(url_for("checkin.urgent"), code=303)
    flash(message, "success")
    return redirect(url_for("entries.today"), code=303)


# --- the pages --------------------------------------------------------------------------------


@bp.route("/check-in", methods=["GET", "POST"])
def check_in():
    """What is due, on one form (PEG and the red flags: a few taps); with nothing due, says so
    and offers every questionnaire. Kept offline by the service worker as a data-free shell
    asking PEG and the red flags."""
    if request.method == "POST":
        asked = _asked(request.form)
        if not asked:
            return redirect(url_for("checkin.check_in"), code=303)
        try:
            saved = save_responses(request.form, asked)
        except Refused as refused:
            plan = questionnaires.check_in_plan([instrument.key for instrument in asked])
            return _refused_page(
                "questionnaires/check_in.html", request.form, asked, refused, plan=plan
            )
        return _after_saving(saved, gettext("Check-in saved. Thank you."))
    keys = (
        questionnaires.shell_keys()
        if is_shell()
        else [item["key"] for item in questionnaires.due_for_page(current_user)]
    )
    plan = questionnaires.check_in_plan(keys)
    asked = [instruments()[key] for key in plan["keys"]]
    return _form_page(
        "questionnaires/check_in.html",
        asked,
        blank_values(asked),
        plan=plan,
        everything=list(instruments().values()),
    )


@bp.route("/questionnaires/<key>", methods=["GET", "POST"])
def questionnaire(key):
    """Any questionnaire, on demand."""
    instrument = get_instrument(key)
    if instrument is None:
        abort(404)
    asked = [instrument]
    if request.method == "POST":
        try:
            saved = save_responses(request.form, asked)
        except Refused as refused:
            return _refused_page(
                "questionnaires/questionnaire.html", request.form, asked, refused, record=None
            )
        return _after_saving(saved, gettext("Saved: %(title)s.", title=instrument.title))
    return _form_page("questionnaires/questionnaire.html", asked, blank_values(asked), record=None)


@bp.get("/check-in/urgent")
def urgent():
    """After a red flag answered yes: go to an emergency department now, in plain words.

    Also the offline confirmation of a queued check-in with a yes (``?queued=1``, shown by
    pwa.js), so the service worker keeps a data-free copy of it.
    """
    found = None if is_shell() else questionnaires.urgent_response(current_user)
    urgent_ones = [instrument for instrument in instruments().values() if instrument.urgent]
    instrument = get_instrument(found["instrument"]) if found else None
    instrument = instrument or (urgent_ones[0] if urgent_ones else None)
    if instrument is None:  # an operator's set without red flags: nothing can be urgent
        abort(404)
    told = [item.text for item in instrument.items if found and found["answers"].get(item.key)]
    return render_template(
        "questionnaires/urgent.html",
        message=instrument.urgent["message"],
        instrument=instrument,
        told=[text.rstrip("?") for text in told],
        signs=[item.text.rstrip("?") for item in instrument.items],
        change_url=url_for("checkin.edit_response", response_id=found["id"])
        if found
        else url_for("entries.history"),
    )


@bp.route("/responses/<response_id>/edit", methods=["GET", "POST"])
def edit_response(response_id):
    """Change a response's answers or time (a version check keeps two devices apart)."""
    record = own_or_404(RESPONSE, response_id)
    instrument = get_instrument(record.instrument)
    if instrument is None:  # an operator removed its file: it can be read and deleted only
        abort(404)
    asked = [instrument]
    if request.method == "POST":
        try:
            saved = save_responses(request.form, asked, record)
        except Refused as refused:
            return _refused_page(
                "questionnaires/questionnaire.html", request.form, asked, refused, record=record
            )
        if saved[0].urgent:
            return redirect(url_for("checkin.urgent"), code=303)
        flash(gettext("Answers updated."), "success")
        return redirect(url_for("entries.history", until=record.local_date.isoformat()), 303)
    return _form_page(
        "questionnaires/questionnaire.html", asked, record_values(record), record=record
    )


@bp.route("/responses/<response_id>/delete", methods=["GET", "POST"])
def delete_response(response_id):
    """Ask, then delete a response."""
    record = own_or_404(RESPONSE, response_id)
    if request.method == "POST":
        day = record.local_date.isoformat()
        records.remove(record)
        flash(gettext("Answers deleted."), "success")
        return redirect(url_for("entries.history", until=day), code=303)
    return render_template(
        "questionnaires/delete.html",
        record=record,
        instrument=get_instrument(record.instrument),
        summary=response_summary(record),
        tz=zone(current_user.timezone),
    )
