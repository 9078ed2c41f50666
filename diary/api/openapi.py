"""The OpenAPI 3.1 document describing every /api/v1 route (public, no login).

Written for generated clients (openapi-python-client, openapi-core, Schemathesis): every
operation has an ``operationId`` and a tag, declares the headers it sends, 429 and a ``default``
error; every answer's shape is typed, and requests say what the server accepts, not less.
"""

from functools import lru_cache

from ..core.errors import CODES
from ..core.i18n import LOCALES
from ..instruments import shipped
from ..records import KINDS
from ..services.reminders import DAYS as REMINDER_DAYS
from ..services.trends import MEASURES, charted
from ..validation import LIMITS, MAX_KEYS, MAX_LOCATIONS
from ..vocabulary import CUSTOMISABLE, REGIONS, SIDES
from . import bp


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _headers(*names):
    """References to response headers declared in ``HEADERS``."""
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _json(schema, description="OK", headers=()):
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = _headers(*headers)
    return response


def _error(description, schema="Error", headers=()):
    return _json(_ref(schema), description, headers)


RATE_LIMIT_HEADERS = (
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)


def _rate_limited(description):
    return _error(description, headers=RATE_LIMIT_HEADERS)


PAIN = {"type": "integer", "minimum": 0, "maximum": 10}
NULLABLE_PAIN = {"type": ["integer", "null"], "minimum": 0, "maximum": 10}
INSTANT = {"type": "string", "format": "date-time"}
LOCALE = {
    "type": ["string", "null"],
    "enum": [*LOCALES, None],
    "description": "The language of pages, e-mails and reminders (PRODUCT.md section 15); null "
    "follows the browser's Accept-Language. Vocabulary and instrument labels come in the "
    "request's language; keys never change",
}
NULLABLE_INSTANT = {"type": ["string", "null"], "format": "date-time"}
DATE = {"type": "string", "format": "date"}
KEYS = {"type": "array", "items": {"type": "string"}, "maxItems": MAX_KEYS}
# What a request may send for an instant: ISO 8601 with or without an offset. Not ``format:
# date-time`` (RFC 3339 needs the offset): without one the server reads the profile's time zone.
INSTANT_INPUT = {
    "type": ["string", "null"],
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$",
    "description": "ISO 8601 date and time: 2026-03-01T08:30:00Z, 2026-03-01T09:30+01:00, or "
    "2026-03-01T08:30 without an offset, read in the profile's time zone. null or absent: now. "
    "From 2000-01-01 to 1 hour ahead.",
}
INTEGER_NOTE = 'a JSON integer: 5.0, "5" and true are refused (422)'
NULL_NOTE = "null is the same as leaving it out"


def _text(limit):
    return {"type": "string", "maxLength": limit}


def _describe(schema, *notes):
    """``schema`` with its description followed by ``notes`` (each a phrase)."""
    text = "; ".join(note for note in (schema.get("description"), *notes) if note)
    return {**schema, "description": text} if text else schema


def _nullable(schema, *notes):
    """``schema`` that also takes null (a request field where null means absent), described."""
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return _describe({**schema, "type": [*dict.fromkeys([*kinds, "null"])]}, *notes)


def _field_schema(field, output=True):
    """The JSON Schema of one record field (from its ``diary.records`` definition).

    Answers always hold every field (text "" and lists [] when empty); requests may send null
    for any optional field, meaning absent.
    """
    if field.schema is not None:
        return dict(field.schema)  # a field whose rules live elsewhere (an instrument's answers)
    if field.type == "score":
        schema = dict(PAIN if field.required else NULLABLE_PAIN)
    elif field.type == "text":
        schema = _text(field.limit)
    elif field.type == "keys":
        schema = dict(KEYS)
    else:
        schema = {"type": "array", "items": _ref("Location"), "maxItems": MAX_LOCATIONS}
    if field.description:
        schema["description"] = field.description
    if output:
        return schema
    if field.type == "score":
        return _describe(schema, INTEGER_NOTE, None if field.required else "null: not given")
    if field.type == "text":
        return _nullable(schema, f'{NULL_NOTE} (stored as "")')
    return _nullable(schema, f"{NULL_NOTE} (stored as [])")


def _record_schemas(kind):
    """``<Kind>Input``, ``<Kind>`` and ``<Kind>PreconditionFailed`` for a record kind: what a
    client sends, gets back, and gets with a 412."""
    name = kind.api_name
    inputs = {
        "id": {
            "type": ["string", "null"],
            "format": "uuid",
            "description": "Client-chosen idempotency key (null or absent: the server picks one; "
            "on PUT it must match the URL)",
        },
        kind.time_field: INSTANT_INPUT,
    }
    outputs = {
        "id": {"type": "string", "format": "uuid"},
        kind.time_field: INSTANT,
        "local_date": DATE,
    }
    if kind.numbered:
        outputs["number"] = {"type": "integer", "minimum": 1}
    required_inputs = []
    for field in kind.fields:
        for schemas, output in ((inputs, False), (outputs, True)):
            target = schemas
            if field.group:
                group = schemas.setdefault(
                    field.group,
                    {
                        "type": "object",
                        "description": kind.groups[field.group],
                        "required": [],
                        "properties": {},
                    },
                )
                if output or field.required:
                    group["required"].append(field.name)
                target = group["properties"]
            target[field.name] = _field_schema(field, output)
        if field.required:
            required_inputs.append(field.group or field.name)
    for extra, (limit, description) in kind.readonly.items():
        outputs[extra] = {**_text(limit), "description": description}
        inputs[extra] = {
            **_nullable(_text(limit)),
            "description": "Ignored: set by the server (a backup restore keeps it)",
        }
    outputs.update({name: schema for name, _, schema in kind.outputs})
    outputs.update(
        {
            "version": {"type": "integer", "minimum": 1},
            "created_at": INSTANT,
            "updated_at": INSTANT,
        }
    )
    input_schema = {"type": "object", "properties": inputs}
    if required_inputs:
        input_schema["required"] = list(dict.fromkeys(required_inputs))
    return {
        f"{name}Input": input_schema,
        name: {"type": "object", "required": list(outputs), "properties": outputs},
        f"{name}PreconditionFailed": {
            "type": "object",
            "description": f"412: {kind.title} changed since that version; `current` is it now",
            "required": ["error", "current"],
            "properties": {"error": _ref("ErrorDetail"), "current": _ref(name)},
        },
    }


# Every code an error answer can carry (diary.core.errors), "server_error" for any other status.
ERROR_CODES = [*dict.fromkeys(CODES.values()), "server_error"]
CATEGORIES = ["substantial", "moderate", "minimal", "no_change", "worse", "too_early"]
MEAN = {"type": "number", "minimum": 0, "maximum": 10}
NULLABLE_MEAN = {"type": ["number", "null"], "minimum": 0, "maximum": 10}
COUNT = {"type": "integer", "minimum": 0}
NULLABLE_COUNT = {"type": ["integer", "null"], "minimum": 0}


