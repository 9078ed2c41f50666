"""A pain entry (PRODUCT.md sections 2, 5 and 6): how bad, where, what kind, why, what helped."""

from ..models import Entry
from ..validation import LIMITS
from .kind import KEYS, LOCATIONS, SCORE, TEXT, Field, RecordKind

ENTRY = RecordKind(
    name="entry",
    plural="entries",
    noun="entry",
    title="a pain entry",
    model=Entry,
    time_field="recorded_at",
    form_page="entries.new_entry",
    groups={"pain": "Pain from 0 (none) to 10 (worst imaginable); overall is required"},
    fields=(
        Field("overall", SCORE, "Overall pain", group="pain", required=True, carry=True),
        Field("back", SCORE, "Back pain", group="pain", carry=True),
        Field("leg", SCORE, "Leg pain", group="pain", carry=True),
        Field("locations", LOCATIONS, "Where it hurts", carry=True),
        Field(
            "pain_types", KEYS, "What it feels like", category="pain_types", noun="pain type",
            carry=True,
        ),
        Field(
            "triggers", KEYS, "What triggered it", category="triggers", noun="trigger", carry=True
        ),
        Field(
            "relievers", KEYS, "What eased it", category="relievers", noun="reliever", carry=True
        ),
        Field("medications", TEXT, "Medication", limit=LIMITS["medications"], carry=True),
        Field("sleep_quality", SCORE, "Sleep quality", carry=True, description="0 worst - 10 best"),
        Field(
            "interference", SCORE, "Interference with daily life", carry=True,
            description="0 none - 10 complete",
        ),
        Field("notes", TEXT, "Note", limit=LIMITS["notes"]),
    ),
)
