"""A pain entry (PRODUCT.md sections 2, 5 and 6): how bad, where, what kind, why, what helped."""

from flask_babel import lazy_gettext as _l

from ..models import Entry
from ..validation import LIMITS
from .kind import KEYS, LOCATIONS, SCORE, TEXT, Field, RecordKind

ENTRY = RecordKind(
    name="entry",
    plural="entries",
    messages={
        "this": _l("This entry"),
        "missing": _l("There is no such entry."),
        "changed": _l("This entry changed since you loaded it; here is the current one."),
        "full": _l("This diary holds %(most)d entries, the most one account can hold."),
    },
    noun="entry",
    title="a pain entry",
    model=Entry,
    time_field="recorded_at",
    form_page="entries.new_entry",
    groups={"pain": "Pain from 0 (none) to 10 (worst imaginable); overall is required"},
    group_labels={"pain": _l("Pain")},
    fields=(
        Field("overall", SCORE, _l("Overall pain"), group="pain", required=True, carry=True),
        Field("back", SCORE, _l("Back pain"), group="pain", carry=True),
        Field("leg", SCORE, _l("Leg pain"), group="pain", carry=True),
        Field("locations", LOCATIONS, _l("Where it hurts"), carry=True),
        Field(
            "pain_types", KEYS, _l("What it feels like"), category="pain_types", noun="pain type",
            carry=True,
        ),
        Field(
            "triggers", KEYS, _l("What triggered it"), category="triggers", noun="trigger",
            carry=True,
        ),
        Field(
            "relievers", KEYS, _l("What eased it"), category="relievers", noun="reliever",
            carry=True,
        ),
        Field("medications", TEXT, _l("Medication"), limit=LIMITS["medications"], carry=True),
        Field(
            "sleep_quality", SCORE, _l("Sleep quality"), carry=True,
            description="0 worst - 10 best",
        ),
        Field(
            "interference", SCORE, _l("Interference with daily life"), carry=True,
            description="0 none - 10 complete",
        ),
        Field("notes", TEXT, _l("Note"), limit=LIMITS["notes"]),
    ),
)
