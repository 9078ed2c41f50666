"""Share links and the report: tokens, expiry, revocation, views, headers and numbers."""

import hashlib
import json
import re
from datetime import datetime, timedelta

import pytest
from helpers import PASSWORD, entry_body, page_csrf, session_body
from sqlalchemy import func, select, update

from diary.core.extensions import db
from diary.core.timeutil import utcnow
from diary.models import ShareLink


def share(api, **body):
    """Create a link through the API; returns the answer's JSON."""
    response = api.post("/shares", {"label": "Dr Lee", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def lifetime(created):
    """How long a created link lives: its ``expires_at`` minus its ``created_at``."""
    return datetime.fromisoformat(created["expires_at"]) - datetime.fromisoformat(
        created["created_at"]
    )


def assert_lives_days(created, days):
    """The link expires ``days`` days after it was created (to the second)."""
    assert abs(lifetime(created) - timedelta(days=days)) <= timedelta(seconds=1), created


def report_path(created):
    """The report's path from a created link."""
    return "/s/" + created["token"]


@pytest.fixture
def diary(api):
    """A patient with a session, entries with notes, and a display name."""
    api.patch("/me", {"display_name": "Sam Patient"})
    api.post("/sessions", session_body(started_at="2026-03-03T10:00:00Z", notes="Needled GB30."))
    api.post("/entries", entry_body(recorded_at="2026-03-02T08:00:00Z", notes="Secret note."))
    api.post("/entries", entry_body(recorded_at="2026-03-04T08:00:00Z", pain={"overall": 3}))
    return api


def test_create_answers_the_contract_shape(api):
    created = share(api, label="Dr Lee, Thursday clinic", expires_in_days=7, include_notes=True)
    assert set(created) == {
        "id",
        "label",
        "url",
        "token",
        "expires_at",
        "include_notes",
        "created_at",
    }
    assert created["url"].endswith("/s/" + created["token"])
    assert len(created["token"]) >= 43  # 32 random bytes, URL-safe base64
    assert created["include_notes"] is True
    assert created["label"] == "Dr Lee, Thursday clinic"


def test_defaults_are_30_days_without_notes(api):
    created = share(api)
    assert created["include_notes"] is False
    assert_lives_days(created, 30)
    [listed] = api.get("/shares").get_json()["shares"]
    assert listed["expires_at"] == created["expires_at"]
    assert listed["view_count"] == 0 and listed["last_viewed_at"] is None
    assert listed["revoked_at"] is None and "token" not in listed


@pytest.mark.parametrize("days", [1, 7, 365])
def test_expires_in_days_sets_the_expiry(api, days):
    """1 and 365 are the inclusive bounds; 7 is the usual week."""
    created = share(api, expires_in_days=days)
    assert_lives_days(created, days)
    [listed] = api.get("/shares").get_json()["shares"]
    assert listed["expires_at"] == created["expires_at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"expires_in_days": "30"}, "expires_in_days"),
        ({"expires_in_days": 30.0}, "expires_in_days"),
        ({"expires_in_days": True}, "expires_in_days"),
        ({"include_notes": "yes"}, "include_notes"),
        ({"include_notes": 1}, "include_notes"),
        ({"label": "x" * 81}, "label"),
        ({"label": 5}, "label"),
    ],
)
def test_bad_links_are_422_and_nothing_is_stored(api, body, field):
    response = api.post("/shares", body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert api.get("/shares").get_json()["shares"] == []


def test_only_the_sha256_of_the_token_is_stored(app, api):
    created = share(api)
    with app.app_context():
        link = db.session.scalar(select(ShareLink))
        assert link.token_hash == hashlib.sha256(created["token"].encode()).hexdigest()
        stored = [
            str(value)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(table.select())
            for value in row
        ]
    assert stored and not any(created["token"] in value for value in stored)


def test_report_shows_the_display_name_and_counts_views(client, diary):
    created = share(diary)
    first = client.get(report_path(created))
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "Sam Patient" in html and "pat@example.com" not in html
    assert "<form" not in html
    client.get(report_path(created))
    client.get(report_path(created) + "/trends")  # the JSON is not a view
    assert client.head(report_path(created)).status_code == 200  # nor is a link preview's HEAD
    [listed] = diary.get("/shares").get_json()["shares"]
    assert listed["view_count"] == 2
    assert listed["last_viewed_at"] is not None


def test_report_headers(client, diary):
    response = client.get(report_path(share(diary)))
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert response.headers["Cache-Control"] == "no-store"


def test_report_says_patient_when_no_name(client, api):
    html = client.get(report_path(share(api))).get_data(as_text=True)
    assert "Patient: pain and acupuncture" in html


def test_notes_only_with_include_notes(client, diary):
    without = client.get(report_path(share(diary)) + "?days=all").get_data(as_text=True)
    assert "Secret note." not in without and "Needled GB30." not in without
    with_notes = client.get(report_path(share(diary, include_notes=True)) + "?days=all")
    with_notes = with_notes.get_data(as_text=True)
    assert "Secret note." in with_notes and "Needled GB30." in with_notes


@pytest.mark.parametrize("query", ["", "?from=2026-03-01&to=2026-03-10", "?to=2026-03-05"])
def test_report_trends_are_byte_for_byte_the_patients(client, diary, query):
    created = share(diary)
    own = diary.get("/trends" + query)
    shared = client.get(report_path(created) + "/trends" + query)
    assert shared.status_code == 200
    assert shared.get_data() == own.get_data()


def test_report_trends_validate_the_range(client, diary):
    response = client.get(report_path(share(diary)) + "/trends?from=2026-03-05&to=2026-03-01")
    assert response.status_code == 422
    assert "from" in response.get_json()["error"]["fields"]


def test_report_numbers_are_the_trends_numbers(client, diary):
    created = share(diary)
    html = client.get(report_path(created) + "?days=all").get_data(as_text=True)
    block = re.search(
        r'<script type="application/json" id="trends-data">(.*?)</script>', html, re.S
    )
    embedded = json.loads(block.group(1))["trends"]
    own = diary.get(f"/trends?from={embedded['range']['from']}&to={embedded['range']['to']}")
    assert embedded == own.get_json()
    assert "Session" in html and "BL23, GB30" in html


def _expire(app, link_id):
    with app.app_context():
        db.session.execute(
            update(ShareLink)
            .where(ShareLink.id == link_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def test_unknown_expired_and_revoked_look_the_same(app, client, diary):
    expired, revoked = share(diary), share(diary)
    _expire(app, expired["id"])
    assert diary.delete(f"/shares/{revoked['id']}").status_code == 204
    answers = [
        client.get(path)
        for path in (
            report_path(expired),
            report_path(revoked),
            "/s/" + "A" * 43,
            "/s/x",
        )
    ]
    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.get_data() for answer in answers}) == 1
    assert all(answer.headers["Referrer-Policy"] == "no-referrer" for answer in answers)
    for created in (expired, revoked):
        assert client.get(report_path(created) + "/trends").status_code == 404
    listed = {link["id"]: link for link in diary.get("/shares").get_json()["shares"]}
    assert listed[revoked["id"]]["revoked_at"] is not None
    assert listed[expired["id"]]["view_count"] == 0


def test_another_patient_cannot_see_or_revoke_a_link(client, diary, other_api):
    created = share(diary)
    assert other_api.get("/shares").get_json()["shares"] == []
    assert other_api.delete(f"/shares/{created['id']}").status_code == 404
    token = page_csrf(other_api.client, "/shares")
    page = other_api.client.post(f"/shares/{created['id']}/revoke", data={"csrf_token": token})
    assert page.status_code == 404
    assert client.get(report_path(created)).status_code == 200


def test_deleting_the_account_kills_its_links(client, diary):
    created = share(diary)
    assert diary.delete("/me", {"password": PASSWORD}).status_code == 204
    assert client.get(report_path(created)).status_code == 404


def test_deleting_the_account_removes_its_link_rows(app, diary, other_api):
    """Section 8: the account and all its data are gone, links included (not just dead)."""
    share(diary)
    share(diary, label="Physio")
    kept = share(other_api)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ShareLink)) == 3
    assert diary.delete("/me", {"password": PASSWORD}).status_code == 204
    with app.app_context():
        assert db.session.scalars(select(ShareLink.id)).all() == [kept["id"]]


