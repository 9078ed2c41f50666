"""What the HTML log pages share: saving a form of any kind through the one validation layer."""

from dataclasses import dataclass, field

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from ..services import terms
from ..validation import ValidationError, form_integer
from . import service as records


@dataclass
class FormResult:
    """The outcome of saving a form: the record, or the errors (and a notice) to show."""

    record: object = None
    errors: dict = field(default_factory=dict)
    notice: str = ""
    current_version: int | None = None  # set when the record changed elsewhere


def vocabulary():
    """The current patient's vocabulary and its allowed keys."""
    words = terms.vocabulary_for(current_user.id)
    return words, terms.allowed_keys(words)


def save_form(kind, form, record=None, version=None):
    """Validate the posted ``form`` and create (``record`` None) or update ``record``."""
    data = kind.form_data(form)
    for item in kind.fields:
        typed = form.get(f"new_{item.name}", "").strip() if item.category else ""
        if typed:  # "Other: …" on the form: the patient's own word, added to the list
            try:
                data[item.name].append(terms.key_for_label(current_user.id, item.category, typed))
            except ValidationError as error:
                # TRANSLATORS: %(problem)s is the own word's problem: "is required", "must be
                # at most 60 characters (it has 61)", or "“Heat” is already in the list".
                problem = _("has an own word that %(problem)s", problem=error.fields["label"])
                notice = _("Please check the marked fields.")
                return FormResult(errors={item.name: problem}, notice=notice)
    allowed = terms.allowed_keys_for(current_user.id, data)
    try:
        cleaned = kind.clean(
            data, tz_name=current_user.timezone, vocabulary=allowed, record=record
        )
    except ValidationError as error:
        return FormResult(errors=error.fields, notice=_("Please check the marked fields."))
    if record is None:
        try:
            created, _created = records.create(kind, current_user, cleaned)
        except records.Conflict:
            return FormResult(
                errors={"form": "already saved"},
                notice=_(
                    "You already saved this form once (see History). "
                    "Save again to add it as another entry."
                ),
            )
        except records.QuotaExceeded:
            return FormResult(
                errors={"form": "diary full"},
                notice=kind.say("full", most=records.MAX_PER_ACCOUNT)
                + " "
                + _("Delete some old ones to add more."),
            )
        return FormResult(record=created)
    number = form_integer(version, digits=9)
    expected = {number} if isinstance(number, int) else None
    try:
        return FormResult(record=records.update(kind, current_user, record, cleaned, expected))
    except records.PreconditionFailed as stale:
        return FormResult(
            errors={"form": "changed elsewhere"},
            notice=_(
                "This was changed on another device since you opened it. "
                "Your changes are below; save again to keep them."
            ),
            current_version=stale.current.version,
        )


def own_or_404(kind, record_id):
    """The current patient's record (locked for a POST), or a 404 for anything else."""
    record = records.get(kind, current_user.id, record_id, request.method == "POST")
    if record is None:
        abort(404)
    return record


def values_after(kind, form, result, record=None):
    """What a refused form shows again: what was typed, a fresh id after "already saved", and
    for an edit its own id and the version to save against."""
    values = kind.submitted_values(form)
    if record is None:
        values["version"] = None
        if result.errors.get("form") == "already saved":
            values["id"] = kind.form_values()["id"]
    else:
        values["id"] = record.id
        values["version"] = result.current_version or values.get("version") or record.version
    return values
