"""Property tests (Hypothesis) for the data rules of PRODUCT.md sections 5 and 6.

Validators: any JSON-like input is either normalised into values that keep the rules, or
refused with a ValidationError naming exactly the offending fields (checked against a small
independent statement of the rules). API: any body posted or put to /entries and /sessions is
answered 2xx or with a section 6 error, never 5xx, and a refused request changes nothing.

Hostile inputs that once answered 500 are tested directly at the end: lone surrogates and NUL
characters in text (refused, 422), instants whose offset or time zone takes them past year 1 or
9999 (422), JSON nested deeper than the parser's recursion limit (400).
"""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import entry_body, session_body
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from diary.records import ENTRY, SESSION
from diary.validation import (
    LIMITS,
    MAX_KEYS,
    MAX_LOCATIONS,
    ValidationError,
    location_list,
    pain_value,
    text_value,
)
from diary.vocabulary import BUILT_IN, REGIONS, SIDES

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
VOCABULARY = {category: set(terms) for category, terms in BUILT_IN.items()}
ZONES = ["UTC", "Europe/London", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Niue"]
ENTRY_FIELDS = {
    "body",
    "id",
    "recorded_at",
    "pain",
    "pain.overall",
    "pain.back",
    "pain.leg",
    "locations",
    "pain_types",
    "triggers",
    "relievers",
    "medications",
    "sleep_quality",
    "interference",
    "notes",
}
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

VALIDATOR_SETTINGS = settings(max_examples=500, deadline=None, derandomize=True, database=None)
API_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- strategies ---------------------------------------------------------------------------

# Text without NUL; a lone surrogate can still be drawn (`storable` expects it refused).
TEXT = st.text(st.characters(exclude_characters="\x00"), max_size=40)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def _or_junk(strategy):
    """A field's plausible values, or any JSON value at all (wrong types included)."""
    return st.one_of(strategy, JSON_VALUES)


GOOD_PAIN = st.integers(min_value=0, max_value=10)
PAIN = st.integers(min_value=-2, max_value=12) | st.sampled_from([5.0, 7.5, True, False, "5"])
PADDING = st.sampled_from(["", " ", "\n", "\r\n", "\t "])


@st.composite
def texts_near(draw, limit):
    """Text around ``limit`` characters once trimmed, with a CRLF that becomes one LF."""
    length = draw(st.integers(min_value=max(0, limit - 3), max_value=limit + 1))
    core = "x" * (length // 2) + "\r\n" + "x" * (length - length // 2)
    return draw(PADDING) + core + draw(PADDING)


def text_field(limit):
    """(good, any): short text; or also text around the limit, and junk."""
    return TEXT, _or_junk(TEXT | texts_near(limit))


def keys_field(category):
    """(good, any): a few known keys; or also too many, unknown words, and junk."""
    known = st.sampled_from(sorted(VOCABULARY[category]))
    items = known | TEXT | JSON_SCALARS
    anything = _or_junk(
        st.lists(known, max_size=5)
        | st.lists(items, max_size=5)
        | st.lists(known, min_size=MAX_KEYS - 1, max_size=MAX_KEYS + 2)
    )
    return st.lists(known, max_size=5), anything


def pain_field():
    """(good, any) for a nullable 0-10 value."""
    return st.none() | GOOD_PAIN, _or_junk(PAIN)


LOCATION = st.fixed_dictionaries(
    {"region": st.sampled_from(sorted(REGIONS)), "side": st.sampled_from(SIDES)}
)
LOCATIONS_FIELD = _or_junk(
    st.lists(LOCATION, max_size=6)
    | st.lists(LOCATION | JSON_VALUES, max_size=4)
    | st.lists(LOCATION, min_size=MAX_LOCATIONS - 1, max_size=MAX_LOCATIONS + 2)
    | st.lists(
        st.fixed_dictionaries({"region": TEXT | JSON_SCALARS, "side": TEXT | JSON_SCALARS}),
        max_size=3,
    )
)
OFFSETS = st.sampled_from(["", "Z", "+00:00", "+05:30", "-11:00", "+14:00"])


def _instant_text(strategy):
    return st.tuples(strategy, OFFSETS).map(lambda pair: pair[0].isoformat() + pair[1])


# Years 1000-3000 only: the calendar's edges are a known bug (tested below).
INSTANT_FIELD = (
    _instant_text(st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2026, 3, 4))),
    _or_junk(
        _instant_text(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(3000, 1, 1)))
        | _instant_text(
            st.datetimes(min_value=datetime(1999, 12, 31), max_value=datetime(2026, 3, 7))
        )
        | st.sampled_from(["", "2026-03-01", "2026-03-01T25:00", "yesterday", "2026-03-01T08:30"])
    ),
)
UUIDS = st.uuids().map(str) | st.uuids().map(lambda value: value.hex.upper())
ID_FIELD = (UUIDS, _or_junk(UUIDS))

