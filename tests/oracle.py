"""The data rules of PRODUCT.md sections 5 and 6, stated independently of diary.validation.

The property tests (tests/test_properties.py) check the validators and the API against these:
what a body's faults are, which instants are accepted, what a cleaned value and an error
answer look like. Only the limits and the built-in vocabulary are taken from the app; the
rules, and the fields a refusal may name, are written out here again.
"""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import event

from diary.validation import LIMITS, MAX_KEYS, MAX_LOCATIONS, ValidationError
from diary.vocabulary import BUILT_IN, REGIONS, SIDES

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
VOCABULARY = {category: set(terms) for category, terms in BUILT_IN.items()}
# An entry's editable fields as section 6 lists them (independent of diary.records).
ENTRY_EDITABLE = (
    "pain",
    "locations",
    "pain_types",
    "triggers",
    "relievers",
    "medications",
    "sleep_quality",
    "interference",
    "notes",
)
# Every name a refusal of an entry body may give.
ENTRY_FIELDS = {"body", "id", "recorded_at", "pain.overall", "pain.back", "pain.leg"}
ENTRY_FIELDS |= set(ENTRY_EDITABLE)
SESSION_FIELDS = {
    "body",
    "id",
    "started_at",
    "practitioner",
    "techniques",
    "points",
    "pain_before",
    "pain_after",
    "notes",
}
# The section 6 errors a write to /entries or /sessions may answer, with their codes.
ERROR_STATUSES = {
    400: "bad_request",
    404: "not_found",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    422: "validation_error",
}

# --- the rules of section 5 ---------------------------------------------------------------


def is_pain(value, required=False):
    """A JSON integer 0-10 (never a bool or 5.0); null unless required."""
    if value is None:
        return not required
    return type(value) is int and 0 <= value <= 10


def normalised_text(value):
    """Trimmed, with CRLF and CR as LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def storable(text):
    """No NUL and no lone surrogate: text every database can store."""
    return "\x00" not in text and not any("\ud800" <= char <= "\udfff" for char in text)


def is_text(value, limit):
    """Absent, or storable text of at most ``limit`` characters once normalised."""
    return value is None or (
        isinstance(value, str) and storable(value) and len(normalised_text(value)) <= limit
    )


def is_key_list(value, allowed):
    """Absent, or at most 30 known keys."""
    if value is None:
        return True
    return (
        isinstance(value, list)
        and len(value) <= MAX_KEYS
        and all(isinstance(key, str) and key in allowed for key in value)
    )


def is_location_list(value):
    """Absent, or at most 30 ``{region, side}`` objects with known values."""
    if value is None:
        return True
    return (
        isinstance(value, list)
        and len(value) <= MAX_LOCATIONS
        and all(
            isinstance(item, dict)
            and isinstance(item.get("region"), str)
            and item["region"] in REGIONS
            and isinstance(item.get("side"), str)
            and item["side"] in SIDES
            for item in value
        )
    )


def is_record_id(value):
    """Absent, or a UUID in any of the forms Python reads."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def entry_offences(body):
    """The fields of an entry body that break a rule (instants aside: see expected_instant)."""
    if not isinstance(body, dict):
        return {"body"}
    offences = set()
    pain = body.get("pain")
    if pain is not None and not isinstance(pain, dict):
        offences.add("pain")
    pain = pain if isinstance(pain, dict) else {}
    checks = {
        "id": is_record_id(body.get("id")),
        "pain.overall": is_pain(pain.get("overall"), required=True),
        "pain.back": is_pain(pain.get("back")),
        "pain.leg": is_pain(pain.get("leg")),
        "locations": is_location_list(body.get("locations")),
        "medications": is_text(body.get("medications"), LIMITS["medications"]),
        "sleep_quality": is_pain(body.get("sleep_quality")),
        "interference": is_pain(body.get("interference")),
        "notes": is_text(body.get("notes"), LIMITS["notes"]),
    }
    for category in ("pain_types", "triggers", "relievers"):
        checks[category] = is_key_list(body.get(category), VOCABULARY[category])
    return offences | {field for field, ok in checks.items() if not ok}


def session_offences(body):
    """The fields of a session body that break a rule (instants aside)."""
    if not isinstance(body, dict):
        return {"body"}
    checks = {
        "id": is_record_id(body.get("id")),
        "practitioner": is_text(body.get("practitioner"), LIMITS["practitioner"]),
        "techniques": is_key_list(body.get("techniques"), VOCABULARY["techniques"]),
        "points": is_text(body.get("points"), LIMITS["points"]),
        "pain_before": is_pain(body.get("pain_before")),
        "pain_after": is_pain(body.get("pain_after")),
        "notes": is_text(body.get("notes"), LIMITS["notes"]),
    }
    return {field for field, ok in checks.items() if not ok}


# An instant as section 5 and its examples write it: a date and a time (seconds optional), an
# optional offset; anything else that is not absent is refused.
INSTANT_FORM = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)


def expected_instant(raw, tz_name):
    """(accepted, the UTC instant or None): absent is accepted as None; a date-time (no offset:
    read in ``tz_name``) is accepted from 2000-01-01Z to 24 h after NOW; all else is refused."""
    if raw is None or raw == "":
        return True, None
    if not isinstance(raw, str) or not INSTANT_FORM.fullmatch(raw):
        return False, None
    try:
        instant = datetime.fromisoformat(raw)
    except ValueError:
        return False, None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo(tz_name))
    instant = instant.astimezone(UTC)
    return EARLIEST <= instant <= NOW + timedelta(hours=1), instant


