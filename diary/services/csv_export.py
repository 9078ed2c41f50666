"""Entries and questionnaire responses as CSV (PRODUCT.md sections 8 and 11): one row per
record, safe to open in a spreadsheet."""

import csv
import io
import unicodedata

from ..instruments import instruments
from ..records import ENTRY, RESPONSE
from ..records import service as records

# The entry's own fields around its editable ones, in the order of the API shape.
COLUMNS = (
    "id",
    "recorded_at",
    "local_date",
    *ENTRY.field_names,
    "version",
    "created_at",
    "updated_at",
)
KEY_LISTS = tuple(item.name for item in ENTRY.fields if item.type == "keys")
LIST_SEPARATOR = ";"
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); the
# full-width forms too, which some spreadsheets read as the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value):
    """A cell's text: null is empty; text a spreadsheet would run as a formula gets a ``'``,
    also behind invisible characters (a zero-width space, a byte order mark: format marks)."""
    if value is None:
        return ""
    text = str(value)
    start = 0
    while start < len(text) and unicodedata.category(text[start]) == "Cf":
        start += 1
    return "'" + text if text[start:].startswith(FORMULA_STARTS) else text


def _cell(value):
    """Numbers as numbers (written unquoted), booleans as ``true``/``false``, everything else
    as safe text (quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return safe_cell(value)


def entry_row(entry):
    """The cells of one entry, given in its API shape, in ``COLUMNS`` order."""
    values = {
        **entry,
        **entry["pain"],
        "locations": LIST_SEPARATOR.join(
            f"{item['region']}:{item['side']}" for item in entry["locations"]
        ),
        **{name: LIST_SEPARATOR.join(entry[name]) for name in KEY_LISTS},
    }
    return [_cell(values[column]) for column in COLUMNS]


def entries_csv(entries):
    """A header row and one row per entry (API shapes, in the order given), as CSV text."""
    buffer = io.StringIO()
    # Every text cell is quoted: in a locale whose separator is ";" (lists are joined with
    # it), an unquoted "a;=1+1" would split into a formula cell.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(COLUMNS)
    writer.writerows(entry_row(entry) for entry in entries)
    return buffer.getvalue()


def entries_csv_for(user):
    """All the patient's entries as CSV, oldest first."""
    return entries_csv(records.all_as_dicts(ENTRY, user.id))


# A response's own fields; then one column per item of every instrument, ``peg.pain``.
RESPONSE_COLUMNS = (
    "id",
    "instrument",
    "instrument_version",
    "answered_at",
    "local_date",
    "score",
    "urgent",
)


def response_columns(known):
    """The header of the responses CSV for the instruments ``known`` (by key, in order)."""
    items = [f"{key}.{item}" for key, instrument in known.items() for item in instrument.item_keys]
    return (*RESPONSE_COLUMNS, *items)


def responses_csv(responses, known):
    """A header row and one row per response (API shapes, in the order given), as CSV text;
    an item's cell is empty where it is not the row's instrument."""
    columns = response_columns(known)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(columns)
    for response in responses:
        instrument = response["instrument"]
        values = {name: response[name] for name in RESPONSE_COLUMNS}
        values.update((f"{instrument}.{key}", value) for key, value in response["answers"].items())
        writer.writerow([_cell(values.get(column)) for column in columns])
    return buffer.getvalue()


def responses_csv_for(user):
    """All the patient's questionnaire responses as CSV, oldest first."""
    return responses_csv(records.all_as_dicts(RESPONSE, user.id), instruments())
