"""The /api/v1/sessions contract: the entry rules, plus numbering by start time."""

from helpers import session_body


def test_create_replay_and_conflict(api):
    body = session_body()
    created = api.post("/sessions", body)
    assert created.status_code == 201
    session = created.get_json()
    assert session["number"] == 1
    assert session["local_date"] == "2026-03-03"
    assert session["techniques"] == ["manual", "electroacupuncture"]
    assert api.post("/sessions", body).status_code == 200
    assert api.post("/sessions", {**body, "points": "LI4"}).status_code == 409
    assert len(api.get("/sessions").get_json()["sessions"]) == 1


def test_minimal_session_defaults(api):
    response = api.post("/sessions", {})
    assert response.status_code == 201
    session = response.get_json()
    assert session["practitioner"] == "" and session["techniques"] == []
    assert session["pain_before"] is None and session["pain_after"] is None


def test_numbers_follow_start_time_not_creation_order(api):
    late = api.post("/sessions", session_body(started_at="2026-03-10T10:00:00Z")).get_json()
    early = api.post("/sessions", session_body(started_at="2026-03-01T10:00:00Z")).get_json()
    middle = api.post("/sessions", session_body(started_at="2026-03-05T10:00:00Z")).get_json()
    assert early["number"] == 1 and middle["number"] == 2
    assert api.get(f"/sessions/{late['id']}").get_json()["number"] == 3
    listed = api.get("/sessions").get_json()["sessions"]
    assert [(s["id"], s["number"]) for s in listed] == [
        (early["id"], 1),
        (middle["id"], 2),
        (late["id"], 3),
    ]
    in_range = api.get("/sessions?from=2026-03-04&to=2026-03-31").get_json()["sessions"]
    assert [s["number"] for s in in_range] == [2, 3], "numbers count sessions outside the range"
    api.delete(f"/sessions/{early['id']}")
    assert api.get(f"/sessions/{late['id']}").get_json()["number"] == 2


def test_put_with_if_match_and_stale_version(api):
    body = session_body()
    api.post("/sessions", body)
    updated = api.put(
        f"/sessions/{body['id']}", {**body, "pain_after": 2}, headers={"If-Match": '"1"'}
    )
    assert updated.status_code == 200 and updated.get_json()["version"] == 2
    stale = api.put(
        f"/sessions/{body['id']}", {**body, "pain_after": 1}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.get_json()["current"]["pain_after"] == 2
    assert stale.get_json()["current"]["number"] == 1


def test_moving_a_session_renumbers(api):
    first = session_body(started_at="2026-03-01T10:00:00Z")
    second = session_body(started_at="2026-03-08T10:00:00Z")
    api.post("/sessions", first)
    api.post("/sessions", second)
    moved = api.put(f"/sessions/{first['id']}", {**first, "started_at": "2026-03-09T10:00:00Z"})
    assert moved.get_json()["number"] == 2
    assert moved.get_json()["local_date"] == "2026-03-09"
    assert api.get(f"/sessions/{second['id']}").get_json()["number"] == 1


def test_delete(api):
    body = session_body()
    api.post("/sessions", body)
    assert api.delete(f"/sessions/{body['id']}").status_code == 204
    assert api.get(f"/sessions/{body['id']}").status_code == 404