ENTRY_FIELD_VALUES = {
    "id": ID_FIELD,
    "recorded_at": INSTANT_FIELD,
    "pain": (
        st.fixed_dictionaries(
            {"overall": GOOD_PAIN}, optional={"back": GOOD_PAIN, "leg": GOOD_PAIN}
        ),
        _or_junk(
            st.fixed_dictionaries(
                {}, optional={"overall": _or_junk(PAIN), "back": PAIN, "leg": PAIN}
            )
        ),
    ),
    "locations": (st.lists(LOCATION, max_size=6), LOCATIONS_FIELD),
    "pain_types": keys_field("pain_types"),
    "triggers": keys_field("triggers"),
    "relievers": keys_field("relievers"),
    "medications": text_field(LIMITS["medications"]),
    "sleep_quality": pain_field(),
    "interference": pain_field(),
    "notes": text_field(LIMITS["notes"]),
}
SESSION_FIELD_VALUES = {
    "id": ID_FIELD,
    "started_at": INSTANT_FIELD,
    "practitioner": text_field(LIMITS["practitioner"]),
    "techniques": keys_field("techniques"),
    "points": text_field(LIMITS["points"]),
    "pain_before": pain_field(),
    "pain_after": pain_field(),
    "notes": text_field(LIMITS["notes"]),
}


def bodies(fields, required=()):
    """Valid bodies, valid ones with one field anything, and bodies of anything at all."""
    optional_good = {name: good for name, (good, _) in fields.items() if name not in required}
    good = st.fixed_dictionaries(
        {name: fields[name][0] for name in required}, optional=optional_good
    )
    one_off = st.tuples(good, st.sampled_from(sorted(fields))).flatmap(
        lambda pair: fields[pair[1]][1].map(lambda value: {**pair[0], pair[1]: value})
    )
    anything = st.fixed_dictionaries(
        {}, optional={**{name: any_ for name, (_, any_) in fields.items()}, "extra": JSON_VALUES}
    )
    return good | one_off | anything


ENTRY_BODIES = bodies(ENTRY_FIELD_VALUES, required=("pain",))
SESSION_BODIES = bodies(SESSION_FIELD_VALUES)
PAIN_VALUES = _or_junk(PAIN)

# --- the rules of section 5, stated independently of diary.validation ----------------------


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
    return EARLIEST <= instant <= NOW + timedelta(hours=24), instant


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
        assert named and named <= fields
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


# --- validators ---------------------------------------------------------------------------


@VALIDATOR_SETTINGS
@given(value=PAIN_VALUES, required=st.booleans())
def test_pain_value_keeps_whole_numbers_0_to_10_only(value, required):
    """Booleans, strings, 5.0 and anything out of 0-10 are refused; null unless required."""
    try:
        cleaned = pain_value(value, required)
    except ValueError:
        assert not is_pain(value, required)
    else:
        assert is_pain(value, required) and cleaned is value


