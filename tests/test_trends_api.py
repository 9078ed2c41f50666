"""GET /api/v1/trends: defaults, errors, a fixed number of queries, and the demo's story."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from helpers import Api, entry_body, login, response_body, session_body, sql_statements
from sqlalchemy import select

from diary.cli import seed_demo
from diary.core.extensions import db
from diary.core.timeutil import local_today
from diary.models import Entry, User


def test_defaults_are_the_last_90_days_in_the_profile_zone(api):
    api.patch("/me", {"timezone": "Pacific/Kiritimati"})
    result = api.get("/trends").get_json()
    today = local_today("Pacific/Kiritimati")
    assert result["range"] == {
        "from": (today - timedelta(days=89)).isoformat(),
        "to": today.isoformat(),
    }
    assert len(result["days"]) == 90
    only_to = api.get("/trends?to=2026-03-31").get_json()["range"]
    assert only_to == {"from": "2026-01-01", "to": "2026-03-31"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-03-05&to=2026-03-01", "from"),
        ("from=03/01/2026", "from"),
        ("to=2026-13-01", "to"),
    ],
)
def test_bad_ranges_are_422(api, query, field):
    response = api.get(f"/trends?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_trends_need_a_login(client):
    assert client.get("/api/v1/trends").status_code == 401


def test_a_denver_patient_logging_near_midnight(api):
    api.patch("/me", {"timezone": "America/Denver"})
    api.post("/sessions", session_body(started_at="2026-03-02T10:00"))
    api.post("/entries", entry_body(recorded_at="2026-03-01T20:00", pain={"overall": 8}))
    api.post("/entries", entry_body(recorded_at="2026-03-03T23:45", pain={"overall": 4}))
    api.post("/entries", entry_body(recorded_at="2026-03-04T00:15", pain={"overall": 9}))
    result = api.get("/trends?from=2026-03-01&to=2026-03-03").get_json()
    days = {row["date"]: row for row in result["days"]}
    assert days["2026-03-03"]["overall"] == 4.0 and days["2026-03-03"]["entries"] == 1
    [interval] = result["intervals"]
    assert interval["entries"] == 1 and interval["pre_session"] == 8.0
    assert interval["relief_days"] == 1
    assert result["sessions"][0]["started_at"] == "2026-03-02T17:00:00Z"


def test_custom_keys_appear_in_the_frequencies(api):
    api.post("/vocabulary/triggers", {"label": "Gardening"})
    api.post("/entries", entry_body(recorded_at="2026-03-02T08:00:00Z", triggers=["gardening"]))
    result = api.get("/trends?from=2026-03-01&to=2026-03-03").get_json()
    assert result["triggers"][0]["key"] == "gardening"


def _fill(app, email, count):
    """Give the patient ``email`` ``count`` entries (two a day) quickly."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        start = date(2026, 1, 1)
        rows = []
        for index in range(count):
            body = entry_body(recorded_at=None)
            day = start + timedelta(days=index // 2)
            instant = datetime.combine(day, time(8 + 12 * (index % 2)), UTC)
            rows.append(
                Entry(
                    id=body["id"],
                    user_id=user.id,
                    recorded_at=instant,
                    local_date=day,
                    overall=index % 11,
                    back=None,
                    leg=3,
                    locations=body["locations"],
                    pain_types=body["pain_types"],
                    triggers=body["triggers"],
                    relievers=[],
                    medications="",
                    notes="",
                    version=1,
                    created_at=instant,
                    updated_at=instant,
                )
            )
        db.session.add_all(rows)
        db.session.commit()


def test_query_count_does_not_grow_with_the_data(app, api, other_api):
    _fill(app, "pat@example.com", 10)
    _fill(app, "other@example.com", 1000)
    api.post("/sessions", session_body(started_at="2026-01-05T10:00:00Z"))
    for day in range(1, 31):  # the larger diary has a whole course of sessions too
        other_api.post("/sessions", session_body(started_at=f"2026-01-{day:02d}T10:00:00Z"))
        other_api.post("/responses", response_body(answered_at=f"2026-01-{day:02d}T11:00:00Z"))
    for client_api in (api, other_api):
        client_api.get("/me")
    counts = []
    for client_api in (api, other_api):
        with sql_statements(app) as statements:
            response = client_api.get("/trends?from=2026-01-01&to=2027-05-01")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    # BEGIN and the patient; BEGIN, then sessions, per-date sums, the range's sleep,
    # interference and medication per date, the session windows' entries, the range's lists
    # and the questionnaire responses.
    assert counts[0] <= 9


def test_the_demo_tells_its_story(app, api):
    with app.app_context():
        seed_demo()
    demo = api.client.application.test_client()
    login(demo, email="demo@example.com", password="sciatica-demo")
    result = Api(demo).get("/trends").get_json()
    intervals = result["intervals"]
    assert [interval["number"] for interval in intervals] == list(range(1, 9))
    relief = [interval["relief_days"] for interval in intervals]
    assert relief == sorted(relief) and relief[-1] > relief[0], relief
    means = [interval["mean_overall"] for interval in intervals]
    assert means[-1] < means[0] - 3
    overall = result["progress"]["overall"]
    assert overall["category"] == "substantial" and overall["clinically_important"]
    sitting = next(t for t in result["triggers"] if t["key"] == "sitting")
    assert sitting["mean_with"] > sitting["mean_without"]
    peg, rmdq, pgic = (result["questionnaires"][key] for key in ("peg", "rmdq", "pgic"))
    assert len(peg["points"]) == 10 and (peg["baseline"], peg["latest"]) == (6.67, 3)
    assert peg["points"] == sorted(peg["points"], key=lambda p: -p["score"])  # falling
    assert [point["score"] for point in rmdq["points"]] == [14, 10, 6] and rmdq["meaningful"]
    assert [point["score"] for point in pgic["points"]] == [4, 4, 3, 3, 3, 2, 2]
    assert peg["meaningful"] and pgic["meaningful"]
    responses = Api(demo).get("/responses?instrument=red_flags").get_json()["responses"]
    assert len(responses) == 10 and not any(r["urgent"] for r in responses)
    assert Api(demo).get("/questionnaires/due").get_json() == {"due": []}
