"""The practitioner's dashboard and a patient's page (PRODUCT.md section 13): rows, flags,
ordering, a constant number of queries, the trends twin, sessions logged at a visit."""

import random
import re
import uuid
from datetime import datetime, time, timedelta

import pytest
from helpers import (
    PASSWORD,
    connect,
    entry_body,
    page_csrf,
    session_body,
    sql_statements,
)
from sqlalchemy import select

from diary.core.extensions import db
from diary.core.timeutil import local_today, utcnow, zone
from diary.models import AcupunctureSession, CareConnection, Entry, QuestionnaireResponse, User
from diary.services import dashboard
from diary.services.trends import load_trends

PRACTITIONER_EMAIL = "lee@example.com"


def make_patient(app, name, entries=(), sessions=(), tz="Europe/London"):
    """A connected patient written straight to the database: ``entries`` as ``(days ago,
    overall, leg)``, ``sessions`` as days ago (at 10:00 local). Returns the connection id."""
    with app.app_context():
        practitioner = db.session.scalar(select(User).where(User.email == PRACTITIONER_EMAIL))
        patient = User(
            email=f"{uuid.uuid4().hex}@example.com",
            password_hash="not-a-login",  # noqa: S106
            display_name=name,
            timezone=tz,
        )
        db.session.add(patient)
        db.session.flush()
        today = local_today(tz)
        for days_ago, overall, leg in entries:
            instant = datetime.combine(today - timedelta(days=days_ago), time(9), zone(tz))
            db.session.add(
                Entry(
                    id=str(uuid.uuid4()), user_id=patient.id, recorded_at=instant,
                    local_date=instant.date(), overall=overall, leg=leg,
                )
            )
        for days_ago in sessions:
            instant = datetime.combine(today - timedelta(days=days_ago), time(10), zone(tz))
            db.session.add(
                AcupunctureSession(
                    id=str(uuid.uuid4()), user_id=patient.id, started_at=instant,
                    local_date=instant.date(),
                )
            )
        connection = CareConnection(
            id=str(uuid.uuid4()),
            patient_id=patient.id,
            practitioner_id=practitioner.id,
            include_notes=False,
            created_at=utcnow(),
        )
        db.session.add(connection)
        db.session.commit()
        return connection.id


def steady(first, last, overall, leg=None):
    """One entry a day from ``first`` days ago to ``last`` days ago."""
    return [(day, overall, leg) for day in range(first, last - 1, -1)]


def rows(practitioner_api):
    answer = practitioner_api.get("/practice/patients")
    assert answer.status_code == 200
    return answer.get_json()["patients"]


def test_a_row_has_every_column_of_the_contract(app, practitioner_api):
    connection = make_patient(
        app, "Ann", steady(40, 34, 8, 6) + steady(6, 0, 4, 2), sessions=[33, 20, 10]
    )
    [row] = rows(practitioner_api)
    assert row["id"] == connection
    assert row["display_name"] == "Ann"
    assert row["since"].endswith("Z")
    today = local_today("Europe/London")
    assert row["last_entry_date"] == today.isoformat()
    assert row["days_logged_7"] == 7
    assert row["overall_7d"] == 4.0 and row["leg_7d"] == 2.0
    assert row["progress"] == {"percent": -50.0, "category": "substantial"}
    assert row["latest_peg"] is None
    assert row["last_session"] == {
        "number": 3,
        "local_date": (today - timedelta(days=10)).isoformat(),
    }
    assert row["flags"] == ["check_in_due"]  # no PEG answered in the last 7 days


def test_flags_and_the_order_of_the_rows(app, practitioner_api):
    make_patient(app, "Zoe", steady(40, 34, 3) + steady(6, 0, 7))  # worse
    make_patient(app, "adam", steady(40, 34, 3) + steady(12, 4, 7))  # worse, not logging
    make_patient(app, "Bea", steady(30, 3, 5))  # not logging (nothing in the last 3 days)
    make_patient(app, "Cal", steady(40, 0, 5))
    make_patient(app, "alice", steady(40, 0, 5))
    make_patient(app, "Dan")  # no entries at all
    found = [(row["display_name"], row["flags"]) for row in rows(practitioner_api)]
    due = "check_in_due"  # none of them has answered a PEG in the last 7 days
    assert found == [
        ("adam", ["worse", "not_logging", due]),
        ("Zoe", ["worse", due]),
        ("Bea", ["not_logging", due]),
        ("Dan", ["not_logging", due]),
        ("alice", [due]),
        ("Cal", [due]),
    ]