def _object(properties, description=None):
    """An object whose every property is always present (null where the type allows)."""
    schema = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


NULLABLE_QUESTIONNAIRE = {"anyOf": [_ref("QuestionnaireTrend"), {"type": "null"}]}

# PRODUCT.md section 7, shape by shape; every number is rounded to 2 decimals.
TRENDS_SCHEMAS = {
    "DateRange": _object({"from": DATE, "to": DATE}),
    "TrendsDay": _object(
        {
            "date": DATE,
            "overall": {**NULLABLE_MEAN, "description": "Mean overall pain of the day's entries"},
            "overall_max": NULLABLE_PAIN,
            "back": NULLABLE_MEAN,
            "leg": NULLABLE_MEAN,
            "entries": COUNT,
            "rolling7": {
                **NULLABLE_MEAN,
                "description": "Mean of the day means of overall over this date and the 6 before",
            },
            "sleep_quality": {**NULLABLE_MEAN, "description": "Mean, 0 worst - 10 best"},
            "interference": {**NULLABLE_MEAN, "description": "Mean, 0 none - 10 complete"},
            "medicated": {
                "type": ["boolean", "null"],
                "description": "Any entry with medications or the reliever `medication`; null "
                "on a day without entries",
            },
        },
        "One date of the range; a day without entries has nulls and `entries: 0`",
    ),
    "TrendsSession": _object(
        {
            "id": {"type": "string", "format": "uuid"},
            "number": {"type": "integer", "minimum": 1},
            "started_at": INSTANT,
            "local_date": DATE,
            "practitioner": {"type": "string"},
            "techniques": {"type": "array", "items": {"type": "string"}},
            "pain_before": NULLABLE_PAIN,
            "pain_after": NULLABLE_PAIN,
        }
    ),
    "Interval": _object(
        {
            "session_id": {"type": "string", "format": "uuid"},
            "number": {"type": "integer", "minimum": 1},
            "entries": COUNT,
            "mean_overall": NULLABLE_MEAN,
            "min_overall": NULLABLE_PAIN,
            "max_overall": NULLABLE_PAIN,
            "days": {
                "type": ["integer", "null"],
                "description": "Days from this session's local date to the next one's; null if "
                "none",
            },
            "pre_session": {
                **NULLABLE_MEAN,
                "description": "Mean overall in the 72 hours before the session",
            },
            "relief_days": NULLABLE_COUNT,
        },
        "From a session to the next one (or the end of the range)",
    ),
    "ProgressWindow": _object({"from": DATE, "to": DATE, "mean": MEAN, "entries": COUNT}),
    "Progress": _object(
        {
            "baseline": _ref("ProgressWindow"),
            "current": _ref("ProgressWindow"),
            "absolute": {
                "type": ["number", "null"],
                "description": "current - baseline; null when too early",
            },
            "percent": {
                "type": ["number", "null"],
                "description": "absolute / baseline x 100; null when too early or baseline is 0",
            },
            "category": {
                "type": "string",
                "enum": CATEGORIES,
                "description": "IMMPACT (Dworkin 2008) by the reduction; `too_early` when the "
                "windows overlap or either has fewer than 3 dates with the measure",
            },
            "clinically_important": {"type": "boolean"},
        },
        "One measure's change from the baseline to the latest 7 days",
    ),
    "LocationDays": _object(
        {
            "region": {"type": "string", "enum": list(REGIONS)},
            "side": {"type": "string", "enum": list(SIDES)},
            "days": {"type": "integer", "minimum": 1},
        }
    ),
    "QuestionnairePoint": _object(
        {"date": DATE, "score": {"type": "number"}},
        "The score of the latest response by answered_at on that local date",
    ),
    "QuestionnaireTrend": _object(
        {
            "points": {
                "type": "array",
                "items": _ref("QuestionnairePoint"),
                "description": "Dates in the range with a response, ascending",
            },
            "baseline": {
                "type": ["number", "null"],
                "description": "Score of the patient's first response (null for the PGIC)",
            },
            "latest": {
                "type": "number",
                "description": "Score of the last response dated on or before `to`",
            },
            "change": {
                "type": ["number", "null"],
                "description": "latest - baseline (null for the PGIC)",
            },
            "percent": {
                "type": ["number", "null"],
                "description": "change / baseline x 100; null when the baseline is 0 (and for "
                "the PGIC)",
            },
            "meaningful": {
                "type": "boolean",
                "description": "The instrument's meaningful-improvement rule (PEG: 30 % less; "
                "RMDQ: 5 points or 30 % less; PGIC: the latest answer is 1 or 2); false when "
                "the latest response is the baseline itself or the baseline is 0",
            },
        },
        "One questionnaire's course (PRODUCT.md section 11)",
    ),
    "KeyDays": _object({"key": {"type": "string"}, "days": {"type": "integer", "minimum": 1}}),
    "TriggerDays": _object(
        {
            "key": {"type": "string"},
            "days": {"type": "integer", "minimum": 1},
            "mean_with": NULLABLE_MEAN,
            "mean_without": NULLABLE_MEAN,
        }
    ),
}

