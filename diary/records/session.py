"""An acupuncture session (PRODUCT.md sections 2, 5 and 6): when, who, how, and pain around it."""

from ..models import AcupunctureSession
from ..validation import LIMITS
from .kind import KEYS, SCORE, TEXT, Field, RecordKind

SESSION = RecordKind(
    name="session",
    plural="sessions",
    noun="session",
    title="an acupuncture session",
    model=AcupunctureSession,
    time_field="started_at",
    form_page="acupuncture.new_session",
    numbered=True,
    fields=(
        Field("practitioner", TEXT, "Practitioner", limit=LIMITS["practitioner"], carry=True),
        Field(
            "techniques", KEYS, "Techniques", category="techniques", noun="technique", carry=True
        ),
        Field("points", TEXT, "Points", limit=LIMITS["points"], carry=True),
        Field("pain_before", SCORE, "Pain right before", description="Pain right before, 0-10"),
        Field("pain_after", SCORE, "Pain right after", description="Pain right after, 0-10"),
        Field("notes", TEXT, "Note", limit=LIMITS["notes"]),
    ),
    readonly={
        "recorded_by": (
            LIMITS["recorded_by"],
            '"Name, Practice" of the connected practitioner who logged it at the visit; "" '
            "when the patient did",
        )
    },
)