def test_logging_two_days_ago_is_logging(app, practitioner_api):
    make_patient(app, "Eve", steady(20, 2, 5))
    make_patient(app, "Fay", steady(20, 3, 5))
    found = {row["display_name"]: row["flags"] for row in rows(practitioner_api)}
    assert found == {"Eve": ["check_in_due"], "Fay": ["not_logging", "check_in_due"]}


def test_a_patient_without_entries_has_nulls(app, practitioner_api):
    make_patient(app, "Gus")
    [row] = rows(practitioner_api)
    assert row["last_entry_date"] is None and row["days_logged_7"] == 0
    assert row["overall_7d"] is None and row["leg_7d"] is None
    assert row["progress"] == {"percent": None, "category": None}
    assert row["last_session"] is None


def test_the_questionnaire_flags_rank_as_the_contract_says(app, practitioner_api, monkeypatch):
    make_patient(app, "Hal", steady(40, 34, 3) + steady(6, 0, 7))  # worse
    make_patient(app, "Ivy", steady(20, 0, 5))
    make_patient(app, "Jon", steady(20, 0, 5))
    with app.app_context():
        ids = dict(db.session.execute(select(User.display_name, User.id)).all())
    monkeypatch.setattr(dashboard, "red_flag_patients", lambda patients: {ids["Jon"]})
    monkeypatch.setattr(dashboard, "check_in_due_patients", lambda patients: {ids["Ivy"]})
    monkeypatch.setattr(dashboard, "latest_peg_scores", lambda patients: {ids["Ivy"]: 6.33})
    found = [(row["display_name"], row["flags"], row["latest_peg"]) for row in rows(
        practitioner_api)]
    assert found == [
        ("Jon", ["red_flag"], None),
        ("Hal", ["worse"], None),
        ("Ivy", ["check_in_due"], 6.33),
    ]


def test_the_questionnaire_flags_come_from_the_answers(app, practitioner_api):
    kim = make_patient(app, "Kim", steady(20, 0, 5))
    lou = make_patient(app, "Lou", steady(20, 0, 5))
    make_patient(app, "Max", steady(20, 0, 5))
    with app.app_context():
        patients = {
            name: db.session.get(CareConnection, connection).patient_id
            for name, connection in (("Kim", kim), ("Lou", lou))
        }
        now = utcnow()

        def answer(name, instrument, answers, days_ago, urgent=False, score=0.0):
            at = now - timedelta(days=days_ago)
            db.session.add(
                QuestionnaireResponse(
                    id=str(uuid.uuid4()), user_id=patients[name], instrument=instrument,
                    instrument_version="1", answered_at=at,
                    local_date=at.astimezone(zone("Europe/London")).date(),
                    answers=answers, score=score, urgent=urgent,
                )
            )

        peg = {"pain": 6, "enjoyment": 5, "activity": 5}
        answer("Kim", "peg", peg, 9, score=16 / 3)
        answer("Kim", "peg", peg, 2, score=11 / 3)  # the latest: no check-in due
        answer("Kim", "red_flags", {"bladder": True}, 15, urgent=True)  # too long ago
        answer("Lou", "peg", peg, 8, score=20 / 3)  # more than 7 days: due again
        answer("Lou", "red_flags", {"bladder": True}, 13, urgent=True)
        db.session.commit()
    found = [(row["display_name"], row["flags"], row["latest_peg"]) for row in rows(
        practitioner_api)]
    assert found == [
        ("Lou", ["red_flag", "check_in_due"], 6.67),
        ("Max", ["check_in_due"], None),
        ("Kim", [], 3.67),
    ]


@pytest.mark.parametrize("seed", range(8))
def test_the_dashboard_progress_is_the_patients_own(app, practitioner_api, seed):
    rng = random.Random(seed)
    for index in range(6):
        entries = [
            (day, rng.randint(0, 10), rng.choice([None, rng.randint(0, 10)]))
            for day in range(rng.randint(0, 80), -2, -1)  # -1: an entry dated tomorrow
            if rng.random() < rng.choice([0.3, 0.7, 1.0])
            for _ in range(rng.choice([1, 1, 2]))
        ]
        sessions = sorted(rng.sample(range(0, 80), rng.randint(0, 6)), reverse=True)
        make_patient(app, f"P{index}", entries, sessions,
                     tz=rng.choice(["Europe/London", "Pacific/Kiritimati", "America/Adak"]))
    found = rows(practitioner_api)
    with app.app_context():
        for row in found:
            connection = db.session.get(CareConnection, row["id"])
            patient = db.session.get(User, connection.patient_id)
            today = local_today(patient.timezone)
            expected = load_trends(patient, today - timedelta(days=89), today)["progress"]
            overall = expected["overall"]
            assert row["progress"] == {
                "percent": overall and overall["percent"],
                "category": overall and overall["category"],
            }, row["display_name"]