ANSWER_VALUE = {"type": ["integer", "boolean"]}
QUESTIONNAIRE_SCHEMAS = {
    "InstrumentOption": _object(
        {"value": ANSWER_VALUE, "label": {"type": "string"}},
        "An answer to offer (for an integer item: a labelled end of its scale)",
    ),
    "InstrumentItem": _object(
        {
            "key": {"type": "string"},
            "text": {"type": "string"},
            "type": {"type": "string", "enum": ["integer", "boolean", "choice"]},
            "min": {"type": ["integer", "null"], "description": "integer items only"},
            "max": {"type": ["integer", "null"], "description": "integer items only"},
            "options": {"type": "array", "items": _ref("InstrumentOption")},
        },
        "One question: an answer is a JSON integer from min to max (integer), true or false "
        "(boolean), or one of the options' values (choice)",
    ),
    "Instrument": _object(
        {
            "key": {"type": "string"},
            "title": {"type": "string"},
            "version": {"type": "string"},
            "recall": {"type": "string", "description": "The period the questions ask about"},
            "instructions": {"type": "string", "description": "Shown before the questions"},
            "minutes": {"type": "integer", "minimum": 1, "description": "About how long it takes"},
            "citation": {"type": "string"},
            "items": {"type": "array", "items": _ref("InstrumentItem")},
        },
        "A questionnaire (PRODUCT.md section 11), from its file",
    ),
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": _ref("ErrorDetail")},
    },
    "ErrorDetail": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {
                "type": "string",
                "enum": ERROR_CODES,
                "description": "Stable; the HTTP status says the same (405 is "
                "`method_not_allowed`, any unlisted status `server_error`)",
            },
            "message": {"type": "string", "description": "For the patient to read"},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "A message per bad field, by path (`pain.overall`)",
            },
        },
    },
    "Location": {
        "type": "object",
        "required": ["region", "side"],
        "properties": {
            "region": {"type": "string", "enum": list(REGIONS)},
            "side": {"type": "string", "enum": list(SIDES)},
        },
    },
    **{name: schema for kind in KINDS for name, schema in _record_schemas(kind).items()},
    "Me": {
        "type": "object",
        "required": [
            "email", "display_name", "timezone", "locale", "role", "email_verified", "csrf_token"
        ],
        "properties": {
            "email": {"type": "string"},
            "display_name": {"type": "string"},
            "timezone": {"type": "string"},
            "locale": LOCALE,
            "email_verified": {
                "type": "boolean",
                "description": "Whether the address was confirmed through a mailed link (a "
                "new address starts unconfirmed)",
            },
            "role": {
                "type": "string",
                "enum": ["patient", "practitioner"],
                "description": "A practitioner has no diary: the diary routes answer 404",
            },
            "practice": {
                "type": "string",
                "maxLength": LIMITS["practice"],
                "description": "The practitioner's practice (practitioners only)",
            },
            "csrf_token": {"type": "string"},
        },
    },
    "PushSubscriptionInput": {
        "type": "object",
        "required": ["endpoint", "keys"],
        "properties": {
            "endpoint": {
                "type": "string",
                "maxLength": 2048,
                "description": "The push service URL: https on a host of PUSH_ALLOWED_HOSTS",
            },
            "keys": {
                "type": "object",
                "required": ["p256dh", "auth"],
                "properties": {
                    "p256dh": {
                        "type": "string",
                        "description": "base64url of the browser's P-256 public key (65 bytes)",
                    },
                    "auth": {
                        "type": "string",
                        "description": "base64url of the 16-byte auth secret",
                    },
                },
            },
            "expirationTime": {"type": ["number", "null"], "description": "Ignored"},
        },
    },
    "Reminder": _object(
        {
            "id": {"type": "string", "format": "uuid"},
            "kind": {"type": "string", "enum": ["log", "check_in"]},
            "local_time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
            "days": {
                "type": "array",
                "items": {"type": "string", "enum": list(REMINDER_DAYS)},
                "minItems": 1,
                "uniqueItems": True,
            },
            "channels": {
                "type": "array",
                "items": {"type": "string", "enum": ["push", "email"]},
                "minItems": 1,
                "uniqueItems": True,
            },
            "enabled": {"type": "boolean"},
        },
        "A reminder at local_time (the profile's time zone, DST-safe) on the days listed",
    ),
    "ReminderInput": {
        "type": "object",
        "required": ["local_time"],
        "properties": {
            "kind": {
                "type": "string",
                "enum": ["log", "check_in"],
                "description": "Default log; check_in is due only when a questionnaire is",
            },
            "local_time": {
                "type": "string",
                "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
                "description": "HH:MM in the profile's time zone",
            },
            "days": {
                "type": "array",
                "items": {"type": "string", "enum": list(REMINDER_DAYS)},
                "minItems": 1,
                "uniqueItems": True,
                "description": "Default: every day",
            },
            "channels": {
                "type": "array",
                "items": {"type": "string", "enum": ["push", "email"]},
                "minItems": 1,
                "uniqueItems": True,
                "description": "Default: push. E-mail goes only to a confirmed address",
            },
            "enabled": {"type": "boolean", "description": "Default true"},
        },
    },
    "Trends": {
        "type": "object",
        "description": "PRODUCT.md section 7; numbers rounded to 2 decimals",
        "required": [
            "range",
            "days",
            "sessions",
            "intervals",
            "progress",
            "locations",
            "pain_types",
            "relievers",
            "triggers",
            "questionnaires",
        ],
        "properties": {
            "range": _ref("DateRange"),
            "days": {"type": "array", "items": _ref("TrendsDay")},
            "sessions": {"type": "array", "items": _ref("TrendsSession")},
            "intervals": {"type": "array", "items": _ref("Interval")},
            "progress": _object(
                {
                    measure: {
                        "anyOf": [_ref("Progress"), {"type": "null"}],
                        "description": "null when the measure has no entry on or before `to`",
                    }
                    for measure in MEASURES
                }
            ),
            "locations": {"type": "array", "items": _ref("LocationDays")},
            "pain_types": {"type": "array", "items": _ref("KeyDays")},
            "relievers": {"type": "array", "items": _ref("KeyDays")},
            "triggers": {"type": "array", "items": _ref("TriggerDays")},
            "questionnaires": {
                **_object(
                    {key: NULLABLE_QUESTIONNAIRE for key in charted(shipped())},
                    "Each charted questionnaire's course (red flags are never charted); null "
                    "when the patient has no response of it dated on or before `to`. Instruments "
                    "an operator adds with a meaningful-change rule come after these.",
                ),
                "additionalProperties": NULLABLE_QUESTIONNAIRE,
            },
        },
    },
    **TRENDS_SCHEMAS,
    **QUESTIONNAIRE_SCHEMAS,
    "ShareInput": {
        "type": "object",
        "properties": {
            "label": _nullable(_text(LIMITS["label"]), f'{NULL_NOTE} (stored as "")'),
            "expires_in_days": _nullable(
                {"type": "integer", "minimum": 1, "maximum": 365, "default": 30},
                INTEGER_NOTE,
                f"{NULL_NOTE} (30)",
            ),
            "include_notes": _nullable(
                {"type": "boolean", "default": False}, f"{NULL_NOTE} (false)"
            ),
        },
    },
    "CreatedShare": {
        "type": "object",
        "required": ["id", "label", "url", "token", "expires_at", "include_notes", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "label": {"type": "string"},
            "url": {"type": "string"},
            "token": {"type": "string", "description": "Shown only in this answer"},
            "expires_at": INSTANT,
            "include_notes": {"type": "boolean"},
            "created_at": INSTANT,
        },
    },
    "Share": {
        "type": "object",
        "required": [
            "id",
            "label",
            "created_at",
            "expires_at",
            "revoked_at",
            "include_notes",
            "view_count",
            "last_viewed_at",
        ],
        "properties": {
            "id": {"type": "string"},
            "label": {"type": "string"},
            "created_at": INSTANT,
            "expires_at": INSTANT,
            "revoked_at": NULLABLE_INSTANT,
            "include_notes": {"type": "boolean"},
            "view_count": {"type": "integer", "minimum": 0},
            "last_viewed_at": NULLABLE_INSTANT,
        },
    },
    "Backup": {
        "type": "object",
        "required": [
            "format",
            "version",
            "exported_at",
            "profile",
            "vocabulary",
            *(kind.plural for kind in KINDS),
        ],
        "properties": {
            "format": {"const": "pain-diary-backup"},
            "version": {"const": 1},
            "exported_at": INSTANT,
            "profile": _object(
                {
                    "email": {"type": "string"},
                    "display_name": {"type": "string"},
                    "timezone": {"type": "string"},
                },
                "Shown for reference; a restore never changes the profile",
            ),
            "vocabulary": _object(
                {
                    category: {
                        "type": "array",
                        "items": _object({"key": {"type": "string"}, "label": {"type": "string"}}),
                    }
                    for category in CUSTOMISABLE
                },
                "The patient's own words; a restore maps them onto this patient's by label",
            ),
            **{
                kind.plural: {"type": "array", "items": _ref(kind.api_name)}
                for kind in KINDS
            },
        },
    },
    "CareTeamMember": _object(
        {
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "The connection's id (the practitioner uses the same one)",
            },
            "practitioner": _object(
                {
                    "display_name": {"type": "string"},
                    "practice": {"type": "string"},
                }
            ),
            "since": INSTANT,
            "include_notes": {"type": "boolean"},
            "access_log": {
                "type": "array",
                "description": "Newest first (at most 200): when the practitioner opened what",
                "items": _object(
                    {
                        "at": INSTANT,
                        "what": {
                            "type": "string",
                            "description": "report, trends, session_logged or summary_pdf",
                        },
                    }
                ),
            },
        },
        "A practitioner connected to the patient (section 13)",
    ),
    "PatientRow": _object(
        {
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "The connection's id (never the patient's account id)",
            },
            "display_name": {"type": "string", "description": '"Patient" when none is set'},
            "since": {**INSTANT, "description": "When the patient connected"},
            "last_entry_date": {**DATE, "type": ["string", "null"]},
            "days_logged_7": {"type": "integer", "minimum": 0, "maximum": 7},
            "overall_7d": {
                **NULLABLE_MEAN,
                "description": "Mean overall pain of the entries dated today - 6 ... today "
                "(the patient's today)",
            },
            "leg_7d": NULLABLE_MEAN,
            "progress": _object(
                {
                    "percent": {"type": ["number", "null"]},
                    "category": {"type": ["string", "null"], "enum": [*CATEGORIES, None]},
                },
                "Overall pain's section 7 progress, as the patient's own trends have it "
                "(nulls without entries)",
            ),
            "latest_peg": {"type": ["number", "null"], "description": "The latest PEG score"},
            "last_session": {
                "anyOf": [
                    _object({"number": {"type": "integer", "minimum": 1}, "local_date": DATE}),
                    {"type": "null"},
                ]
            },
            "flags": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": ["red_flag", "worse", "not_logging", "check_in_due"],
                },
                "description": "Most urgent first",
            },
        },
        "One connected patient on the dashboard",
    ),
    "ConnectCode": _object(
        {
            "code": {"type": "string", "pattern": "^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){2}$"},
            "url": {"type": "string", "description": "FLASK_PUBLIC_URL + /connect/<code>"},
        }
    ),
    "Term": {
        "type": "object",
        "required": ["key", "label", "custom"],
        "properties": {
            "key": {"type": "string"},
            "label": {"type": "string"},
            "custom": {"type": "boolean"},
        },
    },
}

IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The ETag of the version you last saw, e.g. "3" (several: "2", "3"); a '
    "stale one answers 412 with the current record. Without it the last write wins.",
}
RECORD_ID = {"name": "record_id", "in": "path", "required": True, "schema": {"type": "string"}}
RANGE = [
    {"name": "from", "in": "query", "required": False, "schema": DATE},
    {"name": "to", "in": "query", "required": False, "schema": DATE},
]
PAGING = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
        "description": "At most this many, with `next_cursor` for the rest. Without it, "
        "up to 5,000 (a whole small diary), and `next_cursor` only when more remain.",
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "The `next_cursor` of the previous page (same from/to)",
    },
]
UNAUTHORIZED = {"401": _error("Not logged in")}
PASSWORD_CHECKED = {
    "429": _rate_limited(
        "Too many password checks for this account or from this address (Retry-After says "
        "how long to wait)"
    )
}
UNSAFE = {
    "400": _error("Malformed JSON or missing CSRF token"),
    "401": _error("Not logged in"),
    "413": _error("Body over 1 MB"),
    "422": _error("A field breaks a data rule"),
}
RATE_LIMITED = _rate_limited(
    "Too many requests from this address or for this patient (every /api/v1 route shares "
    "one budget of each); wait Retry-After seconds"
)
DEFAULT_ERROR = _error("Any other error, in the same shape (e.g. 500 `server_error`)")
UNSAFE_METHODS = ("post", "put", "patch", "delete")
# The session cookie proves who is asking; unsafe methods also need the CSRF token.
SECURITY = [{"session": []}]
UNSAFE_SECURITY = [{"session": [], "csrf": []}]
TAGS = [
    {"name": "account", "description": "The logged-in patient"},
    {"name": "vocabulary", "description": "The words entries and sessions use (section 4)"},
    *({"name": kind.plural, "description": f"{kind.title.capitalize()}s"} for kind in KINDS),
    {"name": "questionnaires", "description": "Outcome questionnaires and when each is due"},
    {"name": "trends", "description": "The numbers behind the charts (section 7)"},
    {"name": "shares", "description": "Read-only links for a practitioner"},
    {"name": "push", "description": "Web Push on the patient's devices (section 12)"},
    {"name": "reminders", "description": "When to remind the patient to log (section 12)"},
    {"name": "exports", "description": "The diary as CSV, FHIR or a backup, and restores"},
    {"name": "care_team", "description": "The patient's practitioners and what they opened"},
    {"name": "practice", "description": "The practitioner's workspace (practitioners only)"},
    {"name": "document", "description": "This document"},
]
RECORD_HEADERS = ("ETag",)
SECONDS = {"type": "integer", "minimum": 0}
HEADERS = {
    "ETag": {
        "description": 'The record\'s version, quoted ("3"): send it back as If-Match',
        "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
    },
    "Location": {
        "description": "The record's URL (a path on this server)",
        "required": True,
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "Content-Disposition": {
        "description": 'attachment; filename="..." (a download)',
        "required": True,
        "schema": {"type": "string", "pattern": '^attachment; filename="[^"]+"$'},
    },
    "Retry-After": {
        "description": "Seconds to wait before asking again",
        "required": True,
        "schema": SECONDS,
    },
    "X-RateLimit-Limit": {
        "description": "Requests allowed in the current window of the limit nearest to running "
        "out (sent on every answer while rate limiting is on)",
        "schema": SECONDS,
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in that window",
        "schema": SECONDS,
    },
    "X-RateLimit-Reset": {
        "description": "When that window ends, in seconds since 1970 (UTC)",
        "schema": SECONDS,
    },
    "Set-Cookie": {
        "description": "The session cookie, when the session changed (the first GET /me keeps "
        "the CSRF secret there; a confirmed password, a logout). DELETE /me also clears a "
        "`remember_token` cookie if one was sent.",
        "schema": {"type": "string"},
    },
    "Clear-Site-Data": {
        "description": 'The browser forgets this site\'s caches and storage: "cache", "storage"',
        "required": True,
        "schema": {"type": "string"},
    },
}
SECURITY_SCHEMES = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The signed session cookie the HTML login sets: GET /login for its "
        "`csrf_token` field, then POST /login with `email`, `password` and `csrf_token` (a "
        'form). "Keep me signed in" (`remember`) makes this same cookie last 30 days; the app '
        "issues no `remember_token` cookie, and one alone is not a login (401).",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "The `csrf_token` of GET /api/v1/me, for the life of the session; POST, "
        "PUT, PATCH and DELETE need it with the cookie (else 400 `bad_request`).",
    },
}
DESCRIPTION = """The pain diary's JSON API (PRODUCT.md section 6).

- **Login**: the session cookie (security scheme `session`, set by the HTML login form);
  unsafe methods also send the header `X-CSRFToken` (scheme `csrf`). Without a session every
  route answers 401, never a redirect. Keep the cookies each answer sets (`Set-Cookie`): the
  session notes activity and password confirmations in its cookie.
- **Errors** are `{"error": {"code", "message", "fields"?}}` with the codes of `ErrorDetail`;
  every operation lists its own and a `default`.
- **Rate limits**: every route shares one budget per address and one per patient; answers
  carry `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `Retry-After`,
  and 429 says how long to wait.
- **Lost updates**: record answers carry `ETag: "<version>"`; send it as `If-Match` with PUT.
- **Requests**: null in an optional field means the same as leaving it out; numbers that must
  be whole are JSON integers (5.0 is refused); instants may omit the offset (the profile's
  time zone is used). Bodies over 1 MB (restores: 20 MB) answer 413.
"""


