"""The OpenAPI 3.1 document describing every /api/v1 route (public, no login)."""

from functools import lru_cache

from ..records import KINDS
from ..validation import LIMITS, MAX_KEYS, MAX_LOCATIONS
from ..vocabulary import REGIONS, SIDES
from . import bp


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description):
    return _json(_ref("Error"), description)


PAIN = {"type": "integer", "minimum": 0, "maximum": 10}
NULLABLE_PAIN = {"type": ["integer", "null"], "minimum": 0, "maximum": 10}
INSTANT = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
KEYS = {"type": "array", "items": {"type": "string"}, "maxItems": MAX_KEYS}


def _text(limit):
    return {"type": "string", "maxLength": limit}


def _field_schema(field):
    """The JSON Schema of one record field (from its ``diary.records`` definition)."""
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
    return schema


def _record_schemas(kind):
    """``<Kind>Input`` and ``<Kind>`` for a record kind: what a client sends and gets back."""
    name = kind.name.capitalize()
    inputs = {
        "id": {"type": "string", "format": "uuid", "description": "Client-chosen idempotency key"},
        kind.time_field: {**INSTANT, "description": "Default now; no offset = profile time zone"},
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
            target[field.name] = _field_schema(field)
        if field.required:
            required_inputs.append(field.group or field.name)
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
    }


SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
            "current": {"description": "With 412: the current object"},
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
        "required": ["email", "display_name", "timezone", "csrf_token"],
        "properties": {
            "email": {"type": "string"},
            "display_name": {"type": "string"},
            "timezone": {"type": "string"},
            "csrf_token": {"type": "string"},
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
        ],
        "properties": {
            "range": {
                "type": "object",
                "properties": {"from": DATE, "to": DATE},
            },
            "days": {"type": "array", "items": {"type": "object"}},
            "sessions": {"type": "array", "items": {"type": "object"}},
            "intervals": {"type": "array", "items": {"type": "object"}},
            "progress": {
                "type": "object",
                "properties": {m: {"type": ["object", "null"]} for m in ("overall", "back", "leg")},
            },
            "locations": {"type": "array", "items": {"type": "object"}},
            "pain_types": {"type": "array", "items": {"type": "object"}},
            "relievers": {"type": "array", "items": {"type": "object"}},
            "triggers": {"type": "array", "items": {"type": "object"}},
        },
    },
    "ShareInput": {
        "type": "object",
        "properties": {
            "label": _text(LIMITS["label"]),
            "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 365, "default": 30},
            "include_notes": {"type": "boolean", "default": False},
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
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "include_notes": {"type": "boolean"},
            "view_count": {"type": "integer", "minimum": 0},
            "last_viewed_at": {"type": ["string", "null"], "format": "date-time"},
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
            "entries",
            "sessions",
        ],
        "properties": {
            "format": {"const": "pain-diary-backup"},
            "version": {"const": 1},
            "exported_at": INSTANT,
            "profile": {
                "type": "object",
                "properties": {
                    "email": {"type": "string"},
                    "display_name": {"type": "string"},
                    "timezone": {"type": "string"},
                },
            },
            "vocabulary": {
                "type": "object",
                "properties": {
                    category: {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"key": {"type": "string"}, "label": {"type": "string"}},
                        },
                    }
                    for category in ("pain_types", "triggers", "relievers", "techniques")
                },
            },
            **{
                kind.plural: {"type": "array", "items": _ref(kind.name.capitalize())}
                for kind in KINDS
            },
        },
    },
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

CSRF = {"name": "X-CSRFToken", "in": "header", "required": True, "schema": {"type": "string"}}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The version you last saw, e.g. "3"',
}
RECORD_ID = {"name": "record_id", "in": "path", "required": True, "schema": {"type": "string"}}
RANGE = [
    {"name": "from", "in": "query", "required": False, "schema": DATE},
    {"name": "to", "in": "query", "required": False, "schema": DATE},
]
UNAUTHORIZED = {"401": _error("Not logged in")}
UNSAFE = {
    "400": _error("Malformed JSON or missing CSRF token"),
    "401": _error("Not logged in"),
    "413": _error("Body over 1 MB"),
    "422": _error("A field breaks a data rule"),
}


def _body(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _record_paths(plural, singular, input_schema, schema, what):
    collection = {
        "post": {
            "summary": f"Create {what} (idempotent on a client-supplied id)",
            "parameters": [CSRF],
            "requestBody": _body(_ref(input_schema)),
            "responses": {
                "201": _json(_ref(schema), "Created"),
                "200": _json(_ref(schema), "Replay of the same id and content"),
                "409": _error("The id is used by other content"),
                **UNSAFE,
            },
        },
        "get": {
            "summary": f"List {plural} by local date",
            "parameters": RANGE,
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": [plural],
                        "properties": {plural: {"type": "array", "items": _ref(schema)}},
                    }
                ),
                "422": _error("Bad date range"),
                **UNAUTHORIZED,
            },
        },
    }
    item = {
        "parameters": [RECORD_ID],
        "get": {
            "summary": f"Read {what}",
            "responses": {
                "200": _json(_ref(schema)),
                "404": _error("Not found"),
                **UNAUTHORIZED,
            },
        },
        "put": {
            "summary": f"Replace {what}'s editable fields",
            "parameters": [CSRF, IF_MATCH],
            "requestBody": _body(_ref(input_schema)),
            "responses": {
                "200": _json(_ref(schema)),
                "404": _error("Not found"),
                "412": _error("Stale If-Match version; `current` holds the current object"),
                **UNSAFE,
            },
        },
        "delete": {
            "summary": f"Delete {what}",
            "parameters": [CSRF],
            "responses": {"204": {"description": "Deleted"}, "404": _error("Not found"), **UNSAFE},
        },
    }
    return {f"/api/v1/{plural}": collection, f"/api/v1/{plural}/{{record_id}}": item}


