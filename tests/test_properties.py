"""Property tests (Hypothesis) for the data rules of PRODUCT.md sections 5 and 6.

Validators: any JSON-like input is either normalised into values that keep the rules, or
refused with a ValidationError naming exactly the offending fields (checked against a small
independent statement of the rules). API: any body posted or put to /entries and /sessions is
answered 2xx or with a section 6 error, never 5xx, and a refused request changes nothing.
The inputs are drawn by tests/strategies.py, the rules stated in tests/oracle.py.

Hostile inputs that once answered 500 are tested directly at the end: lone surrogates and NUL
characters in text (refused, 422), instants whose offset or time zone takes them past year 1 or
9999 (422), JSON nested deeper than the parser's recursion limit (400).
"""

import json
from datetime import UTC, datetime

import pytest
from helpers import entry_body, response_body, session_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import (
    ENTRY_FIELDS,
    NOW,
    SESSION_FIELDS,
    VOCABULARY,
    check_answer,
    check_cleaned_or_refused,
    check_keys,
    check_locations,
    check_nullable_pain,
    check_text,
    entry_offences,
    expected_instant,
    expected_score,
    expected_urgent,
    is_location_list,
    is_pain,
    is_text,
    normalised_text,
    response_offences,
    session_offences,
)
from strategies import (
    ENTRY_API_BODIES,
    ENTRY_BODIES,
    IF_MATCH,
    INSTANT_FIELD,
    JSON_VALUES,
    KNOWN_ENTRY_ID,
    KNOWN_RESPONSE_ID,
    KNOWN_SESSION_ID,
    LOCATIONS_FIELD,
    PAIN_VALUES,
    RESPONSE_API_BODIES,
    RESPONSE_BODIES,
    SESSION_API_BODIES,
    SESSION_BODIES,
    ZONES,
    text_field,
)

from diary.records import ENTRY, RESPONSE, SESSION
from diary.validation import LIMITS, ValidationError, location_list, pain_value, text_value

VALIDATOR_SETTINGS = settings(max_examples=500, deadline=None, derandomize=True, database=None)
API_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

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


@VALIDATOR_SETTINGS
@given(body=RESPONSE_BODIES | JSON_VALUES, tz_name=st.sampled_from(ZONES))
def test_clean_response_scores_or_names_each_bad_answer(body, tz_name):
    """A response is either cleaned, with the score and urgency section 11 gives its answers,
    or refused naming exactly its faults (``answers.<item>``, ``instrument``)."""
    cleaned = check_cleaned_or_refused(
        RESPONSE.clean,
        body,
        tz_name,
        offences=response_offences,
        fields=None,
        instant_field="answered_at",
    )
    if cleaned is None:
        return
    derived = RESPONSE.derived(cleaned)
    key = cleaned["instrument"]
    assert derived["score"] == pytest.approx(expected_score(key, body["answers"]), abs=1e-12)
    assert derived["urgent"] is expected_urgent(key, body["answers"])


# --- the API ------------------------------------------------------------------------------


def seed_records(api):
    """One entry, one session and one response with known ids, for PUT paths and conflicting
    POSTs."""
    assert api.post("/entries", entry_body(id=KNOWN_ENTRY_ID)).status_code == 201
    assert api.post("/sessions", session_body(id=KNOWN_SESSION_ID)).status_code == 201
    assert api.post("/responses", response_body(id=KNOWN_RESPONSE_ID)).status_code == 201


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


@API_SETTINGS
@given(body=RESPONSE_API_BODIES)
def test_posting_any_body_to_responses_is_2xx_or_a_clean_error(api, body):
    """POST /responses: 201/200, or 400/409/422 in the error shape with nothing saved."""
    if api.get(f"/responses/{KNOWN_RESPONSE_ID}").status_code == 404:
        seed_records(api)
    check_answer(api, "POST", "/responses", body)


@API_SETTINGS
@given(body=RESPONSE_API_BODIES, if_match=IF_MATCH)
def test_putting_any_body_to_a_response_is_2xx_or_a_clean_error(api, body, if_match):
    """PUT /responses/<id> (If-Match or not): 200, or 400/404/412/422 with nothing changed."""
    if api.get(f"/responses/{KNOWN_RESPONSE_ID}").status_code == 404:
        seed_records(api)
    headers = {"If-Match": if_match} if if_match else None
    response = check_answer(api, "PUT", f"/responses/{KNOWN_RESPONSE_ID}", body, headers)
    if response.status_code == 200:
        assert response.get_json()["id"] == KNOWN_RESPONSE_ID
        assert response.get_json()["instrument"] == "peg"


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
    assert expected_instant("2026-03-05T12:30:00-00:30", "UTC")[0]  # 13:00Z: within 1 h
    refusals = ("2026-03-05T13:01:00Z", "2026-03-06T13:00:00Z", "1999-12-31T23:59:59Z")
    for refused in (*refusals, "2026-03-01", "yesterday"):
        assert not expected_instant(refused, "UTC")[0], refused
    assert not expected_instant("2026-03-01T25:00", "UTC")[0]
    assert not expected_instant(1772353800, "UTC")[0]
