"""The access matrix of PRODUCT.md section 13: every route of ``app.url_map`` × anonymous,
patient A, patient B, the practitioner connected to A, an unconnected practitioner, and a
practitioner whose connection A ended. Expected answers come from the tables below, written out
here (not from diary/access.py): a route nobody listed is a patient's.

One world is built once; each route gets a fresh copy of it, restored after any call that may
have changed it, so every actor meets the same world.
"""

import re
import shutil
from dataclasses import dataclass, field

import pytest
from helpers import (
    ON_POSTGRES,
    Api,
    connect,
    entry_body,
    make_app,
    page_csrf,
    postgres_execute,
    postgres_url,
    register,
    register_practitioner,
    response_body,
    session_body,
)

from diary import create_app
from diary.core.extensions import db

ANONYMOUS, PATIENT_A, PATIENT_B = "anonymous", "patient A", "patient B"
CONNECTED, UNCONNECTED, DISCONNECTED = (
    "practitioner connected to A",
    "unconnected practitioner",
    "practitioner after A disconnected",
)
ACTORS = (ANONYMOUS, PATIENT_B, UNCONNECTED, DISCONNECTED, CONNECTED, PATIENT_A)
PRACTITIONERS = (CONNECTED, UNCONNECTED, DISCONNECTED)

