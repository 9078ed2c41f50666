"""The data rules of PRODUCT.md section 5: each bad field is named and nothing is saved."""

from datetime import UTC, datetime, timedelta

import pytest
from helpers import entry_body, session_body

from diary.records import ENTRY
from diary.validation import ValidationError, location_list, pain_value, text_value
from diary.vocabulary import BUILT_IN


def _future(hours):
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


BAD_ENTRIES = [
    ({"pain": {"overall": None}}, "pain.overall"),
    ({"pain": {}}, "pain.overall"),
    ({"pain": None}, "pain.overall"),
    ({"pain": "7"}, "pain"),
    ({"pain": {"overall": 11}}, "pain.overall"),
    ({"pain": {"overall": -1}}, "pain.overall"),
    ({"pain": {"overall": 5.0}}, "pain.overall"),
    ({"pain": {"overall": 5.5}}, "pain.overall"),
    ({"pain": {"overall": "5"}}, "pain.overall"),
    ({"pain": {"overall": True}}, "pain.overall"),
    ({"pain": {"overall": 5, "back": 10.0}}, "pain.back"),
    ({"pain": {"overall": 5, "leg": "3"}}, "pain.leg"),
    ({"pain": {"overall": 5, "leg": False}}, "pain.leg"),
    ({"sleep_quality": 12}, "sleep_quality"),
    ({"interference": 2.0}, "interference"),
    ({"notes": "n" * 2001}, "notes"),
    ({"notes": 12}, "notes"),
    ({"medications": "m" * 501}, "medications"),
    ({"locations": [{"region": "elbow", "side": "left"}]}, "locations"),
    ({"locations": [{"region": "knee", "side": "middle"}]}, "locations"),
    ({"locations": ["knee:left"]}, "locations"),
    ({"locations": {"region": "knee", "side": "left"}}, "locations"),
    ({"locations": [{"region": "knee", "side": "left"}] * 31}, "locations"),
    ({"pain_types": ["sore"]}, "pain_types"),
    ({"triggers": "sitting"}, "triggers"),
    ({"triggers": [1]}, "triggers"),
    ({"relievers": ["tens"] * 31}, "relievers"),
    ({"relievers": ["sitting"]}, "relievers"),
    ({"id": "not-a-uuid"}, "id"),
    ({"id": 42}, "id"),
    ({"recorded_at": "yesterday"}, "recorded_at"),
    ({"recorded_at": "2026-03-01"}, "recorded_at"),
    ({"recorded_at": "1999-12-31T23:59:59Z"}, "recorded_at"),
    ({"recorded_at": 1700000000}, "recorded_at"),
]


@pytest.mark.parametrize(("change", "field"), BAD_ENTRIES)
def test_bad_entry_fields_are_422_naming_the_field(api, change, field):
    response = api.post("/entries", entry_body(**change))
    assert response.status_code == 422, change
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert api.get("/entries").get_json()["entries"] == []


def test_more_than_an_hour_ahead_is_refused_but_50_minutes_is_fine(api):
    """Section 5 (2026-11-25): a mistyped date a day ahead is refused, naming the field."""
    tomorrow = api.post("/entries", entry_body(recorded_at=_future(23)))
    assert tomorrow.status_code == 422
    assert "future" in tomorrow.get_json()["error"]["fields"]["recorded_at"]
    assert api.post("/entries", entry_body(recorded_at=_future(1.1))).status_code == 422
    assert api.post("/entries", entry_body(recorded_at=_future(50 / 60))).status_code == 201
    session = api.post("/sessions", session_body(started_at=_future(2)))
    assert session.status_code == 422 and "started_at" in session.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    ("change", "kept"),
    [
        ({"notes": "n" * 2000}, "notes"),
        ({"medications": "m" * 500}, "medications"),
        ({"pain": {"overall": 0, "back": 10, "leg": 0}}, "pain"),
        (
            {"locations": [{"region": r, "side": "left"} for r in list(BUILT_IN["regions"])]},
            "locations",
        ),
        ({"triggers": list(BUILT_IN["triggers"])}, "triggers"),
        ({"recorded_at": "2000-01-01T00:00:00Z"}, "recorded_at"),
    ],
)
def test_limits_are_inclusive(api, change, kept):
    body = entry_body(**change)
    response = api.post("/entries", body)
    assert response.status_code == 201, response.get_json()
    stored = response.get_json()
    expected = body[kept] if kept != "recorded_at" else "2000-01-01T00:00:00Z"
    if kept == "pain":
        expected = {"overall": 0, "back": 10, "leg": 0}
    assert stored[kept] == expected


def test_every_bad_field_is_reported_at_once(api):
    response = api.post(
        "/entries", {"pain": {"overall": 12, "back": "x"}, "notes": 5, "triggers": ["nope"]}
    )
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"pain.overall", "pain.back", "notes", "triggers"}


BAD_SESSIONS = [
    ({"pain_before": 11}, "pain_before"),
    ({"pain_after": 3.0}, "pain_after"),
    ({"pain_after": "3"}, "pain_after"),
    ({"practitioner": "p" * 121}, "practitioner"),
    ({"points": "p" * 501}, "points"),
    ({"notes": "n" * 2001}, "notes"),
    ({"techniques": ["reiki"]}, "techniques"),
    ({"techniques": ["manual"] * 31}, "techniques"),
    ({"started_at": "soon"}, "started_at"),
    ({"started_at": "1999-01-01T10:00:00Z"}, "started_at"),
    ({"id": "123"}, "id"),
]


@pytest.mark.parametrize(("change", "field"), BAD_SESSIONS)
def test_bad_session_fields_are_422_naming_the_field(api, change, field):
    response = api.post("/sessions", session_body(**change))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert api.get("/sessions").get_json()["sessions"] == []


def test_session_pain_may_be_null(api):
    response = api.post("/sessions", session_body(pain_before=None, pain_after=None))
    assert response.status_code == 201
    assert response.get_json()["pain_before"] is None


@pytest.mark.parametrize("value", [0, 10, None])
def test_pain_value_accepts(value):
    assert pain_value(value) == value


@pytest.mark.parametrize("value", [True, 1.0, "1", 11, -1, [], {}])
def test_pain_value_refuses(value):
    with pytest.raises(ValueError):
        pain_value(value)


def test_text_is_trimmed_and_line_ends_unified():
    assert text_value("  a\r\nb  ", 10) == "a\nb"
    assert text_value(None, 10) == ""


def test_locations_merge_sides():
    assert location_list(
        [{"region": "hip", "side": "both"}, {"region": "hip", "side": "left"}]
    ) == [{"region": "hip", "side": "both"}]


def test_custom_keys_are_valid_only_when_given():
    vocabulary = {name: set(keys) for name, keys in BUILT_IN.items()}
    data = {"pain": {"overall": 3}, "triggers": ["gardening"]}
    with pytest.raises(ValidationError) as failure:
        ENTRY.clean(data, tz_name="UTC", vocabulary=vocabulary)
    assert "triggers" in failure.value.fields
    vocabulary["triggers"].add("gardening")
    assert ENTRY.clean(data, tz_name="UTC", vocabulary=vocabulary)["triggers"] == ["gardening"]
