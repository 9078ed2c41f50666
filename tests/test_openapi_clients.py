"""The OpenAPI document as tools nobody here wrote see it (issue 19, item 2).

- openapi-spec-validator: the served document is valid OpenAPI 3.1.
- openapi-core: every answer the other tests got through ``helpers.Api`` (recorded while this
  file is in the run, checked after every other test), and every answer of a journey through
  every operation here, matches the document: status, headers, media type and body.
- openapi-python-client: a client generated from the document (once per run, in a temporary
  folder) imports every module and completes a journey against the app served over HTTP.
"""

import csv
import importlib
import io
import json
import pkgutil
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qsl

import helpers
import httpx
import pyotp
import pytest
from helpers import (
    PASSWORD,
    RED_FLAGS_NO,
    Api,
    database_copy,
    entry_body,
    make_app,
    new_id,
    push_keys,
    register,
    register_practitioner,
    response_body,
    serving,
    session_body,
    valid_backup_document,
)
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec
from werkzeug.datastructures import Headers, ImmutableMultiDict

from diary.core.errors import CODES
from diary.core.extensions import db

OPENAPI_PATH = "/api/v1/openapi.json"
METHODS = ("get", "put", "post", "patch", "delete")
UNSAFE = ("put", "post", "patch", "delete")


def _csv_text(value, **parameters):
    """text/csv for openapi-core: the text (its schema is a string), once it reads as a table
    with every row as wide as the header."""
    text = value.decode(parameters.get("charset", "utf-8"))
    rows = list(csv.reader(io.StringIO(text)))
    if any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("a CSV row is not as wide as the header")
    return text


def _pdf_bytes(value, **parameters):
    """application/pdf for openapi-core: the bytes as a string (its schema is a binary string),
    once they start as a PDF does."""
    if not value.startswith(b"%PDF-"):
        raise ValueError("not a PDF")
    return value.decode("latin-1")


DESERIALIZERS = {
    "text/csv": _csv_text,
    "application/pdf": _pdf_bytes,
    "application/fhir+json": lambda value, **parameters: json.loads(value),
}


@pytest.fixture(scope="module")
def document():
    """The document as served (by an app that never opens its database)."""
    response = make_app(":memory:").test_client().get(OPENAPI_PATH)
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture(scope="module")
def checker(document):
    """Checks answers against ``document`` with openapi-core."""
    return AnswerChecker(document)


def _operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


# --- the document itself -------------------------------------------------------------------


def test_the_served_document_is_valid_openapi_3_1(document):
    validate_spec(document)  # raises on the first problem
    assert document["openapi"] == "3.1.0"


def test_every_operation_has_a_unique_operation_id_and_a_declared_tag(document):
    declared_tags = {tag["name"] for tag in document["tags"]}
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", name) for name in ids), ids
    for path, method, operation in _operations(document):
        assert operation["tags"] and set(operation["tags"]) <= declared_tags, (path, method)


