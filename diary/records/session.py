"""An acupuncture session (PRODUCT.md sections 2, 5 and 6): when, who, how, and pain around it."""

from flask_babel import lazy_gettext as _l

from ..models import AcupunctureSession
from ..validation import LIMITS
from .kind import KEYS, SCORE, TEXT, Field, RecordKind

SESSION = RecordKind(
    name="session",
    plural="sessions",
    messages={
        "this": _l("This session"),
        "missing": _l("There is no such session."),
        "changed": _l("This session changed since you loaded it; here is the current one."),
        "full": _l("This diary holds %(most)d sessions, the most one account can hold."),
    },
    noun="session",
    title="an acupuncture session",
    model=AcupunctureSession,
    time_field="started_at",
    form_page="acupuncture.new_session",
    numbered=True,
    fields=(
        Field("practitioner", TEXT, _l("Practitioner"), limit=LIMITS["practitioner"], carry=True),
        Field(
            "techniques", KEYS, _l("Techniques"), category="techniques", noun="technique",
            carry=True,
        ),
        Field("points", TEXT, _l("Points"), limit=LIMITS["points"], carry=True),
        Field("pain_before", SCORE, _l("Pain right before"), description="Pain right before, 0-10"),
        Field("pain_after", SCORE, _l("Pain right after"), description="Pain right after, 0-10"),
        Field("notes", TEXT, _l("Note"), limit=LIMITS["notes"]),
    ),
    readonly={
        "recorded_by": (
            LIMITS["recorded_by"],
            '"Name, Practice" of the connected practitioner who logged it at the visit; "" '
            "when the patient did",
        )
    },
)