def test_the_dashboard_runs_as_many_queries_for_1_as_for_50_patients(app, practitioner_api):
    def history(index):
        return steady(60, 0, index % 10, 3), [50, 40, 30]

    make_patient(app, "First", *history(0))
    rows(practitioner_api)  # warm up: first-request work is not the dashboard's
    with sql_statements(app) as one:
        assert len(rows(practitioner_api)) == 1
    for index in range(1, 50):
        make_patient(app, f"Patient {index}", *history(index))
    with sql_statements(app) as fifty:
        assert len(rows(practitioner_api)) == 50
    assert len(one) == len(fifty)
    with sql_statements(app) as page:
        assert practitioner_api.client.get("/practice").status_code == 200
    assert len(page) == len(one)


def test_the_trends_are_byte_for_byte_the_patients_own(api, practitioner_api):
    for day in range(1, 28):
        api.post("/entries", entry_body(recorded_at=f"2026-03-{day:02d}T08:30:00Z",
                                        pain={"overall": day % 9, "back": 3, "leg": None}))
    api.post("/sessions", session_body(started_at="2026-03-10T10:00:00Z"))
    member = connect(api, practitioner_api)
    base = f"/practice/patients/{member['id']}/trends"
    for query in ("", "?from=2026-03-01&to=2026-03-31", "?from=2026-03-05", "?to=2026-03-20",
                  "?from=2026-03-31&to=2026-03-01", "?from=nope"):
        mine = api.get("/trends" + query)
        theirs = practitioner_api.get(base + query)
        assert theirs.status_code == mine.status_code, query
        assert theirs.get_data() == mine.get_data(), query
        assert theirs.headers["Content-Type"] == mine.headers["Content-Type"]


def test_every_read_of_one_patient_is_in_their_access_log_and_the_list_is_not(
    api, practitioner_api
):
    member = connect(api, practitioner_api)
    base = f"/practice/patients/{member['id']}"
    assert practitioner_api.get("/practice/patients").status_code == 200
    assert practitioner_api.client.get("/practice").status_code == 200
    assert api.get("/care-team").get_json()["care_team"][0]["access_log"] == []
    assert practitioner_api.client.get(base).status_code == 200
    assert practitioner_api.get(base + "/trends").status_code == 200
    assert practitioner_api.post(base + "/sessions", session_body()).status_code == 201
    log = api.get("/care-team").get_json()["care_team"][0]["access_log"]
    assert [item["what"] for item in log] == ["session_logged", "trends", "report"]
    assert log[0]["at"] >= log[1]["at"] >= log[2]["at"]


def test_a_session_logged_at_the_visit_is_the_patients_to_edit_and_delete(
    api, practitioner_api
):
    member = connect(api, practitioner_api)
    body = session_body(practitioner="", notes="Good response")
    logged = practitioner_api.post(f"/practice/patients/{member['id']}/sessions", body)
    assert logged.status_code == 201
    session = logged.get_json()
    assert session["recorded_by"] == "Dr Sam Lee, Northside Acupuncture"
    assert session["practitioner"] == "Dr Sam Lee"
    assert practitioner_api.post(f"/practice/patients/{member['id']}/sessions", body
                                 ).status_code == 200  # a replay
    [mine] = api.get("/sessions").get_json()["sessions"]
    assert mine == session
    edited = api.put(f"/sessions/{session['id']}", {**body, "pain_after": 1,
                                                    "recorded_by": "someone else"})
    assert edited.status_code == 200
    assert edited.get_json()["recorded_by"] == "Dr Sam Lee, Northside Acupuncture"
    assert edited.get_json()["pain_after"] == 1
    assert "Logged at the visit by Dr Sam Lee" in api.client.get("/sessions").get_data(
        as_text=True)
    assert api.delete(f"/sessions/{session['id']}").status_code == 204


def test_the_session_form_logs_into_the_patients_diary(api, practitioner_api):
    member = connect(api, practitioner_api)
    path = f"/practice/patients/{member['id']}/sessions/new"
    client = practitioner_api.client
    form = client.get(path).get_data(as_text=True)
    assert "Other:" not in form  # a practitioner never adds words to the patient's lists
    data = {"csrf_token": page_csrf(client, path), "id": str(uuid.uuid4()),
            "practitioner": "Dr Sam Lee", "techniques": ["manual", "cupping"],
            "pain_before": "7", "pain_after": "4", "points": "BL23"}
    response = client.post(path, data=data)
    assert response.status_code == 303
    [session] = api.get("/sessions").get_json()["sessions"]
    assert session["techniques"] == ["manual", "cupping"] and session["pain_after"] == 4
    bad = client.post(path, data={**data, "id": str(uuid.uuid4()), "pain_after": "11"})
    assert bad.status_code == 422