@VALIDATOR_SETTINGS
@given(value=text_field(LIMITS["notes"])[1], limit=st.sampled_from(sorted(set(LIMITS.values()))))
def test_text_value_normalises_within_the_limit(value, limit):
    """Text is trimmed, CR/CRLF become LF, absent is ""; over the limit or not text: refused."""
    try:
        cleaned = text_value(value, limit)
    except ValueError:
        assert not is_text(value, limit)
    else:
        assert is_text(value, limit)
        check_text(cleaned, limit)
        assert cleaned == ("" if value is None else normalised_text(value))


@VALIDATOR_SETTINGS
@given(value=LOCATIONS_FIELD)
def test_location_list_keeps_known_places_once_each(value):
    """At most 30 known {region, side}; left and right of one region become both."""
    try:
        cleaned = location_list(value)
    except ValueError:
        assert not is_location_list(value)
        return
    assert is_location_list(value)
    check_locations(cleaned)
    given_sides = {}
    for item in value or []:
        given_sides.setdefault(item["region"], set()).add(item["side"])
    for item in cleaned:
        sides = given_sides[item["region"]]
        both = "both" in sides or {"left", "right"} <= sides
        assert (item["side"] == "both") == both
        assert both or sides == {item["side"]}
    assert {item["region"] for item in cleaned} == set(given_sides)


@VALIDATOR_SETTINGS
@given(raw=INSTANT_FIELD[0], tz_name=st.sampled_from(ZONES))
def test_the_good_instants_drawn_are_valid_by_the_rules_here(raw, tz_name):
    """What the strategies draw as a good instant is one section 5 accepts (so the checks
    below demand that the validators accept it)."""
    accepted, instant = expected_instant(raw, tz_name)
    assert accepted and instant is not None


@VALIDATOR_SETTINGS
@given(body=ENTRY_BODIES | JSON_VALUES, tz_name=st.sampled_from(ZONES))
def test_clean_entry_normalises_or_names_each_bad_field(body, tz_name):
    """An entry is either cleaned (every value within section 5) or refused naming its faults."""
    cleaned = check_cleaned_or_refused(
        ENTRY.clean,
        body,
        tz_name,
        offences=entry_offences,
        fields=ENTRY_FIELDS,
        instant_field="recorded_at",
    )
    if cleaned is None:
        return
    assert type(cleaned["overall"]) is int and 0 <= cleaned["overall"] <= 10
    for name in ("back", "leg", "sleep_quality", "interference"):
        check_nullable_pain(cleaned[name])
    check_text(cleaned["medications"], LIMITS["medications"])
    check_text(cleaned["notes"], LIMITS["notes"])
    check_locations(cleaned["locations"])
    for category in ("pain_types", "triggers", "relievers"):
        check_keys(cleaned[category], VOCABULARY[category])


@VALIDATOR_SETTINGS
@given(body=SESSION_BODIES | JSON_VALUES, tz_name=st.sampled_from(ZONES))
def test_clean_session_normalises_or_names_each_bad_field(body, tz_name):
    """A session is either cleaned or refused naming exactly its faults."""
    cleaned = check_cleaned_or_refused(
        SESSION.clean,
        body,
        tz_name,
        offences=session_offences,
        fields=SESSION_FIELDS,
        instant_field="started_at",
    )
    if cleaned is None:
        return
    check_nullable_pain(cleaned["pain_before"])
    check_nullable_pain(cleaned["pain_after"])
    check_text(cleaned["practitioner"], LIMITS["practitioner"])
    check_text(cleaned["points"], LIMITS["points"])
    check_text(cleaned["notes"], LIMITS["notes"])
    check_keys(cleaned["techniques"], VOCABULARY["techniques"])


# --- the API ------------------------------------------------------------------------------

