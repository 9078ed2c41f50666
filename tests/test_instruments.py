"""Instruments as data (PRODUCT.md section 11): the shipped files, the one validator and scorer,
and a bad file that stops the app with a message naming the file and the problem."""

import json

import pytest
from helpers import make_app
from hypothesis import given, settings
from oracle import answer_offences, expected_score, expected_urgent
from strategies import INSTRUMENT_ANSWERS

from diary.instruments import InstrumentFileError, load_instruments, shipped
from diary.validation import ValidationError

PEG = {"pain": 7, "enjoyment": 6, "activity": 7}
RED_FLAGS_NO = dict.fromkeys(("saddle_numbness", "bladder", "bowel", "both_legs", "sexual"), False)


def rmdq(yes):
    """RMDQ answers with the first ``yes`` statements ticked."""
    return {f"q{n}": n <= yes for n in range(1, 25)}


def test_the_four_shipped_instruments_in_the_order_they_are_asked():
    found = shipped()
    assert list(found) == ["peg", "red_flags", "rmdq", "pgic"]
    assert found["peg"].item_keys == ("pain", "enjoyment", "activity")
    assert found["rmdq"].item_keys == tuple(f"q{n}" for n in range(1, 25))
    assert found["pgic"].item_keys == ("change",)
    assert found["red_flags"].item_keys == tuple(RED_FLAGS_NO)
    for instrument in found.values():
        assert instrument.citation and instrument.licence and instrument.version


def test_the_rmdq_statements_are_roland_and_fairbanks_wording():
    items = shipped()["rmdq"].items
    assert items[0].text == "I stay at home most of the time because of my back."
    assert items[12].text == "My back is painful almost all the time."
    assert items[15].text == (
        "I have trouble putting on my socks (or stockings) because of the pain in my back."
    )
    assert items[23].text == "I stay in bed most of the time because of my back."
    assert all(item.type == "boolean" for item in items)


def test_pgic_offers_the_seven_answers_of_section_11():
    (item,) = shipped()["pgic"].items
    assert item.type == "choice"
    assert [(option.value, option.label) for option in item.options] == [
        (1, "Very much improved"),
        (2, "Much improved"),
        (3, "Minimally improved"),
        (4, "No change"),
        (5, "Minimally worse"),
        (6, "Much worse"),
        (7, "Very much worse"),
    ]


@pytest.mark.parametrize(
    ("key", "answers", "score", "urgent"),
    [
        ("peg", PEG, 20 / 3, False),
        ("peg", {"pain": 0, "enjoyment": 0, "activity": 0}, 0, False),
        ("peg", {"pain": 10, "enjoyment": 10, "activity": 10}, 10, False),
        ("peg", {"pain": 3, "enjoyment": 4, "activity": 2}, 3, False),
        ("rmdq", rmdq(0), 0, False),
        ("rmdq", rmdq(14), 14, False),
        ("rmdq", rmdq(24), 24, False),
        ("pgic", {"change": 2}, 2, False),
        ("pgic", {"change": 7}, 7, False),
        ("red_flags", RED_FLAGS_NO, 0, False),
        ("red_flags", {**RED_FLAGS_NO, "bladder": True}, 1, True),
        ("red_flags", dict.fromkeys(RED_FLAGS_NO, True), 5, True),
    ],
)
def test_hand_computed_scores(key, answers, score, urgent):
    instrument = shipped()[key]
    cleaned = instrument.clean_answers(answers)
    assert cleaned == answers
    assert instrument.score(cleaned) == pytest.approx(score, abs=1e-12)
    assert instrument.is_urgent(cleaned) is urgent