@lru_cache(maxsize=1)
def document():
    """The whole OpenAPI document."""
    vocabulary = {
        category: {"type": "array", "items": _ref("Term")}
        for category in ("regions", "pain_types", "triggers", "relievers", "techniques")
    }
    paths = {
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            }
        },
        "/api/v1/me": {
            "get": {
                "summary": "The logged-in patient and a CSRF token",
                "responses": {"200": _json(_ref("Me")), **UNAUTHORIZED},
            },
            "patch": {
                "summary": "Change time zone or display name",
                "parameters": [CSRF],
                "requestBody": _body(
                    {
                        "type": "object",
                        "properties": {
                            "timezone": {"type": "string"},
                            "display_name": _text(LIMITS["display_name"]),
                        },
                    }
                ),
                "responses": {"200": _json(_ref("Me")), **UNSAFE},
            },
            "delete": {
                "summary": "Delete the account and all its data",
                "parameters": [CSRF],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["password"],
                        "properties": {"password": {"type": "string"}},
                    }
                ),
                "responses": {"204": {"description": "Deleted"}, **UNSAFE},
            },
        },
        "/api/v1/me/confirm": {
            "post": {
                "summary": "Type the password again (exports and share links need it every 15 min)",
                "parameters": [CSRF],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["password"],
                        "properties": {"password": {"type": "string"}},
                    }
                ),
                "responses": {"204": {"description": "Confirmed"}, **UNSAFE},
            }
        },
        "/api/v1/vocabulary": {
            "get": {
                "summary": "Built-in and custom keys of every category",
                "responses": {
                    "200": _json({"type": "object", "properties": vocabulary}),
                    **UNAUTHORIZED,
                },
            }
        },
        "/api/v1/vocabulary/{category}": {
            "parameters": [
                {"name": "category", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "post": {
                "summary": "Add an item of the patient's own",
                "parameters": [CSRF],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["label"],
                        "properties": {"label": {"type": "string", "maxLength": 60}},
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
                "summary": "Trends for a date range (default: the 90 days to today)",
                "parameters": RANGE,
                "responses": {
                    "200": _json(_ref("Trends")),
                    "422": _error("Bad dates, or from after to"),
                    **UNAUTHORIZED,
                },
            }
        },
        "/api/v1/shares": {
            "post": {
                "summary": "Create a share link for a practitioner (the token is shown only here)",
                "parameters": [CSRF],
                "requestBody": _body(_ref("ShareInput")),
                "responses": {
                    "201": _json(_ref("CreatedShare"), "Created"),
                    **UNSAFE,
                    "401": _error("Not logged in, or the password is older than 15 minutes"),
                },
            },
            "get": {
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
                "summary": "Revoke a share link at once",
                "parameters": [CSRF],
                "responses": {
                    "204": {"description": "Revoked"},
                    "404": _error("Not found"),
                    **UNSAFE,
                },
            },
        },
        "/api/v1/export/entries.csv": {
            "get": {
                "summary": "Every entry as a CSV row (needs a password typed in the last 15 min)",
                "responses": {
                    "200": {
                        "description": "CSV with a header row",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **UNAUTHORIZED,
                },
            }
        },
        "/api/v1/export/fhir": {
            "get": {
                "summary": "A FHIR R4 Bundle (collection) of the diary (recent password)",
                "responses": {
                    "200": {
                        "description": "FHIR R4 Bundle",
                        "content": {"application/fhir+json": {"schema": {"type": "object"}}},
                    },
                    **UNAUTHORIZED,
                },
            }
        },
        "/api/v1/export/backup.json": {
            "get": {
                "summary": "The full backup (password in the last 15 min)",
                "responses": {"200": _json(_ref("Backup")), **UNAUTHORIZED},
            }
        },
        "/api/v1/import/backup": {
            "post": {
                "summary": "Restore a backup, idempotent on ids",
                "parameters": [CSRF],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": _ref("Backup")},
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {
                                        "type": "string",
                                        "contentMediaType": "application/json",
                                    }
                                },
                            }
                        },
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "description": "How many items were newly created",
                            "properties": {
                                name: {"type": "integer", "minimum": 0}
                                for name in ("entries", "sessions", "vocabulary")
                            },
                        }
                    ),
                    **UNSAFE,
                    "409": _error("An id is used by other content or by another patient"),
                    "413": _error("Body over 20 MB"),
                },
            }
        },
        **{
            path: item
            for kind in KINDS
            for path, item in _record_paths(
                kind.plural,
                kind.name,
                f"{kind.name.capitalize()}Input",
                kind.name.capitalize(),
                kind.title,
            ).items()
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pain diary API",
            "version": "1",
            "description": "Session-cookie authentication; unsafe methods need X-CSRFToken.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"}},
        },
        "security": [{"session": []}],
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi():
    """Serve the OpenAPI document."""
    return document()
