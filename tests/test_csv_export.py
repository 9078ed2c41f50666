"""The CSV exports of entries and questionnaire responses (PRODUCT.md sections 8 and 11): their
columns, one row per record oldest first, and spreadsheet formulas defused."""

import csv
import io

import pytest
from helpers import RED_FLAGS_NO, csv_rows, entry_body, fill_diary, response_body, rmdq_answers

from diary.instruments import shipped
from diary.services import csv_export

CSV_COLUMNS = [
    "id",
    "recorded_at",
    "local_date",
    "overall",
    "back",
    "leg",
    "locations",
    "pain_types",
    "triggers",
    "relievers",
    "medications",
    "sleep_quality",
    "interference",
    "notes",
    "version",
    "created_at",
    "updated_at",
]


def test_csv_has_a_header_and_one_row_per_entry_oldest_first(api):
    made = fill_diary(api)
    response = api.get("/export/entries.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="pain-diary-entries.csv"'
    )
    rows = csv_rows(response)
    assert list(rows[0]) == CSV_COLUMNS
    sparse, full, edited = made["entries"][1], made["entries"][0], made["entries"][2]
    assert [row["id"] for row in rows] == [sparse["id"], full["id"], edited["id"]]
    stored = {entry["id"]: entry for entry in api.get("/entries").get_json()["entries"]}
    assert rows[1] == {
        "id": full["id"],
        "recorded_at": "2026-03-02T08:30:00Z",
        "local_date": "2026-03-02",
        "overall": "6",
        "back": "4",
        "leg": "7",
        "locations": "buttock:left",
        "pain_types": "burning",
        "triggers": "sitting;gardening",
        "relievers": "heat",
        "medications": "Ibuprofen 400 mg",
        "sleep_quality": "5",
        "interference": "6",
        "notes": "Long drive.",
        "version": "1",
        "created_at": stored[full["id"]]["created_at"],
        "updated_at": stored[full["id"]]["updated_at"],
    }
    nulls = ("back", "leg", "sleep_quality", "interference", "locations", "triggers", "notes")
    assert all(rows[0][column] == "" for column in nulls)
    assert rows[2]["version"] == "2" and rows[2]["notes"] == "After"


def test_csv_joins_several_locations_with_semicolons(api):
    locations = [{"region": "buttock", "side": "left"}, {"region": "calf", "side": "both"}]
    api.post("/entries", entry_body(locations=locations, relievers=["heat", "rest"]))
    row = csv_rows(api.get("/export/entries.csv"))[0]
    assert row["locations"] == "buttock:left;calf:both"
    assert row["relievers"] == "heat;rest"


@pytest.mark.parametrize("text", ["=SUM(1)", "+1", "-1", "@x", "=cmd|' /C calc'!A0"])
def test_csv_defuses_formulas_in_notes_and_medications(api, text):
    api.post("/entries", entry_body(notes=text, medications=text))
    row = csv_rows(api.get("/export/entries.csv"))[0]
    assert row["notes"] == "'" + text
    assert row["medications"] == "'" + text


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=SUM(1)", "'=SUM(1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        (" =x", " =x"),
        ("", ""),
        (None, ""),
        (7, "7"),
    ],
)
def test_safe_cell(text, cell):
    assert csv_export.safe_cell(text) == cell


@pytest.mark.parametrize("text", ["\tx", "\rx", "=1+2", "@SUM(A1)"])
def test_csv_service_defuses_every_text_column(text):
    entry = {
        "id": "e1",
        "recorded_at": "2026-03-02T08:30:00Z",
        "local_date": "2026-03-02",
        "pain": {"overall": 5, "back": None, "leg": None},
        "locations": [],
        "pain_types": [],
        "triggers": [],
        "relievers": [],
        "medications": text,
        "sleep_quality": None,
        "interference": None,
        "notes": text,
        "version": 1,
        "created_at": "2026-03-02T08:30:00Z",
        "updated_at": "2026-03-02T08:30:00Z",
    }
    rows = list(csv.DictReader(io.StringIO(csv_export.entries_csv([entry]), newline="")))
    assert rows[0]["notes"] == "'" + text
    assert rows[0]["medications"] == "'" + text
    assert rows[0]["back"] == ""


def test_csv_quotes_commas_quotes_and_line_breaks(api):
    notes = 'Sat badly, then "ouch"\nsecond line'
    api.post("/entries", entry_body(notes=notes))
    text = api.get("/export/entries.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 1 and rows[0]["notes"] == notes


RESPONSE_COLUMNS = [
    "id",
    "instrument",
    "instrument_version",
    "answered_at",
    "local_date",
    "score",
    "urgent",
    "peg.pain",
    "peg.enjoyment",
    "peg.activity",
    *(f"red_flags.{name}" for name in RED_FLAGS_NO),
    *(f"rmdq.q{n}" for n in range(1, 25)),
    "pgic.change",
]


def test_responses_csv_has_section_11s_columns_and_one_row_per_response(api):
    made = fill_diary(api)
    rmdq = response_body(
        instrument="rmdq", answers=rmdq_answers(2), answered_at="2026-03-01T08:00:00Z"
    )
    api.post("/responses", rmdq)
    response = api.get("/export/responses.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="pain-diary-responses.csv"'
    )
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header == RESPONSE_COLUMNS
    first, peg, red_flags = csv_rows(response)  # oldest first
    assert first["id"] == rmdq["id"] and first["score"] == "2"
    assert (first["rmdq.q1"], first["rmdq.q3"], first["peg.pain"]) == ("true", "false", "")
    assert peg == {
        **dict.fromkeys(RESPONSE_COLUMNS, ""),
        "id": made["responses"][0]["id"],
        "instrument": "peg",
        "instrument_version": "1",
        "answered_at": "2026-03-02T09:00:00Z",
        "local_date": "2026-03-02",
        "score": "6.67",
        "urgent": "false",
        "peg.pain": "7",
        "peg.enjoyment": "6",
        "peg.activity": "7",
    }
    assert red_flags["urgent"] == "true" and red_flags["score"] == "1"
    assert red_flags["red_flags.bladder"] == "true" and red_flags["red_flags.bowel"] == "false"
    assert red_flags["pgic.change"] == "" and red_flags["rmdq.q24"] == ""


def test_responses_csv_of_an_empty_diary_is_the_header():
    text = csv_export.responses_csv([], shipped())
    assert list(csv.reader(io.StringIO(text))) == [RESPONSE_COLUMNS]
