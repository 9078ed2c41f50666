"""Schemathesis against /api/v1/openapi.json, in process: no 5xx, answers match the document.

The document is loaded through the WSGI app (``schemathesis.openapi.from_wsgi``) at import, from
an app that only serves it; every generated request then goes to the test's app on a migrated
database, as a registered patient (session cookie + ``X-CSRFToken``). Each operation is one test
item, run through Schemathesis's coverage and fuzzing phases with positive and negative data.
The runs are bounded and reproducible: a fixed seed, ``derandomize``, no example database.

Bugs it found (and that are fixed) keep a direct test at the end.
"""

import json
import uuid
import zlib
from datetime import date, timedelta

import pytest
import schemathesis
from helpers import PASSWORD, Api, entry_body, make_app, register, session_body
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

OPENAPI_PATH = "/api/v1/openapi.json"
MAX_EXAMPLES = 30
# These check the password (argon2, slow on purpose): fewer examples.
SLOW_OPERATIONS = ("POST /api/v1/me/confirm", "DELETE /api/v1/me")
SLOW_MAX_EXAMPLES = 8
# See map_query.
MAX_TRENDS_DAYS = 731

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260305,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {"stateful": {"enabled": False}},
        "operations": [
            {"include-name": label, "generation": {"max-examples": SLOW_MAX_EXAMPLES}}
            for label in SLOW_OPERATIONS
        ],
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
HYPOTHESIS_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)

# Stable ids the fuzzer may put in paths, so that item routes reach real records too.
KNOWN_ENTRY_IDS = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"fuzz-entry-{n}")) for n in range(3)]
KNOWN_SESSION_IDS = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"fuzz-session-{n}")) for n in range(3)]
CATEGORIES = ["pain_types", "triggers", "relievers", "techniques", "regions"]
known_share_ids = []

# Only serves the document: it never opens its database.
schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, make_app(":memory:"), config=CONFIG)