def _body(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _record_paths(plural, singular, input_schema, schema, what, filters=()):
    name, names = singular.capitalize(), plural.capitalize()
    filter_parameters = [
        {
            "name": field,
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
            "description": f"Only the {plural} with this {field}",
        }
        for field in filters
    ]
    tags = [plural]
    collection = {
        "post": {
            "operationId": f"create{name}",
            "tags": tags,
            "summary": f"Create {what} (idempotent on a client-supplied id)",
            "requestBody": _body(_ref(input_schema)),
            "responses": {
                "201": _json(_ref(schema), "Created", ("ETag", "Location")),
                "200": _json(
                    _ref(schema), "Replay of the same id and content", ("ETag", "Location")
                ),
                "409": _error("The id is used by other content"),
                **UNSAFE,
            },
        },
        "get": {
            "operationId": f"list{names}",
            "tags": tags,
            "summary": f"List {plural} by local date, in pages",
            "parameters": RANGE + filter_parameters + PAGING,
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": [plural],
                        "properties": {
                            plural: {"type": "array", "items": _ref(schema)},
                            "next_cursor": {
                                "type": ["string", "null"],
                                "description": "Pass as `cursor` for the next page; null or "
                                "absent at the end",
                            },
                        },
                    }
                ),
                "422": _error(
                    "Bad date range, limit or cursor" + (", or filter" if filters else "")
                ),
                **UNAUTHORIZED,
            },
        },
    }
    item = {
        "parameters": [RECORD_ID],
        "get": {
            "operationId": f"get{name}",
            "tags": tags,
            "summary": f"Read {what}",
            "responses": {
                "200": _json(_ref(schema), headers=RECORD_HEADERS),
                "404": _error("Not found"),
                **UNAUTHORIZED,
            },
        },
        "put": {
            "operationId": f"replace{name}",
            "tags": tags,
            "summary": f"Replace {what}'s editable fields",
            "parameters": [IF_MATCH],
            "requestBody": _body(_ref(input_schema)),
            "responses": {
                "200": _json(_ref(schema), headers=RECORD_HEADERS),
                "404": _error("Not found"),
                "412": _error(
                    "Stale If-Match version; `current` holds the current record, ETag its version",
                    f"{schema}PreconditionFailed",
                    RECORD_HEADERS,
                ),
                **UNSAFE,
            },
        },
        "delete": {
            "operationId": f"delete{name}",
            "tags": tags,
            "summary": f"Delete {what}",
            "responses": {"204": {"description": "Deleted"}, "404": _error("Not found"), **UNSAFE},
        },
    }
    return {f"/api/v1/{plural}": collection, f"/api/v1/{plural}/{{record_id}}": item}


CONNECTION_ID = {
    "name": "connection_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The connection's id (never an account id)",
}
PATIENTS_ONLY = "Not found, or not a patient's route (a practitioner has no diary)"
PRACTITIONERS_ONLY = (
    "Not found: no such connection of this practitioner (ended, another's, any other id), "
    "or the caller is not a practitioner"
)


def _care_team_paths():
    member = _ref("CareTeamMember")
    return {
        "/api/v1/care-team": {
            "get": {
                "operationId": "listCareTeam",
                "tags": ["care_team"],
                "summary": "The patient's practitioners, notes on or off, and their access log",
                "responses": {
                    "200": _json(
                        _object({"care_team": {"type": "array", "items": member}})
                    ),
                    "404": _error(PATIENTS_ONLY),
                    **UNAUTHORIZED,
                },
            },
            "post": {
                "operationId": "connectPractitioner",
                "tags": ["care_team"],
                "summary": "Connect to the practitioner with this code (the patient consents)",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["code"],
                        "properties": {
                            "code": {
                                "type": "string",
                                "description": "12 characters; case, spaces and dashes ignored",
                            },
                            "include_notes": _nullable(
                                {"type": "boolean", "default": False}, f"{NULL_NOTE} (false)"
                            ),
                        },
                    }
                ),
                "responses": {
                    "201": _json(member, "Connected"),
                    "404": _error("No practitioner has this code (one answer for every cause)"),
                    "409": _error("Already connected to this practitioner"),
                    **UNSAFE,
                    "429": _rate_limited("Too many codes tried (RATELIMIT_CONNECT)"),
                },
            },
        },
        "/api/v1/care-team/{connection_id}": {
            "parameters": [CONNECTION_ID],
            "patch": {
                "operationId": "updateCareTeamMember",
                "tags": ["care_team"],
                "summary": "Share notes with this practitioner, or stop",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["include_notes"],
                        "properties": {"include_notes": {"type": "boolean"}},
                    }
                ),
                "responses": {"200": _json(member), "404": _error("Not found"), **UNSAFE},
            },
            "delete": {
                "operationId": "disconnectCareTeamMember",
                "tags": ["care_team"],
                "summary": "End the connection: the practitioner's next request is refused",
                "responses": {
                    "204": {"description": "Disconnected"},
                    "404": _error("Not found"),
                    **UNSAFE,
                },
            },
        },
    }