# Open to anyone, logged in or not.
PUBLIC = {
    "auth.login", "auth.register", "auth.login_code", "health.healthz", "pwa.manifest",
    "pwa.offline", "pwa.offline_words", "pwa.service_worker", "share.report",
    "share.report_trends", "api.openapi", "share.report_summary", "recovery.forgot_password",
}
# Mailed links: a token that is not one (here a share token) is 404 for whoever opens it.
MAILED_LINKS = {"recovery.reset_password", "recovery.verify_email", "reminders.unsubscribe"}
# Open to any logged-in account, patient or practitioner.
EVERY_ACCOUNT = {
    "auth.confirm", "auth.logout", "account.account", "account.profile", "account.password",
    "account.delete", "account.totp", "account.totp_start", "account.totp_confirm",
    "account.totp_off", "api.me", "api.update_me", "api.delete_me", "api.confirm_password",
    "api.start_totp", "api.confirm_totp", "api.stop_totp", "api.verify_email",
}
# URL parts that name one of patient A's own things (another patient gets 404).
OWNED_BY_A = {
    "record_id", "entry_id", "session_id", "response_id", "reminder_id", "share_id", "term_id",
    "connection_id",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def is_practitioners(endpoint):
    """The practice workspace: its pages and its API."""
    return endpoint.startswith(("practice.", "api.practice_"))


def expected(endpoint, arguments, actor):
    """``open``, ``login``, ``404`` or ``home`` (a practitioner's site root)."""
    if endpoint in PUBLIC:
        return "open"
    if endpoint in MAILED_LINKS:
        return "404"
    if actor == ANONYMOUS:
        return "login"
    if endpoint in EVERY_ACCOUNT:
        return "open"
    if is_practitioners(endpoint):
        if actor not in PRACTITIONERS:
            return "404"
        if "connection_id" in arguments and actor != CONNECTED:
            return "404"
        return "open"
    if actor in PRACTITIONERS:
        return "home" if endpoint == "entries.today" else "404"
    if actor == PATIENT_B and OWNED_BY_A & set(arguments):
        return "404"
    return "open"


def verdict(response, is_api, want):
    """What an answer amounts to, in the terms of ``expected``."""
    status, location = response.status_code, response.headers.get("Location", "")
    if status == 404:
        return "404"
    if status == 401 and is_api:
        return "login"
    # Sent to log in and come back (not the plain /login after logging out).
    if status in (302, 303) and location.startswith("/login?next=") and not is_api:
        return "login"
    if want == "home" and status == 302 and location == "/practice":
        return "home"
    if status in (401, 403, 500):
        return f"refused {status}"
    return "open"


@dataclass
class World:
    """The world every route is tried in: ids, and each actor's cookie and CSRF token."""

    ids: dict
    cookies: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


def _keep(world, actor, client, token):
    world.cookies[actor] = client.get_cookie("session").value
    world.tokens[actor] = token


def build_world(app):
    """Accounts, A's diary, P connected to A, R disconnected by A."""
    ids = {}
    world = World(ids)
    clients = {actor: app.test_client() for actor in ACTORS}
    a, b = clients[PATIENT_A], clients[PATIENT_B]
    assert register(a, email="a@example.com").status_code == 303
    assert register(b, email="b@example.com").status_code == 303
    for actor, email in ((CONNECTED, "p@example.com"), (UNCONNECTED, "q@example.com"),
                         (DISCONNECTED, "r@example.com")):
        assert register_practitioner(clients[actor], email=email).status_code == 303
    apis = {actor: Api(client) for actor, client in clients.items() if actor != ANONYMOUS}
    api_a = apis[PATIENT_A]
    ids["entry"] = api_a.post("/entries", entry_body()).get_json()["id"]
    ids["session"] = api_a.post("/sessions", session_body()).get_json()["id"]
    ids["response"] = api_a.post("/responses", response_body()).get_json()["id"]
    ids["reminder"] = api_a.post("/reminders", {"local_time": "20:00"}).get_json()["id"]
    apis[PATIENT_B].post("/entries", entry_body())
    term = api_a.post("/vocabulary/triggers", {"label": "Gardening"})
    assert term.status_code == 201
    share = api_a.post("/shares", {"label": "Dr Lee"}).get_json()
    ids["share"], ids["token"] = share["id"], share["token"]
    ids["connection"] = connect(api_a, apis[CONNECTED])["id"]
    ids["ended"] = connect(api_a, apis[DISCONNECTED])["id"]
    assert api_a.delete(f"/care-team/{ids['ended']}").status_code == 204
    ids["code"] = apis[CONNECTED].get("/practice/code").get_json()["code"].replace("-", "")
    apis[UNCONNECTED].get("/practice/code")
    with app.app_context():
        from diary.models import CustomTerm

        ids["term"] = db.session.query(CustomTerm.id).scalar()
    for actor, api in apis.items():
        _keep(world, actor, api.client, api.token())
    anonymous = clients[ANONYMOUS]
    _keep(world, ANONYMOUS, anonymous, page_csrf(anonymous, "/login"))
    return world


def url_arguments(rule, actor, ids):
    """Values for the rule's URL parts, as ``actor`` would come by them."""
    values = {}
    for name in rule.arguments:
        if name == "connection_id":
            values[name] = ids["ended"] if actor == DISCONNECTED else ids["connection"]
        elif name == "record_id":
            kinds = ("session", "response", "entry")
            values[name] = ids[next(kind for kind in kinds if kind in rule.endpoint)]
        else:
            values[name] = {
                "entry_id": ids["entry"],
                "session_id": ids["session"],
                "response_id": ids["response"],
                "reminder_id": ids["reminder"],
                "key": "peg",
                "share_id": ids["share"],
                "term_id": ids["term"],
                "token": ids["token"],
                "code": ids["code"],
                "kind": "backup.json",
                "category": "triggers",
            }[name]
    return values


@pytest.fixture(scope="module")
def world_template(tmp_path_factory, migrated_template):
    """The world, once: a SQLite file (or a PostgreSQL template database) and its ids."""
    if ON_POSTGRES:
        name = "diary_access_world"
        postgres_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        postgres_execute(f"CREATE DATABASE {name} TEMPLATE {migrated_template}")
        app = make_app(postgres_url(name))
        world = build_world(app)
        with app.app_context():
            db.engine.dispose()
        yield name, world
        postgres_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    path = tmp_path_factory.mktemp("world") / "world.sqlite"
    shutil.copy(migrated_template, path)
    app = make_app(path)
    world = build_world(app)
    with app.app_context():
        db.engine.dispose()
    yield path, world


class Copy:
    """A copy of the world that can be put back as it was."""

    def __init__(self, template, folder):
        self.template = template
        if ON_POSTGRES:
            self.name = "diary_access_copy"
            self.database = postgres_url(self.name)
        else:
            self.database = folder / "copy.sqlite"
        self.app = None
        self.restore()

    def restore(self):
        """Throw the copy away and copy the world again."""
        if self.app is not None:
            with self.app.app_context():
                db.engine.dispose()
        if ON_POSTGRES:
            postgres_execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            postgres_execute(f"CREATE DATABASE {self.name} TEMPLATE {self.template}")
        else:
            shutil.copy(self.template, self.database)
        if self.app is None:
            self.app = make_app(self.database)


def every_route():
    """(endpoint, method) of every rule but static files."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            routes.extend((rule.endpoint, method) for method in methods)
    return sorted(routes)


@pytest.mark.parametrize(("endpoint", "method"), every_route())
def test_every_route_answers_each_actor_as_the_matrix_says(
    world_template, tmp_path, endpoint, method
):
    template, world = world_template
    copy = Copy(template, tmp_path)
    app = copy.app
    [rule] = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    is_api = rule.rule.startswith("/api/")
    wrong = []
    for actor in ACTORS:
        client = app.test_client()
        client.set_cookie("session", world.cookies[actor], domain="localhost")
        with app.test_request_context():
            from flask import url_for

            path = url_for(endpoint, **url_arguments(rule, actor, world.ids))
        token = world.tokens[actor]
        options = {"headers": {"X-CSRFToken": token}}
        if method in UNSAFE:
            if is_api:
                options["json"] = {"code": world.ids["code"]}
            else:
                options["data"] = {"csrf_token": token, "code": world.ids["code"]}
        response = client.open(path, method=method, **options)
        want = expected(endpoint, rule.arguments, actor)
        got = verdict(response, is_api, want)
        if got != want:
            wrong.append(f"{actor}: {method} {path} -> {response.status_code} ({got}), "
                         f"expected {want}")
        if method in UNSAFE:
            copy.restore()
    with app.app_context():
        db.engine.dispose()
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_route_of_the_app(app):
    listed = {endpoint for endpoint, _ in every_route()}
    assert {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"} == listed
    assert {"practice.patient", "api.practice_patient_trends", "care_team.connect"} <= listed


def test_the_world_is_what_the_matrix_assumes(world_template):
    _, world = world_template
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{12}", world.ids["code"])
    assert world.ids["connection"] != world.ids["ended"]
    assert set(world.cookies) == set(ACTORS)