KNOWN_ENTRY_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "properties-entry"))
KNOWN_SESSION_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "properties-session"))
# Bodies sometimes reuse a stored id, so that replays and conflicts (409) come up too; raw
# bytes stand for bodies that are not JSON at all.
RAW_BODIES = st.binary(max_size=64)
ENTRY_API_BODIES = (
    JSON_VALUES
    | RAW_BODIES
    | ENTRY_BODIES.flatmap(lambda body: st.sampled_from([body, {**body, "id": KNOWN_ENTRY_ID}]))
)
SESSION_API_BODIES = (
    JSON_VALUES
    | RAW_BODIES
    | SESSION_BODIES.flatmap(lambda body: st.sampled_from([body, {**body, "id": KNOWN_SESSION_ID}]))
)
IF_MATCH = st.none() | st.sampled_from(['"1"', '"2"', "*", 'W/"1"', "junk", '"99"'])


def stored(api):
    """Everything the patient has: entries and sessions, as the API lists them."""
    return (
        api.get("/entries").get_json()["entries"],
        api.get("/sessions").get_json()["sessions"],
    )


def seed_records(api):
    """One entry and one session with known ids, for PUT paths and conflicting POSTs."""
    assert api.post("/entries", entry_body(id=KNOWN_ENTRY_ID)).status_code == 201
    assert api.post("/sessions", session_body(id=KNOWN_SESSION_ID)).status_code == 201


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


@API_SETTINGS
@given(body=ENTRY_API_BODIES)
def test_posting_any_body_to_entries_is_2xx_or_a_clean_error(api, body):
    """POST /entries: 201/200, or 400/409/422 in the error shape with nothing saved."""
    if api.get(f"/entries/{KNOWN_ENTRY_ID}").status_code == 404:
        seed_records(api)
    check_answer(api, "POST", "/entries", body)


@API_SETTINGS
@given(body=SESSION_API_BODIES)
def test_posting_any_body_to_sessions_is_2xx_or_a_clean_error(api, body):
    """POST /sessions: 201/200, or 400/409/422 in the error shape with nothing saved."""
    if api.get(f"/sessions/{KNOWN_SESSION_ID}").status_code == 404:
        seed_records(api)
    check_answer(api, "POST", "/sessions", body)


@API_SETTINGS
@given(body=ENTRY_API_BODIES, if_match=IF_MATCH)
def test_putting_any_body_to_an_entry_is_2xx_or_a_clean_error(api, body, if_match):
    """PUT /entries/<id> (If-Match or not): 200, or 400/404/412/422 with nothing changed."""
    if api.get(f"/entries/{KNOWN_ENTRY_ID}").status_code == 404:
        seed_records(api)
    headers = {"If-Match": if_match} if if_match else None
    response = check_answer(api, "PUT", f"/entries/{KNOWN_ENTRY_ID}", body, headers)
    if response.status_code == 200:
        assert response.get_json()["id"] == KNOWN_ENTRY_ID


@API_SETTINGS
@given(body=SESSION_API_BODIES, if_match=IF_MATCH)
def test_putting_any_body_to_a_session_is_2xx_or_a_clean_error(api, body, if_match):
    """PUT /sessions/<id> (If-Match or not): 200, or 400/404/412/422 with nothing changed."""
    if api.get(f"/sessions/{KNOWN_SESSION_ID}").status_code == 404:
        seed_records(api)
    headers = {"If-Match": if_match} if if_match else None
    response = check_answer(api, "PUT", f"/sessions/{KNOWN_SESSION_ID}", body, headers)
    if response.status_code == 200:
        assert response.get_json()["id"] == KNOWN_SESSION_ID


# --- hostile inputs (each once answered 500) ----------------------------------------------

HOSTILE_TEXT_ROUTES = [
    pytest.param("POST", "/entries", lambda text: entry_body(notes=text), id="entry-notes"),
    pytest.param("POST", "/entries", lambda text: entry_body(medications=text), id="medications"),
    pytest.param(
        "POST", "/sessions", lambda text: session_body(practitioner=text), id="practitioner"
    ),
    pytest.param("POST", "/sessions", lambda text: session_body(points=text), id="points"),
    pytest.param("PATCH", "/me", lambda text: {"display_name": text}, id="display-name"),
    pytest.param(
        "POST", "/vocabulary/triggers", lambda text: {"label": f"Garden {text}"}, id="own-word"
    ),
]