def _practice_paths():
    code = _ref("ConnectCode")
    return {
        "/api/v1/practice/code": {
            "get": {
                "operationId": "getConnectCode",
                "tags": ["practice"],
                "summary": "The practitioner's connect code and the URL of its QR code",
                "responses": {
                    "200": _json(code),
                    "404": _error(PRACTITIONERS_ONLY),
                    **UNAUTHORIZED,
                },
            },
            "post": {
                "operationId": "replaceConnectCode",
                "tags": ["practice"],
                "summary": "Replace the connect code (the old one stops working at once)",
                "responses": {"200": _json(code), "404": _error(PRACTITIONERS_ONLY), **UNSAFE},
            },
        },
        "/api/v1/practice/patients": {
            "get": {
                "operationId": "listPatients",
                "tags": ["practice"],
                "summary": "Every connected patient, those needing attention first (red flag, "
                "worse, not logging, check-in due; then by name); not in the access logs",
                "responses": {
                    "200": _json(
                        _object({"patients": {"type": "array", "items": _ref("PatientRow")}})
                    ),
                    "404": _error(PRACTITIONERS_ONLY),
                    **UNAUTHORIZED,
                },
            }
        },
        "/api/v1/practice/patients/{connection_id}": {
            "parameters": [CONNECTION_ID],
            "delete": {
                "operationId": "endPatientConnection",
                "tags": ["practice"],
                "summary": "End the connection from the practitioner's side",
                "responses": {
                    "204": {"description": "Disconnected"},
                    "404": _error(PRACTITIONERS_ONLY),
                    **UNSAFE,
                },
            },
        },
        "/api/v1/practice/patients/{connection_id}/trends": {
            "parameters": [CONNECTION_ID],
            "get": {
                "operationId": "getPatientTrends",
                "tags": ["practice"],
                "summary": "The patient's trends, byte for byte their own GET /api/v1/trends "
                "(written to their access log)",
                "parameters": RANGE,
                "responses": {
                    "200": _json(_ref("Trends")),
                    "404": _error(PRACTITIONERS_ONLY),
                    "422": _error("Bad dates, from after to, or a range over 10 years"),
                    **UNAUTHORIZED,
                },
            },
        },
        "/api/v1/practice/patients/{connection_id}/sessions": {
            "parameters": [CONNECTION_ID],
            "post": {
                "operationId": "logPatientSession",
                "tags": ["practice"],
                "summary": "Log the visit's session into the patient's diary (recorded_by is "
                "the practitioner; the patient may edit or delete it)",
                "requestBody": _body(_ref("SessionInput")),
                "responses": {
                    "201": _json(_ref("Session"), "Created", RECORD_HEADERS),
                    "200": _json(_ref("Session"), "A replay of the same id and content",
                                 RECORD_HEADERS),
                    "404": _error(PRACTITIONERS_ONLY),
                    "409": _error("The id is used by a different record"),
                    **UNSAFE,
                },
            },
        },
    }


def _finish(paths):
    """What every operation shares: its security, 429 (every route is rate limited) and a
    ``default`` error. Operations that say more (public, their own 429) keep theirs."""
    for item in paths.values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            if method in UNSAFE_METHODS:
                operation.setdefault("security", UNSAFE_SECURITY)
            operation["responses"].setdefault("429", RATE_LIMITED)
            operation["responses"]["default"] = DEFAULT_ERROR
    return paths