def test_csrf_and_the_session_are_security_schemes_not_parameters(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["session"] == {**schemes["session"], "type": "apiKey", "in": "cookie"}
    assert schemes["csrf"] == {
        **schemes["csrf"],
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
    }
    assert document["security"] == [{"session": []}]
    for path, method, operation in _operations(document):
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert "X-CSRFToken" not in names, (path, method)
        if method in UNSAFE:
            assert operation["security"] == [{"session": [], "csrf": []}], (path, method)
    assert document["paths"][OPENAPI_PATH]["get"]["security"] == []


def test_a_remember_token_cookie_alone_is_not_a_login(client):
    """Why the document declares no ``remember_token`` scheme: the app never issues one (a
    remembered login is the session cookie, kept 30 days), and one alone opens nothing."""
    register(client)
    client.delete_cookie("session")
    client.set_cookie("remember_token", "1:nonce|signature")
    assert client.get("/api/v1/me").status_code == 401


def test_every_operation_declares_429_and_a_default_error(document):
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        assert "default" in responses, (path, method)
        limited = responses["429"]
        assert set(limited["headers"]) >= {"Retry-After", "X-RateLimit-Limit"}, (path, method)


def test_the_error_codes_are_every_code_the_server_sends(document):
    codes = document["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["enum"]
    assert set(codes) == {*CODES.values(), "server_error"}
    assert "method_not_allowed" in codes


def test_record_answers_declare_etag_location_and_downloads_content_disposition(document):
    paths = document["paths"]
    created = paths["/api/v1/entries"]["post"]["responses"]["201"]["headers"]
    assert set(created) == {"ETag", "Location"}
    for method, status in (("get", "200"), ("put", "200"), ("put", "412")):
        answer = paths["/api/v1/entries/{record_id}"][method]["responses"][status]
        assert "ETag" in answer["headers"], (method, status)
    for path in (
        "/api/v1/export/entries.csv",
        "/api/v1/export/fhir",
        "/api/v1/export/backup.json",
        "/api/v1/export/summary.pdf",
    ):
        assert "Content-Disposition" in paths[path]["get"]["responses"]["200"]["headers"]
    assert "Set-Cookie" in paths["/api/v1/me"]["get"]["responses"]["200"]["headers"]


def test_instants_in_requests_may_omit_the_offset_and_answers_carry_one(document):
    schemas = document["components"]["schemas"]
    sent = schemas["EntryInput"]["properties"]["recorded_at"]
    assert "format" not in sent and "null" in sent["type"]
    pattern = re.compile(sent["pattern"])
    for text in ("2026-03-01T08:30", "2026-03-01T08:30:00Z", "2026-03-01T09:30:15.5+01:00"):
        assert pattern.match(text), text
    assert schemas["Entry"]["properties"]["recorded_at"]["format"] == "date-time"


# --- answers checked with openapi-core --------------------------------------------------------


@dataclass(frozen=True)
class CheckedRequest:
    """openapi-core's Request protocol for an answer already given: only its line is needed."""

    method: str
    path: str
    query: str
    host_url: str = "http://localhost"
    content_type: str = ""
    body: bytes | None = None

    @property
    def parameters(self):
        """Query parameters (the path ones are matched by openapi-core)."""
        return RequestParameters(query=ImmutableMultiDict(parse_qsl(self.query)))


@dataclass(frozen=True)
class CheckedResponse:
    """openapi-core's Response protocol for a recorded answer."""

    status_code: int
    headers: Headers
    data: bytes

    @property
    def content_type(self):
        """The media type with its parameters, lower case."""
        return (self.headers.get("Content-Type") or "").lower()


def _why(error):
    """openapi-core's complaint in a line: each schema error with where it is in the value."""
    cause = error
    while cause is not None and not getattr(cause, "schema_errors", None):
        cause = cause.__cause__
    if cause is None:
        return str(error.__cause__ or error).splitlines()[0][:300]
    return "; ".join(
        f"{'/'.join(map(str, problem.absolute_path)) or 'value'}: {problem.message[:200]}"
        for problem in cause.schema_errors
    )


class AnswerChecker:
    """Checks answers against the document with openapi-core (CSV, FHIR JSON and PDF too)."""

    def __init__(self, document):
        self.document = document
        self.openapi = OpenAPI.from_dict(
            document, config=Config(extra_media_type_deserializers=DESERIALIZERS)
        )
        # Answers to a method the document does not list (405) still have the error shape.
        self.error_shape = OAS31Validator(
            {"$ref": "#/components/schemas/Error", "components": document["components"]}
        )

    def problem(self, answer):
        """None if ``answer`` (a ``helpers.RecordedAnswer``) matches the document, else why.

        Raises LookupError for a path the document does not describe.
        """
        request = CheckedRequest(answer.method.lower(), answer.path, answer.query)
        response = CheckedResponse(answer.status, Headers(list(answer.headers)), answer.body)
        try:
            self.openapi.validate_response(request, response)
        except PathNotFound:
            raise LookupError(answer.path) from None
        except OperationNotFound:
            return self._unlisted_method(answer)
        except Exception as error:  # noqa: BLE001 - every kind of mismatch is reported
            return _why(error)
        return None

    def _unlisted_method(self, answer):
        if answer.status != 405:
            return f"{answer.method} is not documented here, yet it answered {answer.status}"
        errors = list(self.error_shape.iter_errors(json.loads(answer.body)))
        if errors:
            return errors[0].message
        if json.loads(answer.body)["error"]["code"] != "method_not_allowed":
            return "405 without the code method_not_allowed"
        return None

    def check(self, response):
        """Assert that a test client's ``response`` matches the document; returns it."""
        problem = self.problem(helpers.answer_of(response))
        assert problem is None, f"{response.request.method} {response.request.path}: {problem}"
        return response


@pytest.mark.after_api_tests
def test_every_answer_the_api_tests_got_matches_the_document(checker):
    """The answers recorded by ``helpers.Api`` in this run (conftest turns recording on and
    runs this test last), each checked with openapi-core."""
    answers = helpers.recorded_answers or []
    if not answers:
        pytest.skip("no API test ran before this one: run it with the API tests")
    problems, outside, seen = {}, 0, set()
    for answer in answers:
        key = (answer.method, answer.path, answer.query, answer.status, answer.body)
        if key in seen:
            continue
        seen.add(key)
        try:
            problem = checker.problem(answer)
        except LookupError:
            outside += 1  # a path no route has (404): not the document's business
            continue
        if problem:
            where = f"{answer.method} {answer.path} -> {answer.status}: {problem}"
            problems.setdefault(where, answer.test)
    print(f"{len(answers)} answers, {len(seen)} distinct, {outside} outside the document")
    assert not problems, "\n".join(f"{where}\n    in {test}" for where, test in problems.items())


ENTRY = {
    "id": "3f2b8c1e-5d4a-4b6f-9e7d-1a2b3c4d5e6f",
    "recorded_at": "2026-03-02T08:30:00Z",
    "local_date": "2026-03-02",
    "pain": {"overall": 6, "back": None, "leg": None},
    **{name: [] for name in ("locations", "pain_types", "triggers", "relievers")},
    "medications": "",
    "sleep_quality": None,
    "interference": None,
    "notes": "",
    "version": 1,
    "created_at": "2026-03-02T08:30:00Z",
    "updated_at": "2026-03-02T08:30:00Z",
}
JSON = ("Content-Type", "application/json")
CSV = ("Content-Type", "text/csv; charset=utf-8")
DOWNLOAD = ("Content-Disposition", 'attachment; filename="pain-diary-entries.csv"')
ENTRY_PATH = "/api/v1/entries/" + ENTRY["id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "headers", "body", "complaint"),
    [
        ("GET", ENTRY_PATH, 200, [JSON], ENTRY, "ETag"),
        ("GET", ENTRY_PATH, 200, [JSON, ("ETag", "1")], ENTRY, "does not match"),
        ("GET", ENTRY_PATH, 200, [JSON, ("ETag", '"1"')], {**ENTRY, "notes": None}, "notes"),
        ("GET", "/api/v1/export/entries.csv", 200, [CSV], "a,b\n", "Content-Disposition"),
        ("GET", "/api/v1/export/entries.csv", 200, [CSV, DOWNLOAD], "a,b\n1\n", "deserialize"),
        (
            "GET",
            ENTRY_PATH,
            429,
            [JSON],
            {"error": {"code": "rate_limited", "message": ""}},
            "Retry",
        ),
        ("GET", ENTRY_PATH, 404, [JSON], {"error": {"code": "gone", "message": ""}}, "error/code"),
        ("PATCH", ENTRY_PATH, 405, [JSON], {"error": {"code": "not_found", "message": ""}}, "405"),
    ],
)
def test_the_checker_refuses_answers_the_document_does_not_allow(
    checker, method, path, status, headers, body, complaint
):
    """The check is not a rubber stamp: each of these answers breaks the document."""
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    answer = helpers.RecordedAnswer("", method, path, "", status, tuple(headers), data)
    assert complaint in (checker.problem(answer) or "")


# --- a journey through every operation, each answer checked -----------------------------------


class CheckedApi(Api):
    """``helpers.Api`` whose every answer is checked against the document as it comes."""

    def __init__(self, client, checker):
        super().__init__(client)
        self.checker = checker
        self.operations = set()
        self.templates = {
            template: re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            for template in checker.document["paths"]
        }

    def call(self, method, path, json=None, headers=None, **kwargs):
        """The call, checked; notes which documented operation it reached."""
        response = self.checker.check(super().call(method, path, json, headers, **kwargs))
        for template, pattern in self.templates.items():
            documented = method.lower() in self.checker.document["paths"][template]
            if documented and pattern.match("/api/v1" + path.partition("?")[0]):
                self.operations.add((template, method.lower()))
        return response


def _progress_entries(days, start):
    """One entry a day for ``days`` days from ``start``, pain falling from 8 to 2."""
    return [
        entry_body(
            recorded_at=f"{start + timedelta(days=day)}T09:00:00Z",
            pain={"overall": max(2, 8 - day // 3), "back": 5, "leg": None},
        )
        for day in range(days)
    ]


def test_a_journey_through_every_operation_matches_the_document(app, checker, document):
    """Every documented operation, with its successes and the errors other tests rarely reach
    (412 with its ETag, 405, 413, a bad CSRF token), each answer checked as it comes."""
    client = app.test_client()
    assert register(client).status_code == 303
    api = CheckedApi(client, checker)

    assert api.get("/openapi.json").status_code == 200
    assert api.get("/me").status_code == 200
    assert api.patch("/me", {"display_name": None}).get_json()["display_name"] == ""
    assert api.post("/me/verify-email").status_code == 409  # no mail server here
    assert api.get("/push/key").status_code == 200
    device = {"endpoint": "https://fcm.googleapis.com/fcm/send/journey", "keys": push_keys()}
    assert api.post("/push/subscriptions", device).status_code == 201
    assert api.post("/push/subscriptions", device).status_code == 200
    elsewhere = {**device, "endpoint": "https://x.example/"}
    assert api.post("/push/subscriptions", elsewhere).status_code == 422
    assert api.delete("/push/subscriptions", {"endpoint": device["endpoint"]}).status_code == 204
    assert api.post("/push/test").get_json() == {"delivered": 0, "removed": 0}  # none left
    reminder = api.post("/reminders", {"local_time": "20:00", "days": ["mon"]})
    assert reminder.status_code == 201
    reminder_path = f"/reminders/{reminder.get_json()['id']}"
    assert api.post("/reminders", {"local_time": "25:00"}).status_code == 422
    assert api.get("/reminders").status_code == 200
    assert api.put(reminder_path, {"local_time": "21:00", "enabled": False}).status_code == 200
    assert api.delete(reminder_path).status_code == 204
    assert api.put(reminder_path, {"local_time": "21:00"}).status_code == 404
    assert api.get("/vocabulary").status_code == 200
    assert api.post("/vocabulary/triggers", {"label": "Gardening"}).status_code == 201
    assert api.post("/vocabulary/regions", {"label": "Elbow"}).status_code == 404

    # An instant without an offset (read in Europe/London, UTC+0 in March) and notes: null.
    body = entry_body(
        recorded_at="2026-03-02T08:30", notes=None, pain={"overall": 6, "back": 4, "leg": None}
    )
    created = api.post("/entries", body)
    assert created.status_code == 201
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/api/v1/entries/{body['id']}"
    assert created.get_json()["recorded_at"] == "2026-03-02T08:30:00Z"
    assert created.get_json()["notes"] == ""
    assert api.post("/entries", body).status_code == 200
    assert api.post("/entries", {**body, "medications": "other"}).status_code == 409
    whole_as_float = api.post("/entries", entry_body(pain={"overall": 5.0}))
    assert whole_as_float.status_code == 422
    assert "pain.overall" in whole_as_float.get_json()["error"]["fields"]
    assert api.get("/entries?from=2026-03-01&to=2026-03-31&limit=1").status_code == 200
    one = api.get(f"/entries/{body['id']}")
    etag = one.headers["ETag"]
    replaced = api.put(
        f"/entries/{body['id']}", {**body, "notes": "v2"}, headers={"If-Match": etag}
    )
    assert replaced.status_code == 200 and replaced.headers["ETag"] == '"2"'
    stale = api.put(f"/entries/{body['id']}", body, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"2"' and stale.get_json()["current"]["version"] == 2

    session = session_body(started_at="2026-03-10T10:00:00Z")
    assert api.post("/sessions", session).status_code == 201
    assert api.get("/sessions").status_code == 200
    assert api.get(f"/sessions/{session['id']}").status_code == 200
    assert api.put(f"/sessions/{session['id']}", {**session, "notes": None}).status_code == 200

    # Questionnaires: what is due, the instruments, and a response through every route.
    assert api.get("/questionnaires/due").get_json()["due"][:2] == ["peg", "red_flags"]
    assert len(api.get("/instruments").get_json()["instruments"]) == 4
    answer = response_body(answered_at="2026-03-09T08:00")
    created = api.post("/responses", answer)
    assert created.status_code == 201 and created.get_json()["score"] == 6
    assert api.post("/responses", answer).status_code == 200
    other = {**answer, "answers": {**answer["answers"], "pain": 1}}
    assert api.post("/responses", other).status_code == 409
    refused = api.post("/responses", response_body(answers={**answer["answers"], "pain": 5.0}))
    assert set(refused.get_json()["error"]["fields"]) == {"answers.pain"}
    listed = api.get("/responses?instrument=peg&from=2026-03-01&to=2026-03-31&limit=5")
    assert [r["id"] for r in listed.get_json()["responses"]] == [answer["id"]]
    assert api.get(f"/responses/{answer['id']}").headers["ETag"] == '"1"'
    response_path = f"/responses/{answer['id']}"
    assert api.put(response_path, other, headers={"If-Match": '"1"'}).status_code == 200
    assert api.put(response_path, answer, headers={"If-Match": '"1"'}).status_code == 412
    red_flag = response_body(
        instrument="red_flags", answers={**RED_FLAGS_NO, "both_legs": True}, answered_at=None
    )
    assert api.post("/responses", red_flag).get_json()["urgent"] is True

    # Trends: too early at first, then a verdict once both windows hold enough dates.
    early = api.get("/trends?from=2026-03-01&to=2026-03-05").get_json()
    assert early["progress"]["overall"]["category"] == "too_early"
    assert early["progress"]["leg"] is None
    for entry in _progress_entries(28, date(2026, 3, 3)):
        assert api.post("/entries", entry).status_code == 201
    later = api.get("/trends?from=2026-03-01&to=2026-03-31").get_json()
    assert later["progress"]["overall"]["category"] != "too_early"
    assert later["intervals"] and later["triggers"] and later["days"][1]["medicated"] is True

    assert api.post("/me/confirm", {"password": "not it"}).status_code == 422
    assert api.post("/me/confirm", {"password": PASSWORD}).status_code == 204
    share = api.post("/shares", {"label": None, "include_notes": None})
    assert share.status_code == 201
    assert api.get("/shares").status_code == 200
    assert api.delete(f"/shares/{share.get_json()['id']}").status_code == 204
    assert api.delete(f"/shares/{new_id()}").status_code == 404
    downloads = ("entries.csv", "responses.csv", "fhir", "backup.json", "summary.pdf")
    for path in (f"/export/{name}" for name in downloads):
        download = api.get(path)
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment; filename=")

    # Section 13: a practitioner, the care team and the practitioner's routes.
    other = app.test_client()
    assert register_practitioner(other).status_code == 303
    practice = CheckedApi(other, checker)
    assert practice.get("/practice/code").status_code == 200
    code = practice.post("/practice/code").get_json()["code"]
    assert api.post("/care-team", {"code": "ABCD-EFGH-JKLM"}).status_code == 404
    member = api.post("/care-team", {"code": code, "include_notes": None})
    assert member.status_code == 201
    assert api.post("/care-team", {"code": code}).status_code == 409
    connection = member.get_json()["id"]
    assert api.patch(f"/care-team/{connection}", {"include_notes": True}).status_code == 200
    assert practice.get("/practice/patients").get_json()["patients"][0]["id"] == connection
    assert practice.get(f"/practice/patients/{connection}/trends").status_code == 200
    visit = session_body(started_at="2026-03-17T10:00:00Z")
    assert practice.post(f"/practice/patients/{connection}/sessions", visit).status_code == 201
    assert practice.post(f"/practice/patients/{connection}/sessions", visit).status_code == 200
    assert api.get("/care-team").get_json()["care_team"][0]["access_log"]
    assert practice.delete(f"/practice/patients/{connection}").status_code == 204
    assert practice.get(f"/practice/patients/{connection}/trends").status_code == 404
    again = api.post("/care-team", {"code": code}).get_json()["id"]
    assert api.delete(f"/care-team/{again}").status_code == 204
    api.operations |= practice.operations

    restore = valid_backup_document()
    assert api.post("/import/backup", restore).status_code == 200
    upload = {"file": (io.BytesIO(json.dumps(restore).encode()), "backup.json")}
    assert api.post("/import/backup", data=upload).status_code == 200
    assert api.post("/import/backup", data=b"", content_type="application/json").status_code == 422

    assert api.delete(f"/sessions/{session['id']}").status_code == 204
    assert api.delete(response_path).status_code == 204
    assert api.delete(f"/entries/{body['id']}").status_code == 204
    assert api.get(f"/entries/{body['id']}").status_code == 404
    not_allowed = api.call("PATCH", "/entries")
    assert not_allowed.status_code == 405
    assert not_allowed.get_json()["error"]["code"] == "method_not_allowed"
    assert api.post("/entries", entry_body(), headers={"X-CSRFToken": "x"}).status_code == 400
    too_big = api.post("/entries", entry_body(notes="x" * (1024 * 1024)))
    assert too_big.status_code == 413
    secret = api.post("/me/totp").get_json()["secret"]
    assert api.post("/me/totp/confirm", {"code": "12345"}).status_code == 422
    confirmed = api.post("/me/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    assert len(confirmed.get_json()["recovery_codes"]) == 10
    assert api.post("/me/totp").status_code == 409
    assert api.delete("/me/totp", {"password": "not it"}).status_code == 422
    assert api.delete("/me/totp", {"password": PASSWORD}).status_code == 204

    assert api.delete("/me", {"password": "not it"}).status_code == 422
    assert api.delete("/me", {"password": PASSWORD}).status_code == 204
    assert api.get("/me").status_code == 401

    assert api.operations == {(path, method) for path, method, _ in _operations(document)}


def test_rate_limited_answers_match_the_document(database_path, checker):
    """429 from the password checks and from the API's shared budget, headers included."""
    app = make_app(
        database_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_API_PER_ACCOUNT="8 per minute",
        RATELIMIT_PASSWORD_PER_ACCOUNT="2 per minute",
    )
    client = app.test_client()
    assert register(client).status_code == 303
    api = CheckedApi(client, checker)
    confirms = [api.post("/me/confirm", {"password": PASSWORD}) for _ in range(3)]
    assert confirms[-1].status_code == 429 and int(confirms[-1].headers["Retry-After"]) >= 1
    answers = [api.get("/vocabulary") for _ in range(8)]
    assert answers[-1].status_code == 429
    assert answers[-1].get_json()["error"]["code"] == "rate_limited"
    assert answers[-1].headers["X-RateLimit-Remaining"] == "0"
    with app.app_context():
        db.engine.dispose()


# --- a generated client -----------------------------------------------------------------------

PACKAGE = "diary_api_client"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory, document):
    """The package openapi-python-client generates from the document, imported (once a run)."""
    folder = tmp_path_factory.mktemp("generated")
    source = folder / "openapi.json"
    source.write_text(json.dumps(document))
    config = folder / "config.json"
    # No ruff run on the generated code. The generator reads bodies it knows by name only (JSON,
    # text, octet-stream): the summary PDF is bytes (README, API).
    overrides = {"application/pdf": "application/octet-stream"}
    config.write_text(json.dumps({"post_hooks": [], "content_type_overrides": overrides}))
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - the venv's own generator on our own document
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(source),
            "--output-path",
            str(folder / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"generated in {time.perf_counter() - started:.2f} s")
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def served(tmp_path_factory, migrated_template):
    """The app on its own database, served over plain HTTP in a thread; yields the base URL."""
    with database_copy(tmp_path_factory.mktemp("served"), migrated_template) as database:
        app = make_app(database, WTF_CSRF_SSL_STRICT=False)
        assert register(app.test_client()).status_code == 303
        with serving(app) as url:
            yield url
        with app.app_context():
            db.engine.dispose()


def test_the_generated_client_imports_every_module(generated_client, document):
    modules = [
        info.name for info in pkgutil.walk_packages(generated_client.__path__, f"{PACKAGE}.")
    ]
    for name in modules:
        importlib.import_module(name)
    # One module per operation, named by its tag and operationId (not post_api_v1_entries).
    expected = {
        f"{PACKAGE}.api.{operation['tags'][0]}."
        + re.sub(r"(?<!^)(?=[A-Z])", "_", operation["operationId"]).lower()
        for _, _, operation in _operations(document)
    }
    assert expected <= set(modules)


def _logged_in(base_url):
    """An HTTP client logged in through the HTML form, as a team using the API would."""
    http = httpx.Client(base_url=base_url)
    page = http.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    form = {"email": "pat@example.com", "password": PASSWORD, "csrf_token": token}
    assert http.post("/login", data=form).status_code == 303
    return http


def test_a_generated_client_completes_a_journey(generated_client, served):
    """Create, list, replace with the ETag (and a stale one), trends, exports, restores (JSON
    and multipart), delete: typed models all the way."""
    started = time.perf_counter()
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    from_api = {
        name: importlib.import_module(f"{PACKAGE}.api.{group}.{name}")
        for group, names in {
            "account": ("get_me",),
            "entries": (
                "create_entry",
                "list_entries",
                "get_entry",
                "replace_entry",
                "delete_entry",
            ),
            "trends": ("get_trends",),
            "questionnaires": ("list_instruments", "get_due_questionnaires"),
            "responses": ("create_response", "list_responses"),
            "exports": (
                "export_entries_csv",
                "export_backup",
                "import_backup",
                "export_summary_pdf",
            ),
        }.items()
        for name in names
    }
    # The session cookie comes from the login form; the CSRF token from GET /me (the scheme
    # ``csrf``), sent as a header by the same HTTP client from then on.
    http = _logged_in(served)
    client = generated_client.AuthenticatedClient(
        base_url=served, token="", prefix="", auth_header_name="X-CSRFToken"
    ).set_httpx_client(http)
    me = from_api["get_me"].sync(client=client)
    assert isinstance(me, models.Me) and me.email == "pat@example.com"
    http.headers["X-CSRFToken"] = me.csrf_token

    record_id = uuid.uuid4()
    body = models.EntryInput(
        id=record_id,
        recorded_at="2026-03-02T08:30",
        pain=models.EntryInputPain(overall=6, back=4, leg=None),
        locations=[
            models.Location(
                region=models.LocationRegion("buttock"), side=models.LocationSide("left")
            )
        ],
        triggers=["sitting"],
        notes=None,
    )
    created = from_api["create_entry"].sync_detailed(client=client, body=body)
    assert created.status_code == 201, created.content
    assert isinstance(created.parsed, models.Entry)
    assert created.parsed.notes == "" and created.parsed.pain.leg is None
    etag = created.headers["ETag"]

    listed = from_api["list_entries"].sync(
        client=client, from_=date(2026, 3, 1), to=date(2026, 3, 31)
    )
    assert [entry.id for entry in listed.entries] == [record_id]

    body.notes = "Better after a walk"
    replaced = from_api["replace_entry"].sync_detailed(
        str(record_id), client=client, body=body, if_match=etag
    )
    assert replaced.status_code == 200 and replaced.parsed.version == 2
    stale = from_api["replace_entry"].sync_detailed(
        str(record_id), client=client, body=body, if_match=etag
    )
    assert isinstance(stale.parsed, models.EntryPreconditionFailed)
    assert stale.parsed.current.version == 2 and stale.headers["ETag"] == '"2"'
    assert stale.parsed.error.code == models.ErrorDetailCode.PRECONDITION_FAILED

    instruments = from_api["list_instruments"].sync(client=client).instruments
    assert [item.key for item in instruments] == ["peg", "red_flags", "rmdq", "pgic"]
    assert instruments[0].items[0].options[1].label == "Pain as bad as you can imagine"
    assert from_api["get_due_questionnaires"].sync(client=client).due[0] == "peg"
    answers = models.QuestionnaireResponseInputAnswers.from_dict(
        {"pain": 7, "enjoyment": 6, "activity": 7}
    )
    answered = from_api["create_response"].sync_detailed(
        client=client,
        body=models.QuestionnaireResponseInput(
            instrument="peg", answers=answers, answered_at="2026-03-03T08:00"
        ),
    )
    assert answered.status_code == 201 and isinstance(answered.parsed, models.QuestionnaireResponse)
    assert answered.parsed.score == 6.67 and answered.parsed.answers.to_dict()["pain"] == 7
    only_peg = from_api["list_responses"].sync(client=client, instrument="peg")
    assert [response.id for response in only_peg.responses] == [answered.parsed.id]

    trends = from_api["get_trends"].sync(client=client, from_=date(2026, 3, 1), to=date(2026, 3, 7))
    assert isinstance(trends, models.Trends)
    assert [day.entries for day in trends.days] == [0, 1, 0, 0, 0, 0, 0]
    assert trends.progress.overall.category == models.ProgressCategory.TOO_EARLY
    assert trends.progress.leg is None

    # Logging in counts as typing the password: exports work for 15 minutes.
    csv_text = from_api["export_entries_csv"].sync(client=client)
    assert csv_text.startswith('"id",') and str(record_id) in csv_text
    summary_pdf = from_api["export_summary_pdf"].sync(client=client)
    assert isinstance(summary_pdf, types.File) and summary_pdf.payload.read(5) == b"%PDF-"
    backup = from_api["export_backup"].sync(client=client)
    assert isinstance(backup, models.Backup) and backup.entries[0].id == record_id
    restored = from_api["import_backup"].sync(client=client, body=backup)
    assert (restored.entries, restored.sessions, restored.vocabulary) == (0, 0, 0)
    other = valid_backup_document()
    upload = models.ImportBackupFilesBody(
        file=types.File(io.BytesIO(json.dumps(other).encode()), "backup.json", "application/json")
    )
    uploaded = from_api["import_backup"].sync(client=client, body=upload)
    assert (uploaded.entries, uploaded.sessions) == (2, 2)
    assert from_api["delete_entry"].sync_detailed(str(record_id), client=client).status_code == 204
    gone = from_api["get_entry"].sync(str(record_id), client=client)
    assert isinstance(gone, models.Error) and gone.error.code == models.ErrorDetailCode.NOT_FOUND
    print(f"journey in {time.perf_counter() - started:.2f} s")