def aim_at_known(case):
    """Point three paths in four at a record, share link or category that exists.

    Done on the case itself, just before the call, so that it applies to every phase (the
    coverage phase has no path hooks); the choice is a CRC of the generated path and body, so
    runs stay reproducible.
    """
    if not case.path_parameters:
        return
    name, value = next(iter(case.path_parameters.items()))
    if name == "record_id":
        entries = case.operation.path.startswith("/api/v1/entries")
        known = KNOWN_ENTRY_IDS if entries else KNOWN_SESSION_IDS
    elif name == "share_id":
        known = known_share_ids
    elif name == "category":
        known = CATEGORIES
    else:
        return
    generated = json.dumps([value, case.body], sort_keys=True, default=lambda _: None)
    pick = zlib.crc32(generated.encode("utf-8", "surrogatepass"))
    if known and pick % 4:
        case.path_parameters[name] = known[pick // 4 % len(known)]


@schema.hook
def map_query(context, query):
    """Keep trends ranges within two years before ``to`` (today when absent).

    The API sets no bound on the range: ``from=0196-04-23`` answers 200 with a 71 MB body (one
    object per day), and checking such answers would spend the whole time budget. That is
    reported as a finding; the calendar's edges are tested directly below.
    """
    if context.operation.path != "/api/v1/trends" or not isinstance(query, dict):
        return query
    try:
        date_to = date.fromisoformat(query["to"]) if "to" in query else date.today()
        date_from = date.fromisoformat(query["from"])
    except (KeyError, TypeError, ValueError):
        return query
    if (date_to - date_from).days > MAX_TRENDS_DAYS:
        query = {**query, "from": (date_to - timedelta(days=MAX_TRENDS_DAYS)).isoformat()}
    return query


class Patient:
    """A logged-in patient: the cookie and header every fuzzed request carries."""

    def __init__(self, app, email="fuzz@example.com"):
        self.app = app
        self.client = app.test_client()
        assert register(self.client, email=email).status_code == 303
        self.api = Api(self.client)
        self.headers = {"X-CSRFToken": self.api.token()}
        self.cookies = {"session": self.client.get_cookie("session").value}

    def call(self, case):
        """Send ``case`` to the app as this patient and run the checks."""
        aim_at_known(case)
        return case.call_and_validate(
            app=self.app, headers=self.headers, cookies=self.cookies, checks=CHECKS
        )


@pytest.fixture
def patient(app):
    """The patient the operations are fuzzed as."""
    return Patient(app)


@pytest.fixture
def known_records(patient):
    """The records and the share link that fuzzed paths may name."""
    for record_id in KNOWN_ENTRY_IDS:
        assert patient.api.post("/entries", entry_body(id=record_id)).status_code == 201
    for record_id in KNOWN_SESSION_IDS:
        assert patient.api.post("/sessions", session_body(id=record_id)).status_code == 201
    created = patient.api.post("/shares", {"label": "Fuzz"})
    assert created.status_code == 201
    known_share_ids[:] = [created.get_json()["id"]]
    yield
    known_share_ids.clear()


@schema.exclude(method="DELETE", path="/api/v1/me").parametrize()
@HYPOTHESIS_SETTINGS
def test_api_answers_as_documented(case, patient, known_records):
    """Any generated request (valid or not): no 5xx; status, type and body as documented."""
    patient.call(case)


@schema.exclude(lambda ctx: ctx.operation.label != "DELETE /api/v1/me").parametrize()
@HYPOTHESIS_SETTINGS
def test_account_deletion_answers_as_documented(case, patient):
    """DELETE /me as a patient of its own, with generated bodies.

    Schemathesis draws strings from the test code too, so it may send the right password: the
    account is then gone and later calls get the documented 401.
    """
    patient.call(case)


def test_account_deletion_with_the_right_password_is_documented(patient):
    """The one DELETE /me the fuzzer cannot guess: the right password, 204 as documented."""
    operation = schema["/api/v1/me"]["DELETE"]
    response = patient.call(operation.Case(body={"password": PASSWORD}))
    assert response.status_code == 204
    assert patient.client.get("/api/v1/me").status_code == 401


def test_every_documented_operation_is_fuzzed(client):
    """The operations fuzzed here are all those the served document names."""
    served = client.get(OPENAPI_PATH).get_json()
    labels = {
        f"{method.upper()} {path}"
        for path, item in served["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    fuzzed = {result.ok().label for result in schema.get_all_operations()}
    # Schemathesis leaves out the document it was loaded from.
    assert labels - fuzzed == {f"GET {OPENAPI_PATH}"}
    # 24 of the diary, 3 of two-factor login, 4 of the care team, 6 of the practice (section 13).
    assert fuzzed <= labels and len(fuzzed) == 37


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/import/backup", b"\r"),
        ("/import/backup", b"\n"),
        ("/import/backup", b"a\\"),
        ("/entries", b"\r"),
        ("/me/confirm", b"\r"),
    ],
)
def test_unreadable_multipart_field_name_is_a_client_error(api, path, name):
    """Found by the fuzzer: a multipart part name Werkzeug cannot read is a 4xx, not a 500."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\nx\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\n{}\r\n--b--\r\n'
    )
    response = api.post(
        path, data=body, headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    ["to=0001-01-01", "from=0001-01-01", "from=0001-01-01&to=0001-01-03", "to=9999-12-31"],
)
def test_trends_dates_at_the_edge_of_the_calendar_are_a_client_error(api, query):
    """Hostile dates: the calendar's ends answer 200 or 422, never 500.

    The fuzzer's dates do not reach year 1 or 9999 (and map_query narrows trends ranges).
    """
    response = api.get(f"/trends?{query}")
    assert response.status_code in (200, 422), response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/shares/a%00b", id="share"),
        pytest.param("/api/v1/entries/a%00b", id="entry"),
        pytest.param("/api/v1/sessions/a%00b", id="session"),
    ],
)
def test_a_nul_in_an_id_is_not_found(api, path):
    """Hostile ids: a NUL in the path is a 404 like any unknown id, on every database."""
    response = api.delete(path[len("/api/v1") :])
    assert response.status_code == 404, response.get_data(as_text=True)