def test_shares_page_creates_shows_once_and_revokes(diary):
    client = diary.client
    token = page_csrf(client, "/shares")
    form = {"csrf_token": token, "label": "Physio", "expires_in_days": "7", "include_notes": "y"}
    response = client.post("/shares", data=form)
    assert response.status_code == 303, "post/redirect/get: a reload cannot post again"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    url = re.search(r'value="(http[^"]+/s/[^"]+)"', html).group(1)
    assert "<svg" in html and "qr-code" in html
    reloaded = client.get("/shares").get_data(as_text=True)
    assert url not in reloaded, "the link is shown once"
    assert len(diary.get("/shares").get_json()["shares"]) == 1, "a reload makes no second link"
    path = url.split("localhost")[1]
    assert client.get(path).status_code == 200
    assert client.get(path + "?days=all").status_code == 200  # another period: not an opening
    listing = client.get("/shares").get_data(as_text=True)
    assert "Opened 1 time" in listing
    [link] = diary.get("/shares").get_json()["shares"]
    assert link["include_notes"] is True and link["label"] == "Physio"
    assert link["view_count"] == 1
    ask = client.get(f"/shares/{link['id']}/revoke")
    assert ask.status_code == 200 and "Revoke “Physio”?" in ask.get_data(as_text=True)
    assert client.get(path).status_code == 200, "asking is not revoking"
    revoke = client.post(
        f"/shares/{link['id']}/revoke", data={"csrf_token": page_csrf(client, "/shares")}
    )
    assert revoke.status_code == 303
    done = client.get(revoke.headers["Location"]).get_data(as_text=True)
    assert "“Physio” is revoked" in done
    assert client.get(path).status_code == 404