def check_cleaned_or_refused(clean, body, tz_name, *, offences, fields, instant_field):
    """``clean`` either refuses ``body`` naming exactly its faults (instant included), each with
    a message, and this returns None; or, when it has none, returns the cleaned fields, whose id
    and instant are as sent."""
    expected = offences(body)
    instant = None
    if isinstance(body, dict):
        accepted, instant = expected_instant(body.get(instant_field), tz_name)
        if not accepted:
            expected.add(instant_field)
    try:
        cleaned = clean(body, tz_name=tz_name, vocabulary=VOCABULARY, now=NOW)
    except ValidationError as error:
        named = set(error.fields)
        assert named and (fields is None or named <= fields)
        assert all(isinstance(message, str) and message for message in error.fields.values())
        assert named == expected
        return None
    assert not expected
    assert cleaned[instant_field] == instant
    if instant is not None:
        assert cleaned[instant_field].utcoffset() == timedelta(0)
    assert cleaned["id"] is None or cleaned["id"] == str(uuid.UUID(body["id"]))
    return cleaned


def check_text(value, limit):
    """Normalised text: no CR, trimmed, within the limit."""
    assert isinstance(value, str) and "\r" not in value
    assert value == value.strip() and len(value) <= limit


def check_keys(keys, allowed):
    """Known keys, each once, at most 30."""
    assert isinstance(keys, list) and len(keys) <= MAX_KEYS
    assert len(set(keys)) == len(keys) and set(keys) <= allowed


def check_locations(locations):
    """Known regions, each once, with a known side."""
    assert isinstance(locations, list) and len(locations) <= MAX_LOCATIONS
    regions = [item["region"] for item in locations]
    assert len(set(regions)) == len(regions) and set(regions) <= set(REGIONS)
    assert all(item["side"] in SIDES and set(item) == {"region", "side"} for item in locations)


def check_nullable_pain(value):
    """Null or an integer 0-10."""
    assert value is None or (type(value) is int and 0 <= value <= 10)


# --- the API's answers (section 6) --------------------------------------------------------


def stored(api):
    """Everything the patient has: entries, sessions and responses, as the API lists them."""
    return (
        api.get("/entries").get_json()["entries"],
        api.get("/sessions").get_json()["sessions"],
        api.get("/responses").get_json()["responses"],
    )


def check_answer(api, method, path, body, headers=None):
    """2xx, or a section 6 error in its shape that changed nothing; never 5xx."""
    before = stored(api)
    headers = {"Content-Type": "application/json", **(headers or {})}
    data = body if isinstance(body, bytes) else json.dumps(body)
    response = api.call(method, path, data=data, headers=headers)
    status = response.status_code
    answer = response.get_json()
    event(f"{method} answered {status}")
    assert status < 500, response.get_data(as_text=True)
    if status in (200, 201):
        assert isinstance(answer, dict) and answer["version"] >= 1
        return response
    assert status in ERROR_STATUSES, (status, answer)
    error = answer["error"]
    assert error["code"] == ERROR_STATUSES[status]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error.get("fields", {}), dict)
    if status == 412:
        assert answer["current"]["id"] == path.rsplit("/", 1)[1]
    assert stored(api) == before, "a refused request changed the diary"
    return response


# --- questionnaires (section 11) ----------------------------------------------------------

# Each shipped instrument's items as section 11's table states them: (type, allowed values).
WHOLE_0_10 = ("integer", range(0, 11))
YES_NO = ("boolean", (True, False))
INSTRUMENT_ITEMS = {
    "peg": {"pain": WHOLE_0_10, "enjoyment": WHOLE_0_10, "activity": WHOLE_0_10},
    "rmdq": {f"q{n}": YES_NO for n in range(1, 25)},
    "pgic": {"change": ("choice", range(1, 8))},
    "red_flags": {
        name: YES_NO for name in ("saddle_numbness", "bladder", "bowel", "both_legs", "sexual")
    },
}


def is_answer(kind, allowed, value):
    """A JSON value of the item's type within its values: booleans only for yes/no items,
    JSON integers (never a bool, a string or 5.0) for the rest."""
    if kind == "boolean":
        return type(value) is bool
    return type(value) is int and value in allowed


def answer_offences(instrument, answers):
    """The ``answers.<item>`` names a refusal must give (``answers`` when not an object)."""
    if not isinstance(answers, dict):
        return {"answers"}
    items = INSTRUMENT_ITEMS[instrument]
    wrong = {
        f"answers.{key}"
        for key, (kind, allowed) in items.items()
        if key not in answers or not is_answer(kind, allowed, answers[key])
    }
    return wrong | {f"answers.{key}" for key in answers if key not in items}


def expected_score(instrument, answers):
    """Section 11's score: PEG the mean of its 3 answers, RMDQ and red flags the number of
    yes answers, PGIC the answer itself."""
    if instrument == "peg":
        return (answers["pain"] + answers["enjoyment"] + answers["activity"]) / 3
    if instrument == "pgic":
        return answers["change"]
    return sum(1 for value in answers.values() if value is True)


def expected_urgent(instrument, answers):
    """Only a red-flags response with a yes is urgent."""
    return instrument == "red_flags" and True in answers.values()


def response_offences(body):
    """The fields of a response body that break a rule (instants aside): ``instrument`` when
    it is not a shipped instrument's key, else each bad answer."""
    if not isinstance(body, dict):
        return {"body"}
    offences = set() if is_record_id(body.get("id")) else {"id"}
    instrument = body.get("instrument")
    if not isinstance(instrument, str) or instrument not in INSTRUMENT_ITEMS:
        return offences | {"instrument"}
    return offences | answer_offences(instrument, body.get("answers"))
