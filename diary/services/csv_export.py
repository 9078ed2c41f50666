"""Entries as CSV (PRODUCT.md section 8): one row per entry, safe to open in a spreadsheet."""

import csv
import io

from ..records import ENTRY
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
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell's text: null is empty; text a spreadsheet would run as a formula gets a ``'``."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
    return [safe_cell(values[column]) for column in COLUMNS]


def entries_csv(entries):
    """A header row and one row per entry (API shapes, in the order given), as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(entry_row(entry) for entry in entries)
    return buffer.getvalue()


def entries_csv_for(user):
    """All the patient's entries as CSV, oldest first."""
    return entries_csv(records.all_as_dicts(ENTRY, user.id))