@pytest.mark.parametrize(("method", "path", "make_body"), HOSTILE_TEXT_ROUTES)
def test_lone_surrogates_in_text_are_refused(api, method, path, make_body):
    """Text that cannot be encoded as UTF-8 is a 422, not a 500."""
    body = json.dumps(make_body("a\ud800b"))
    response = api.call(method, path, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path", "make_body"), HOSTILE_TEXT_ROUTES)
def test_nul_characters_in_text_are_refused(api, method, path, make_body):
    """NUL in text is a 422 on every database (PostgreSQL cannot store it)."""
    response = api.call(method, path, json=make_body("a\x00b"))
    assert response.status_code == 422, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/entries", entry_body(recorded_at="0001-01-01T00:00:00+01:00")),
        ("/entries", entry_body(recorded_at="9999-12-31T23:59:00-01:00")),
        ("/sessions", session_body(started_at="0001-01-01T00:30:00+05:30")),
    ],
    ids=["entry-year-1", "entry-year-9999", "session-year-1"],
)
def test_instants_past_the_calendar_are_refused(api, path, body):
    """An instant out of Python's calendar once in UTC is a 422 naming the field."""
    response = api.post(path, body)
    assert response.status_code == 422, response.get_data(as_text=True)


@pytest.mark.parametrize("tz_name", ["Asia/Tokyo", "Australia/Sydney"])
def test_naive_instants_past_the_calendar_are_named(tz_name):
    """A naive year-1 instant in a zone east of UTC is refused with a ValidationError."""
    with pytest.raises(ValidationError) as refused:
        ENTRY.clean(
            {"pain": {"overall": 3}, "recorded_at": "0001-01-01T00:00"},
            tz_name=tz_name,
            vocabulary=VOCABULARY,
            now=NOW,
        )
    assert set(refused.value.fields) == {"recorded_at"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", "/entries", id="post-entry"),
        pytest.param("POST", "/sessions", id="post-session"),
        pytest.param("PUT", f"/entries/{KNOWN_ENTRY_ID}", id="put-entry"),
        pytest.param("PUT", f"/sessions/{KNOWN_SESSION_ID}", id="put-session"),
        pytest.param("PATCH", "/me", id="patch-me"),
    ],
)
@pytest.mark.parametrize("opening", ["[", '{"a":'], ids=["lists", "objects"])
def test_deeply_nested_json_is_a_bad_request(api, method, path, opening):
    """A body nested 50,000 deep (well under 1 MB) is a 400, not a 500."""
    seed_records(api)
    response = api.call(
        method, path, data=opening * 50_000, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.get_data(as_text=True)


def test_the_rules_as_stated_here_agree_with_known_cases():
    """The independent statement of the rules above (a test of the tests)."""
    assert not entry_offences(entry_body()) and not entry_offences({"pain": {"overall": 0}})
    assert not session_offences(session_body()) and not session_offences({})
    assert entry_offences({"pain": {"overall": 5.0}}) == {"pain.overall"}
    assert entry_offences({"pain": "7"}) == {"pain", "pain.overall"}
    assert expected_instant(None, "UTC") == expected_instant("", "UTC") == (True, None)
    assert expected_instant("2026-03-01T08:30", "Europe/London") == (
        True,
        datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
    )
    assert expected_instant("2026-03-06T10:00:00-01:00", "UTC")[0]  # 11:00Z: within 24 h
    for refused in ("2026-03-06T13:00:00Z", "1999-12-31T23:59:59Z", "2026-03-01", "yesterday"):
        assert not expected_instant(refused, "UTC")[0], refused
    assert not expected_instant("2026-03-01T25:00", "UTC")[0]
    assert not expected_instant(1772353800, "UTC")[0]
