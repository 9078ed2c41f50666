"""Hypothesis strategies for the property tests (tests/test_properties.py).

Each field has a pair (good, any): values section 5 of PRODUCT.md accepts, and those together
with near misses and junk of any JSON type. ``bodies`` builds whole request bodies from them.
"""

import uuid
from datetime import datetime

from hypothesis import strategies as st

from diary.validation import LIMITS, MAX_KEYS, MAX_LOCATIONS
from diary.vocabulary import BUILT_IN, REGIONS, SIDES

# Time zones a patient may be in, the far edges included.
ZONES = ["UTC", "Europe/London", "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Niue"]

# Text without NUL; a lone surrogate can still be drawn (`oracle.storable` expects it refused).
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
    known = st.sampled_from(sorted(BUILT_IN[category]))
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


# Years 1000-3000 only: the calendar's edges are a known bug (tested in test_properties.py).
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

# --- bodies for the API -------------------------------------------------------------------

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

# --- questionnaire answers (section 11) ---------------------------------------------------

ANSWER_JUNK = st.sampled_from([5.0, "5", True, False, None, -1, 11, 0, 8, "true", 1, [], {}])


def _good_answer(kind):
    if kind == "peg":
        return GOOD_PAIN
    if kind == "pgic":
        return st.integers(min_value=1, max_value=7)
    return st.booleans()


# The items of each shipped instrument, as section 11 names them.
ANSWER_ITEMS = {
    "peg": ("pain", "enjoyment", "activity"),
    "rmdq": tuple(f"q{n}" for n in range(1, 25)),
    "pgic": ("change",),
    "red_flags": ("saddle_numbness", "bladder", "bowel", "both_legs", "sexual"),
}


@st.composite
def answer_sets(draw, instrument):
    """Answers to ``instrument``: mostly complete and valid (the RMDQ's 2^24 sets sampled),
    sometimes with an answer dropped, one of the wrong type or range, or an extra key."""
    items = ANSWER_ITEMS[instrument]
    answers = {key: draw(_good_answer(instrument)) for key in items}
    fault = draw(st.sampled_from(["none", "none", "none", "missing", "junk", "extra", "any"]))
    key = draw(st.sampled_from(items))
    if fault == "missing":
        del answers[key]
    elif fault == "junk":
        answers[key] = draw(ANSWER_JUNK | JSON_SCALARS)
    elif fault == "extra":
        answers[draw(TEXT.filter(lambda name: name not in items))] = draw(JSON_SCALARS)
    elif fault == "any":
        return draw(JSON_VALUES)
    return answers


INSTRUMENT_ANSWERS = st.sampled_from(sorted(ANSWER_ITEMS)).flatmap(
    lambda instrument: answer_sets(instrument).map(lambda answers: (instrument, answers))
)

RESPONSE_BODIES = INSTRUMENT_ANSWERS.flatmap(
    lambda pair: st.fixed_dictionaries(
        {
            "instrument": st.just(pair[0]) | _or_junk(st.sampled_from(["odi", "PEG", ""])),
            "answers": st.just(pair[1]),
        },
        optional={"id": ID_FIELD[1], "answered_at": INSTANT_FIELD[1]},
    )
)
KNOWN_RESPONSE_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "properties-response"))
RESPONSE_API_BODIES = (
    JSON_VALUES
    | RAW_BODIES
    | RESPONSE_BODIES.flatmap(
        lambda body: st.sampled_from([body, {**body, "id": KNOWN_RESPONSE_ID}])
    )
)