@lru_cache(maxsize=1)
def document():
    """The whole OpenAPI document."""
    vocabulary = {
        category: {"type": "array", "items": _ref("Term")}
        for category in ("regions", "pain_types", "triggers", "relievers", "techniques")
    }
    password_body = _body(
        {"type": "object", "required": ["password"], "properties": {"password": {"type": "string"}}}
    )
    needs_fresh_password = {
        "401": _error(
            "Not logged in, or the password was typed more than 15 minutes ago (POST "
            "/api/v1/me/confirm, then try again)"
        )
    }
    paths = {
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenapiDocument",
                "tags": ["document"],
                "summary": "This document",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            }
        },
        "/api/v1/me": {
            "get": {
                "operationId": "getMe",
                "tags": ["account"],
                "summary": "The logged-in patient and a CSRF token",
                "responses": {"200": _json(_ref("Me"), headers=("Set-Cookie",)), **UNAUTHORIZED},
            },
            "patch": {
                "operationId": "updateMe",
                "tags": ["account"],
                "summary": "Change time zone, display name, language or e-mail address",
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {
                            "timezone": {
                                "type": "string",
                                "description": "An IANA time zone name, e.g. Europe/London",
                            },
                            "display_name": _nullable(
                                _text(LIMITS["display_name"]), f'{NULL_NOTE} (stored as "")'
                            ),
                            "locale": LOCALE,
                            "email": {
                                "type": "string",
                                "maxLength": 254,
                                "description": "A new address: needs a password typed in the "
                                "last 15 minutes (else 401); it is unconfirmed until the link "
                                "mailed to it is opened",
                            },
                        },
                    }
                ),
                "responses": {
                    "200": _json(_ref("Me")),
                    **UNSAFE,
                    "401": _error(
                        "Not logged in, or a new e-mail address without a password typed in "
                        "the last 15 minutes"
                    ),
                },
            },
            "delete": {
                "operationId": "deleteMe",
                "tags": ["account"],
                "summary": "Delete the account and all its data",
                "requestBody": password_body,
                "responses": {
                    "204": {
                        "description": "Deleted; the session ends and the browser is told to "
                        "forget the diary",
                        "headers": _headers("Set-Cookie", "Clear-Site-Data"),
                    },
                    **UNSAFE,
                    "422": _error("The password is missing or not right"),
                    **PASSWORD_CHECKED,
                },
            },
        },
        "/api/v1/me/confirm": {
            "post": {
                "operationId": "confirmPassword",
                "tags": ["account"],
                "summary": "Type the password again (exports and share links need it every 15 min)",
                "requestBody": password_body,
                "responses": {
                    "204": {
                        "description": "Confirmed (noted in the session cookie)",
                        "headers": _headers("Set-Cookie"),
                    },
                    **UNSAFE,
                    "422": _error("The password is not right"),
                    **PASSWORD_CHECKED,
                },
            }
        },
        "/api/v1/me/verify-email": {
            "post": {
                "operationId": "sendVerificationEmail",
                "tags": ["account"],
                "summary": "Mail a new link that confirms the address (valid 7 days)",
                "responses": {
                    "202": _json(
                        _object({"sent": {"type": "boolean", "const": True}}),
                        "The link is on its way",
                    ),
                    **UNSAFE,
                    "409": _error(
                        "The address is confirmed already, or e-mail is off on this server "
                        "(no FLASK_MAIL_SERVER)"
                    ),
                    "429": _rate_limited("More than a few links an hour, or too many requests"),
                },
            }
        },
        "/api/v1/push/key": {
            "get": {
                "operationId": "getPushKey",
                "tags": ["push"],
                "summary": "The VAPID application server key to subscribe with",
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "public_key": {
                                    "type": "string",
                                    "pattern": "^[A-Za-z0-9_-]{87}$",
                                    "description": "base64url (no padding) of the uncompressed "
                                    "P-256 point: pushManager.subscribe's applicationServerKey",
                                }
                            }
                        )
                    ),
                    **UNAUTHORIZED,
                },
            }
        },
        "/api/v1/push/subscriptions": {
            "post": {
                "operationId": "subscribePush",
                "tags": ["push"],
                "summary": "Keep this browser's push subscription (PushSubscription.toJSON())",
                "requestBody": _body(_ref("PushSubscriptionInput")),
                "responses": {
                    "201": _json(_object({"endpoint": {"type": "string"}}), "Subscribed"),
                    "200": _json(
                        _object({"endpoint": {"type": "string"}}), "Known already; keys updated"
                    ),
                    **UNSAFE,
                    "422": _error(
                        "An endpoint that is not an https URL on an allowed push service "
                        "(PUSH_ALLOWED_HOSTS), or malformed keys (fields `endpoint`, "
                        "`keys.p256dh`, `keys.auth`)"
                    ),
                },
            },
            "delete": {
                "operationId": "unsubscribePush",
                "tags": ["push"],
                "summary": "Forget this browser's subscription",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["endpoint"],
                        "properties": {"endpoint": {"type": "string"}},
                    }
                ),
                "responses": {"204": {"description": "Forgotten (or never known)"}, **UNSAFE},
            },
        },
        "/api/v1/push/test": {
            "post": {
                "operationId": "sendTestPush",
                "tags": ["push"],
                "summary": "Send a test notification to each of the patient's devices now",
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "delivered": {
                                    **COUNT,
                                    "description": "Devices whose push service took it",
                                },
                                "removed": {
                                    **COUNT,
                                    "description": "Subscriptions the push service called gone "
                                    "(404/410), now deleted",
                                },
                            }
                        )
                    ),
                    **UNSAFE,
                    "429": _rate_limited("More than 10 tests an hour, or too many requests"),
                },
            }
        },
        "/api/v1/reminders": {
            "get": {
                "operationId": "listReminders",
                "tags": ["reminders"],
                "summary": "The patient's reminders",
                "responses": {
                    "200": _json(
                        _object({"reminders": {"type": "array", "items": _ref("Reminder")}})
                    ),
                    **UNAUTHORIZED,
                },
            },
            "post": {
                "operationId": "createReminder",
                "tags": ["reminders"],
                "summary": "Add a reminder (at most 6 per patient)",
                "requestBody": _body(_ref("ReminderInput")),
                "responses": {
                    "201": _json(_ref("Reminder"), "Created", ("Location",)),
                    **UNSAFE,
                    "422": _error(
                        "A bad kind, local_time, days, channels or enabled, or a 7th reminder "
                        "(field `reminders`)"
                    ),
                },
            },
        },
        "/api/v1/reminders/{reminder_id}": {
            "parameters": [
                {
                    "name": "reminder_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "put": {
                "operationId": "replaceReminder",
                "tags": ["reminders"],
                "summary": "Replace a reminder (due times before now no longer count)",
                "requestBody": _body(_ref("ReminderInput")),
                "responses": {
                    "200": _json(_ref("Reminder")),
                    "404": _error("Not found"),
                    **UNSAFE,
                },
            },
            "delete": {
                "operationId": "deleteReminder",
                "tags": ["reminders"],
                "summary": "Delete a reminder",
                "responses": {
                    "204": {"description": "Deleted"},
                    "404": _error("Not found"),
                    **UNSAFE,
                },
            },
        },
        "/api/v1/me/totp": {
            "post": {
                "operationId": "startTotp",
                "tags": ["account"],
                "summary": "Set up two-factor login: a new secret and its otpauth:// URL (it is on "
                "once POST /me/totp/confirm gets a right code)",
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "secret": {"type": "string", "description": "Base32"},
                                "otpauth_url": {"type": "string", "pattern": "^otpauth://totp/"},
                            }
                        )
                    ),
                    **UNSAFE,
                    "409": _error("Two-factor login is already on (turn it off first)"),
                },
            },
            "delete": {
                "operationId": "stopTotp",
                "tags": ["account"],
                "summary": "Turn two-factor login off",
                "requestBody": password_body,
                "responses": {
                    "204": {"description": "Off; the secret and recovery codes are gone"},
                    **UNSAFE,
                    "422": _error("The password is missing or not right"),
                    **PASSWORD_CHECKED,
                },
            },
        },
        "/api/v1/me/totp/confirm": {
            "post": {
                "operationId": "confirmTotp",
                "tags": ["account"],
                "summary": "Turn two-factor login on with a code from the app; the ten recovery "
                "codes are only in this answer",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["code"],
                        "properties": {"code": {"type": "string", "description": "6 digits"}},
                    }
                ),
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "recovery_codes": {
                                    "type": "array",
                                    "items": {
                                        "type": "string",
                                        "pattern": "^[A-Z2-9]{5}-[A-Z2-9]{5}$",
                                    },
                                    "minItems": 10,
                                    "maxItems": 10,
                                }
                            }
                        )
                    ),
                    **UNSAFE,
                    "422": _error("Nothing set up yet, or the code is not right"),
                },
            }
        },
        "/api/v1/vocabulary": {
            "get": {
                "operationId": "getVocabulary",
                "tags": ["vocabulary"],
                "summary": "Built-in and custom keys of every category",
                "responses": {"200": _json(_object(vocabulary)), **UNAUTHORIZED},
            }
        },
        "/api/v1/vocabulary/{category}": {
            "parameters": [
                {
                    "name": "category",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": list(CUSTOMISABLE)},
                    "description": "Regions are fixed: any other name answers 404",
                }
            ],
            "post": {
                "operationId": "addVocabularyTerm",
                "tags": ["vocabulary"],
                "summary": "Add an item of the patient's own",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["label"],
                        "properties": {
                            "label": {
                                **_text(LIMITS["term_label"]),
                                "description": "Not equal (ignoring case) to one in the list",
                            }
                        },
                    }
                ),
                "responses": {
                    "201": _json(_ref("Term"), "Created"),
                    "404": _error("Unknown category (or regions)"),
                    **UNSAFE,
                },
            },
        },
        "/api/v1/trends": {
            "get": {
                "operationId": "getTrends",
                "tags": ["trends"],
                "summary": "Trends for a date range (default: the 90 days to today)",
                "parameters": RANGE,
                "responses": {
                    "200": _json(_ref("Trends")),
                    "422": _error("Bad dates, from after to, or a range over 10 years"),
                    **UNAUTHORIZED,
                },
            }
        },
        "/api/v1/instruments": {
            "get": {
                "operationId": "listInstruments",
                "tags": ["questionnaires"],
                "summary": "Every questionnaire with its items and answers (section 11)",
                "responses": {
                    "200": _json(
                        _object({"instruments": {"type": "array", "items": _ref("Instrument")}})
                    ),
                    **UNAUTHORIZED,
                },
            }
        },
        "/api/v1/questionnaires/due": {
            "get": {
                "operationId": "getDueQuestionnaires",
                "tags": ["questionnaires"],
                "summary": "The questionnaires due today in the profile's time zone",
                "responses": {
                    "200": _json(
                        _object(
                            {
                                "due": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                    "description": "Instrument keys in the order to ask them: "
                                    "peg, red_flags, rmdq, pgic (then any the operator added)",
                                }
                            }
                        )
                    ),
                    **UNAUTHORIZED,
                },
            }
        },
        "/api/v1/shares": {
            "post": {
                "operationId": "createShare",
                "tags": ["shares"],
                "summary": "Create a share link for a practitioner (the token is shown only here)",
                "requestBody": _body(_ref("ShareInput")),
                "responses": {
                    "201": _json(_ref("CreatedShare"), "Created"),
                    **UNSAFE,
                    **needs_fresh_password,
                },
            },
            "get": {
                "operationId": "listShares",
                "tags": ["shares"],
                "summary": "The patient's share links with their views",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["shares"],
                            "properties": {"shares": {"type": "array", "items": _ref("Share")}},
                        }
                    ),
                    **UNAUTHORIZED,
                },
            },
        },
        "/api/v1/shares/{share_id}": {
            "parameters": [
                {"name": "share_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "delete": {
                "operationId": "revokeShare",
                "tags": ["shares"],
                "summary": "Revoke a share link at once",
                "responses": {
                    "204": {"description": "Revoked"},
                    "404": _error("Not found"),
                    **UNSAFE,
                },
            },
        },
        "/api/v1/export/entries.csv": {
            "get": {
                "operationId": "exportEntriesCsv",
                "tags": ["exports"],
                "summary": "Every entry as a CSV row (needs a password typed in the last 15 min)",
                "responses": {
                    "200": {
                        "description": "CSV with a header row, as a download",
                        "headers": _headers("Content-Disposition"),
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **needs_fresh_password,
                },
            }
        },
        "/api/v1/export/responses.csv": {
            "get": {
                "operationId": "exportResponsesCsv",
                "tags": ["exports"],
                "summary": "Every questionnaire response as a CSV row (password in the last "
                "15 min)",
                "responses": {
                    "200": {
                        "description": "CSV with a header row, as a download: id, instrument, "
                        "instrument_version, answered_at, local_date, score, urgent, then one "
                        "column per item of every instrument (`peg.pain`), empty where the item "
                        "is not the row's instrument; booleans as true/false",
                        "headers": _headers("Content-Disposition"),
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **needs_fresh_password,
                },
            }
        },
        "/api/v1/export/fhir": {
            "get": {
                "operationId": "exportFhir",
                "tags": ["exports"],
                "summary": "A FHIR R4 Bundle (collection) of the diary: Patient, Observations, "
                "Procedures, Questionnaires, QuestionnaireResponses (recent password)",
                "responses": {
                    "200": {
                        "description": "FHIR R4 Bundle, as a download",
                        "headers": _headers("Content-Disposition"),
                        "content": {
                            "application/fhir+json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["resourceType", "type"],
                                    "properties": {
                                        "resourceType": {"const": "Bundle"},
                                        "type": {"const": "collection"},
                                        "entry": {"type": "array", "items": {"type": "object"}},
                                    },
                                }
                            }
                        },
                    },
                    **needs_fresh_password,
                },
            }
        },
        "/api/v1/export/backup.json": {
            "get": {
                "operationId": "exportBackup",
                "tags": ["exports"],
                "summary": "The full backup (password in the last 15 min)",
                "responses": {
                    "200": _json(
                        _ref("Backup"), "The backup, as a download", ("Content-Disposition",)
                    ),
                    **needs_fresh_password,
                },
            }
        },
        "/api/v1/export/summary.pdf": {
            "get": {
                "operationId": "exportSummaryPdf",
                "tags": ["exports"],
                "summary": "The course summary of a range as a PDF of at most two A4 pages "
                "(recent password)",
                "description": "Made on demand and never kept: progress since before "
                "treatment, sessions and relief days, where and what kind of pain, triggers "
                "and the patient's notes, every number as GET /api/v1/trends gives it for the "
                "same range (default: the 90 days to today). A share link's reader gets the "
                "same document at /s/{token}/summary.pdf, with notes only if the link "
                "includes them.",
                "parameters": RANGE,
                "responses": {
                    "200": {
                        "description": "The PDF, as a download",
                        "headers": _headers("Content-Disposition"),
                        "content": {
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    "422": _error("Bad dates, from after to, or a range over 10 years"),
                    **needs_fresh_password,
                    "429": _rate_limited(
                        "More summaries than RATELIMIT_SUMMARIES (10 a minute), or too many "
                        "requests"
                    ),
                },
            }
        },
        "/api/v1/import/backup": {
            "post": {
                "operationId": "importBackup",
                "tags": ["exports"],
                "summary": "Restore a backup, idempotent on ids (at most 20,000 entries, "
                "20,000 sessions and 20,000 questionnaire responses per account)",
                "requestBody": {
                    # Not marked required although a restore needs a document (an empty body
                    # answers 422): openapi-python-client 0.29 writes a client that cannot be
                    # imported for a required body with two media types (its issue #1451).
                    "required": False,
                    "description": "A backup (GET /api/v1/export/backup.json) as the JSON body, "
                    "or as the multipart field `file` (a file or plain text). Without one: 422.",
                    "content": {
                        "application/json": {"schema": _ref("Backup")},
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {
                                        "type": "string",
                                        "format": "binary",
                                        "contentMediaType": "application/json",
                                        "description": "The backup file, UTF-8 JSON",
                                    }
                                },
                            }
                        },
                    },
                },
                "responses": {
                    "200": _json(
                        _object(
                            {name: COUNT for name in (*(k.plural for k in KINDS), "vocabulary")},
                            "How many items were newly created (0 for those already there)",
                        )
                    ),
                    **UNSAFE,
                    "409": _error("An id is used by other content or by another patient"),
                    "413": _error("Body over 20 MB"),
                    "422": _error(
                        "No document, a part of it breaks a data rule, or it would take the "
                        "account past 20,000 entries, sessions or responses"
                    ),
                    "429": _rate_limited(
                        "More restores than a few an hour (RATELIMIT_RESTORES), or too many "
                        "requests"
                    ),
                },
            }
        },
        **_care_team_paths(),
        **_practice_paths(),
        **{
            path: item
            for kind in KINDS
            for path, item in _record_paths(
                kind.plural,
                kind.name,
                f"{kind.api_name}Input",
                kind.api_name,
                kind.title,
                kind.filters,
            ).items()
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pain diary API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "tags": TAGS,
        "components": {
            "schemas": SCHEMAS,
            "headers": HEADERS,
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": SECURITY,
        "paths": _finish(paths),
    }


@bp.get("/openapi.json")
def openapi():
    """Serve the OpenAPI document."""
    return document()