def test_shares_page_refuses_bad_expiry(diary):
    client = diary.client
    token = page_csrf(client, "/shares")
    response = client.post("/shares", data={"csrf_token": token, "expires_in_days": "9999"})
    assert response.status_code == 422
    assert 'id="expires_in_days-error"' in response.get_data(as_text=True)
    assert diary.get("/shares").get_json()["shares"] == []


def test_share_views_are_rate_limited(database_path):
    from helpers import Api, make_app, register

    app = make_app(database_path, RATELIMIT_ENABLED=True)
    patient = app.test_client()
    register(patient)
    created = share(Api(patient))
    viewer = app.test_client()
    answers = [viewer.get(report_path(created) + "/trends") for _ in range(61)]
    assert [answer.status_code for answer in answers[:60]] == [200] * 60
    assert answers[60].status_code == 429
    assert answers[60].get_json()["error"]["code"] == "rate_limited"  # JSON, like the rest


def _age_login(client, seconds=16 * 60):
    with client.session_transaction() as session:
        session["auth_at"] -= seconds


def test_share_creation_needs_a_password_from_the_last_15_minutes(api):
    _age_login(api.client)
    stale = api.post("/shares", {"label": "Dr Lee"})
    assert stale.status_code == 401
    assert "/api/v1/me/confirm" in stale.get_json()["error"]["message"]
    assert api.get("/shares").get_json()["shares"] == []
    assert api.post("/me/confirm", {"password": "wrong password here"}).status_code == 422
    assert api.post("/me/confirm", {"password": "correct horse battery"}).status_code == 204
    assert api.post("/shares", {"label": "Dr Lee"}).status_code == 201


def test_share_page_sends_a_stale_login_to_confirm_and_back(api):
    client = api.client
    _age_login(client)
    token = page_csrf(client, "/shares")
    response = client.post("/shares", data={"csrf_token": token, "label": "Physio"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/confirm-password?next=/shares")
    assert api.get("/shares").get_json()["shares"] == []
    confirm = client.post(
        response.headers["Location"],
        data={
            "csrf_token": page_csrf(client, "/confirm-password"),
            "password": "correct horse battery",
        },
    )
    assert confirm.status_code == 303 and confirm.headers["Location"] == "/shares"
    created = client.post("/shares", data={"csrf_token": token, "label": "Physio"})
    assert created.status_code == 303
    assert "qr-code" in client.get(created.headers["Location"]).get_data(as_text=True)