@pytest.mark.parametrize(
    ("key", "answers", "fields"),
    [
        ("peg", {"pain": 7, "enjoyment": 6}, {"activity"}),
        ("peg", {**PEG, "mood": 3}, {"mood"}),
        ("peg", {**PEG, "pain": 5.0}, {"pain"}),
        ("peg", {**PEG, "pain": "5"}, {"pain"}),
        ("peg", {**PEG, "pain": True}, {"pain"}),
        ("peg", {**PEG, "pain": 11}, {"pain"}),
        ("peg", {**PEG, "activity": -1}, {"activity"}),
        ("peg", {**PEG, "enjoyment": None}, {"enjoyment"}),
        ("peg", {}, {"pain", "enjoyment", "activity"}),
        ("rmdq", {**rmdq(3), "q7": 1}, {"q7"}),
        ("rmdq", {**rmdq(3), "q7": "true"}, {"q7"}),
        ("rmdq", {**rmdq(3), "q25": True}, {"q25"}),
        ("pgic", {"change": 0}, {"change"}),
        ("pgic", {"change": 8}, {"change"}),
        ("pgic", {"change": 2.0}, {"change"}),
        ("pgic", {"change": True}, {"change"}),
        ("red_flags", {**RED_FLAGS_NO, "bowel": 0}, {"bowel"}),
        ("peg", [7, 6, 7], {""}),
        ("peg", "7,6,7", {""}),
    ],
)
def test_every_bad_answer_is_named_by_its_item(key, answers, fields):
    with pytest.raises(ValidationError) as refused:
        shipped()[key].clean_answers(answers)
    named = {f"answers.{name}" if name else "answers" for name in fields}
    assert set(refused.value.fields) == named
    assert all(refused.value.fields.values())


def test_a_flood_of_unknown_answers_names_only_a_few():
    answers = {**PEG, **{f"extra{n}": 1 for n in range(500)}}
    with pytest.raises(ValidationError) as refused:
        shipped()["peg"].clean_answers(answers)
    assert len(refused.value.fields) == 10


@pytest.mark.parametrize(
    ("key", "baseline", "latest", "meaningful"),
    [
        ("peg", 6, 4.2, True),  # exactly 30 % less
        ("peg", 20 / 3, 14 / 3, True),  # 30 % in thirds: binary noise must not matter
        ("peg", 6, 4.21, False),
        ("peg", 6, 8, False),
        ("peg", 0, 0, False),  # baseline 0: never meaningful
        ("rmdq", 14, 9, True),  # 5 points
        ("rmdq", 14, 10, False),  # 4 points, 28.6 %
        ("rmdq", 20, 14, True),  # 6 points and 30 %
        ("rmdq", 10, 7, True),  # 3 points but 30 %
        ("rmdq", 10, 8, False),
        ("rmdq", 0, 0, False),
        ("pgic", None, 1, True),
        ("pgic", None, 2, True),
        ("pgic", None, 3, False),
        ("pgic", None, 7, False),
        ("red_flags", 0, 0, False),
    ],
)
def test_meaningful_change_rules(key, baseline, latest, meaningful):
    assert shipped()[key].meaningful(baseline, latest) is meaningful


@pytest.mark.parametrize(
    ("key", "baseline", "threshold"),
    [("peg", 6, 4.2), ("rmdq", 14, 9.8), ("rmdq", 24, 19), ("pgic", 4, None), ("peg", 0, None)],
)
def test_the_threshold_is_where_change_becomes_meaningful(key, baseline, threshold):
    assert shipped()[key].threshold(baseline) == pytest.approx(threshold)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(drawn=INSTRUMENT_ANSWERS)
def test_the_scorer_agrees_with_an_independent_one(drawn):
    """Any answer set is refused naming exactly its faults, or scored as section 11 says."""
    key, answers = drawn
    instrument = shipped()[key]
    try:
        cleaned = instrument.clean_answers(answers)
    except ValidationError as refused:
        assert set(refused.fields) == answer_offences(key, answers)
        return
    assert not answer_offences(key, answers)
    assert instrument.score(cleaned) == pytest.approx(expected_score(key, answers), abs=1e-12)
    assert instrument.is_urgent(cleaned) is expected_urgent(key, answers)


# --- instrument files ---------------------------------------------------------------------


def odi_like(**overrides):
    """A small operator instrument (a two-item sum), valid unless overridden."""
    document = {
        "key": "odi",
        "title": "A licensed instrument",
        "version": "2.1",
        "recall": "today",
        "order": 50,
        "minutes": 3,
        "items": [
            {"key": "a", "text": "First?", "type": "integer", "min": 0, "max": 5},
            {"key": "b", "text": "Second?", "type": "integer", "min": 0, "max": 5},
        ],
        "scoring": {"method": "sum"},
        "meaningful_change": {"better": "lower", "points": 2},
        "due": None,
        "citation": "Someone 2000.",
        "licence": "Licensed to this clinic.",
    }
    document.update(overrides)
    return document