def test_the_practitioner_ends_a_connection(api, practitioner_api):
    member = connect(api, practitioner_api)
    assert practitioner_api.delete(f"/practice/patients/{member['id']}").status_code == 204
    assert api.get("/care-team").get_json() == {"care_team": []}
    assert practitioner_api.get(f"/practice/patients/{member['id']}/trends").status_code == 404
    assert practitioner_api.get("/practice/patients").get_json() == {"patients": []}


def test_the_patient_page_is_the_report_with_notes_only_if_shared(api, practitioner_api):
    api.post("/entries", entry_body(recorded_at=utcnow().isoformat()[:16] + "Z",
                                    notes="Private thought"))
    member = connect(api, practitioner_api)
    page = practitioner_api.client.get(f"/practice/patients/{member['id']}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "pain and acupuncture" in html and "Private thought" not in html
    api.patch(f"/care-team/{member['id']}", {"include_notes": True})
    html = practitioner_api.client.get(f"/practice/patients/{member['id']}").get_data(
        as_text=True)
    assert "Private thought" in html


def test_the_privacy_switch_blurs_names_and_the_search_filters(app, practitioner_api):
    make_patient(app, "Kim Alder")
    make_patient(app, "Lou Birch")
    client = practitioner_api.client
    html = client.get("/practice").get_data(as_text=True)
    assert "privacy" not in html.split("<body", 1)[1].split(">", 1)[0]
    token = page_csrf(client, "/practice")
    assert client.post("/practice/privacy", data={"csrf_token": token}).status_code == 303
    blurred = client.get("/practice").get_data(as_text=True)
    assert 'class="practice privacy"' in blurred and 'aria-pressed="true"' in blurred
    found = client.get("/practice?q=birch").get_data(as_text=True)
    assert "Lou Birch" in found and "Kim Alder" not in found


def test_each_cell_of_the_dashboard_is_labelled_with_its_column(app, practitioner_api):
    """On a narrow screen the table stacks: each cell shows its column's heading (data-label),
    and the scores are written in the page's language."""
    make_patient(app, "Kim Alder", entries=steady(20, 0, 6, leg=4), sessions=(14, 7))
    client = practitioner_api.client
    html = client.get("/practice").get_data(as_text=True)
    table = html.split('<table class="patients">', 1)[1].split("</table>", 1)[0]
    headings = re.findall(r'<th scope="col">([^<]*)</th>', table)
    labels = re.findall(r'<td[^>]* data-label="([^"]*)"', table)
    assert headings[0] == "Patient" and len(headings) == 9
    assert labels == headings[1:]
    assert ">6.0<" in table and ">4.0<" in table
    german = client.get("/practice", headers={"Accept-Language": "de"}).get_data(as_text=True)
    table = german.split('<table class="patients">', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<td[^>]* data-label="([^"]*)"', table) == re.findall(
        r'<th scope="col">([^<]*)</th>', table
    )[1:]
    assert ">6,0<" in table and ">4,0<" in table
    assert "+0\xa0%, " in table  # German writes a space before the percent sign
    assert "+0%, " in html


def test_deleting_the_practitioner_keeps_the_sessions_they_logged(api, practitioner_api):
    member = connect(api, practitioner_api)
    practitioner_api.post(f"/practice/patients/{member['id']}/sessions", session_body())
    assert practitioner_api.delete("/me", {"password": PASSWORD}).status_code == 204
    [session] = api.get("/sessions").get_json()["sessions"]
    assert session["recorded_by"] == "Dr Sam Lee, Northside Acupuncture"


def test_a_backup_keeps_who_logged_a_session(api, practitioner_api):
    member = connect(api, practitioner_api)
    body = session_body()
    practitioner_api.post(f"/practice/patients/{member['id']}/sessions", body)
    assert api.post("/me/confirm", {"password": PASSWORD}).status_code == 204
    document = api.get("/export/backup.json").get_json()
    assert document["sessions"][0]["recorded_by"] == "Dr Sam Lee, Northside Acupuncture"
    assert api.delete(f"/sessions/{body['id']}").status_code == 204
    assert api.post("/import/backup", document).get_json()["sessions"] == 1
    [restored] = api.get("/sessions").get_json()["sessions"]
    assert restored["recorded_by"] == "Dr Sam Lee, Northside Acupuncture"


def test_practitioner_pages_install_no_app(api, practitioner_api):
    member = connect(api, practitioner_api)
    for path in ("/practice", f"/practice/patients/{member['id']}", "/account"):
        html = practitioner_api.client.get(path).get_data(as_text=True)
        assert "pwa.js" not in html and 'rel="manifest"' not in html, path
    assert "pwa.js" in api.client.get("/account").get_data(as_text=True)
