"""A questionnaire response (PRODUCT.md section 11): one instrument's answers, as its file rules.

The instrument's file decides everything about the answers (``diary.instruments``): which items,
which values, the score and whether the answers are urgent. The score, the urgency and the
instrument's version are stored with the response when it is written.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import instruments
from ..models import QuestionnaireResponse
from ..validation import ValidationError, check_text
from .kind import ANSWERS, NAME, Field, RecordKind

INSTRUMENT_VERSION_LIMIT = 32


def _instrument(value, cleaned):
    """The key of a known instrument."""
    names = ", ".join(instruments.instruments())
    if value is None:
        raise ValueError(_("is required: one of %(names)s", names=names))
    if not isinstance(value, str) or instruments.get(value) is None:
        raise ValueError(_("must be one of %(names)s", names=names))
    return value


def _answers(value, cleaned):
    """The answers, checked against the instrument (not judged when it was refused)."""
    instrument = instruments.get(cleaned.get("instrument"))
    if instrument is None:
        return None
    return instrument.clean_answers(value, "answers")


def _kept_version(kept):
    """A restored response's ``instrument_version`` (the version it was answered in)."""
    value = kept.get("instrument_version") if isinstance(kept, dict) else None
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(_("must be text"))
        check_text(value)
    except ValueError as error:
        raise ValidationError({"instrument_version": str(error)}) from None
    if len(value) > INSTRUMENT_VERSION_LIMIT:
        message = ngettext(
            "must be at most %(num)d character",
            "must be at most %(num)d characters",
            INSTRUMENT_VERSION_LIMIT,
        )
        raise ValidationError({"instrument_version": message})
    return value


def derive(cleaned, kept=None):
    """The instrument's version, the score (unrounded) and the urgency of cleaned answers;
    a restored response keeps the version it was answered in."""
    instrument = instruments.get(cleaned["instrument"])
    answers = cleaned["answers"]
    return {
        "instrument_version": _kept_version(kept) or instrument.version,
        "score": float(instrument.score(answers)),
        "urgent": instrument.is_urgent(answers),
    }


def score_output(value):
    """A score as answers show it: rounded to 2 decimals, whole scores as integers."""
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def client_instruments():
    """What the offline outbox needs to turn a questionnaire form into responses: each
    instrument's title, whether a yes is urgent (the phone shows the urgent page at once, it
    cannot wait for a connection), and its items' keys and types (the answers' JSON types), with
    their words to name a refused answer."""
    return {
        "instruments": {
            key: {
                "title": instrument.title,
                "urgent": bool(instrument.urgent),
                "items": [{"key": item.key, "type": item.type} for item in instrument.items],
                "labels": {f"answers.{item.key}": item.text for item in instrument.items},
            }
            for key, instrument in instruments.instruments().items()
        }
    }


ANSWER_VALUE = {"type": ["integer", "boolean"]}
RESPONSE = RecordKind(
    name="response",
    plural="responses",
    messages={
        "this": _l("This response"),
        "missing": _l("There is no such response."),
        "changed": _l("This response changed since you loaded it; here is the current one."),
        "full": _l("This diary holds %(most)d responses, the most one account can hold."),
    },
    noun="response",
    title="a questionnaire response",
    model=QuestionnaireResponse,
    time_field="answered_at",
    form_page="checkin.check_in",  # and each questionnaire's page (diary/pwa.py)
    fields=(
        Field(
            "instrument",
            NAME,
            _l("Questionnaire"),
            required=True,
            check=_instrument,
            schema={
                "type": "string",
                "description": "An instrument's key (GET /api/v1/instruments): peg, red_flags, "
                "rmdq, pgic, or one the operator added; it cannot change once answered",
            },
        ),
        Field(
            "answers",
            ANSWERS,
            _l("Answers"),
            required=True,
            check=_answers,
            schema={
                "type": "object",
                "additionalProperties": ANSWER_VALUE,
                "description": "Item key -> answer: every item of the instrument exactly once; "
                "integers as JSON integers (5.0, \"5\" and true are refused), yes/no items as "
                "true/false, a choice as one of its option values",
            },
        ),
    ),
    derive=derive,
    outputs=(
        (
            "instrument_version",
            str,
            {"type": "string", "description": "The version of the instrument file answered"},
        ),
        (
            "score",
            score_output,
            {"type": "number", "description": "The instrument's score, rounded to 2 decimals"},
        ),
        (
            "urgent",
            bool,
            {
                "type": "boolean",
                "description": "true only for red flags answered yes: go to an emergency "
                "department now",
            },
        ),
    ),
    fixed=("instrument",),
    filters=("instrument",),
    # "Response" would shadow the HTTP response type of clients generated from the document.
    schema_name="QuestionnaireResponse",
    client_extra=client_instruments,
)