def write(folder, document, name="odi.json"):
    """Write an instrument file; ``document`` as text or as JSON."""
    path = folder / name
    text = document if isinstance(document, str) else json.dumps(document)
    path.write_text(text, encoding="utf-8")
    return path


def test_an_operator_instrument_in_the_instance_folder_is_loaded(tmp_path):
    write(tmp_path, odi_like())
    app = make_app(":memory:", INSTRUMENTS_FOLDER=str(tmp_path))
    loaded = app.extensions["diary.instruments"]
    assert list(loaded) == ["peg", "red_flags", "rmdq", "pgic", "odi"]
    odi = loaded["odi"]
    assert odi.score(odi.clean_answers({"a": 3, "b": 4})) == 7
    assert odi.meaningful(7, 5) and not odi.meaningful(7, 6)


def test_a_missing_instance_folder_is_fine(tmp_path):
    app = make_app(":memory:", INSTRUMENTS_FOLDER=str(tmp_path / "none"))
    assert list(app.extensions["diary.instruments"]) == ["peg", "red_flags", "rmdq", "pgic"]


ITEM = {"key": "a", "text": "First?", "type": "integer", "min": 0, "max": 5}


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ("[]", "must hold one JSON object"),
        (odi_like(key="other"), "key: must be the file's name ('odi'), not 'other'"),
        (odi_like(scoring={"method": "median"}), "scoring: must be"),
        (odi_like(colour="red"), "unknown field 'colour'"),
        ({k: v for k, v in odi_like().items() if k != "citation"}, "missing field 'citation'"),
        (odi_like(title=""), "title: must be non-empty text"),
        (odi_like(items=[]), "items: must be a list of 1 to 200 items"),
        (odi_like(items=[{**ITEM, "min": 5, "max": 0}]), "items[0].max: must be greater than min"),
        (odi_like(items=[{**ITEM, "max": 5.0}]), "items[0].max: must be a whole number"),
        (odi_like(items=[ITEM, ITEM]), "items[1].key: 'a' appears twice"),
        (odi_like(items=[{**ITEM, "type": "slider"}]), "items[0].type: must be one of"),
        (odi_like(items=[{**ITEM, "key": "A b"}]), "items[0].key: must be 1-64 lower-case"),
        (
            odi_like(items=[{**ITEM, "options": [{"value": 9, "label": "x"}]}]),
            "items[0].options[0].value: must be from min (0) to max (5)",
        ),
        (
            odi_like(items=[{"key": "c", "text": "?", "type": "choice", "options": []}]),
            "items[0].options: a choice needs at least 2 options",
        ),
        (
            odi_like(scoring={"method": "count_true"}),
            "scoring.method: count_true needs every item to be boolean",
        ),
        (
            odi_like(meaningful_change={"points": -1}),
            "meaningful_change.points: must be a positive number",
        ),
        (odi_like(due={"rule": "every", "days": 0}), "due.days: must be a whole number from 1"),
        (odi_like(due={"rule": "with", "instrument": "nothing"}), "no instrument 'nothing'"),
        (
            odi_like(due={"rule": "with", "instrument": "red_flags"}),
            "'red_flags' must be due by a rule of its own",
        ),
        (odi_like(key="peg"), "must be the file's name"),
        (odi_like(urgent={"when": "any_true", "message": "Go"}), "every item to be boolean"),
    ],
)
def test_a_bad_instrument_file_stops_the_app_naming_the_file_and_the_problem(
    tmp_path, document, problem
):
    path = write(tmp_path, document)
    with pytest.raises(InstrumentFileError) as stopped:
        make_app(":memory:", INSTRUMENTS_FOLDER=str(tmp_path))
    message = str(stopped.value)
    assert message.startswith(f"instrument file {path}: ")
    assert problem in message, message


def test_an_operator_file_may_not_reuse_a_shipped_key(tmp_path):
    path = write(tmp_path, odi_like(key="peg"), name="peg.json")
    with pytest.raises(InstrumentFileError) as stopped:
        make_app(":memory:", INSTRUMENTS_FOLDER=str(tmp_path))
    assert str(stopped.value) == (
        f"instrument file {path}: key 'peg' is already used by "
        f"{shipped()['peg'].path}"
    )


def test_the_shipped_folder_alone_loads_the_same_as_shipped(tmp_path):
    from diary.instruments import SHIPPED_FOLDER

    assert load_instruments(SHIPPED_FOLDER, tmp_path) == shipped()
