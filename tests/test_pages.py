"""The HTML pages and their no-JavaScript forms: the same rules as the API, errors by the field."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import PASSWORD, entry_body, page_csrf, session_body, sql_statements


@pytest.fixture
def patient(api):
    """A logged-in patient: the API helper, whose client also browses the pages."""
    return api


def form_post(client, path, fields, token_page="/entries/new"):
    """Post a form as the browser would, with the page's CSRF token."""
    data = {"csrf_token": page_csrf(client, token_page), **fields}
    return client.post(path, data=data)


def entry_form(**overrides):
    """A filled-in log form."""
    fields = {
        "overall": "6",
        "back": "",
        "leg": "7",
        "locations": ["buttock:left", "thigh_back:left", "lower_back:left", "lower_back:right"],
        "pain_types": ["burning", "shooting"],
        "triggers": ["sitting"],
        "relievers": ["heat"],
        "medications": "",
        "sleep_quality": "4",
        "interference": "",
        "notes": "Line one\r\nline two",
        "recorded_at": "2026-03-02T07:45",
    }
    fields.update(overrides)
    return fields


def test_log_form_saves_an_entry(patient):
    response = form_post(patient.client, "/entries/new", entry_form())
    assert response.status_code == 303 and response.headers["Location"] == "/"
    [entry] = patient.get("/entries").get_json()["entries"]
    assert entry["pain"] == {"overall": 6, "back": None, "leg": 7}
    assert entry["locations"] == [
        {"region": "buttock", "side": "left"},
        {"region": "thigh_back", "side": "left"},
        {"region": "lower_back", "side": "both"},
    ]
    assert entry["pain_types"] == ["burning", "shooting"]
    assert entry["sleep_quality"] == 4 and entry["interference"] is None
    assert entry["notes"] == "Line one\nline two"
    assert entry["recorded_at"] == "2026-03-02T07:45:00Z", "Europe/London is UTC in March"
    assert "Saved: pain 6/10." in patient.client.get("/").get_data(as_text=True)


def test_the_form_carries_an_id_so_a_double_submit_saves_once(patient):
    html = patient.client.get("/entries/new").get_data(as_text=True)
    form_id = re.search(r'name="id" value="([0-9a-f-]{36})"', html).group(1)
    fields = entry_form(id=form_id)
    assert form_post(patient.client, "/entries/new", fields).status_code == 303
    assert form_post(patient.client, "/entries/new", fields).status_code == 303
    assert len(patient.get("/entries").get_json()["entries"]) == 1
    changed = form_post(patient.client, "/entries/new", {**fields, "overall": "2"})
    assert changed.status_code == 422
    assert "already saved this form" in changed.get_data(as_text=True)
    assert len(patient.get("/entries").get_json()["entries"]) == 1


def test_minimal_form_with_only_overall(patient):
    response = form_post(patient.client, "/entries/new", {"overall": "0"})
    assert response.status_code == 303
    [entry] = patient.get("/entries").get_json()["entries"]
    assert entry["pain"]["overall"] == 0 and entry["locations"] == []


@pytest.mark.parametrize(
    ("change", "field_id", "message"),
    [
        ({"overall": ""}, "pain-overall-error", "is required"),
        ({"overall": "11"}, "pain-overall-error", "0 to 10"),
        ({"overall": "five"}, "pain-overall-error", "0 to 10"),
        ({"leg": "7.5"}, "pain-leg-error", "0 to 10"),
        ({"notes": "n" * 2001}, "notes-error", "at most 2,000"),
        ({"medications": "m" * 501}, "medications-error", "at most 500"),
        ({"locations": ["elbow:left"]}, "locations-error", "unknown region"),
        ({"triggers": ["gardening"]}, "triggers-error", "unknown trigger"),
        ({"recorded_at": "1999-05-01T10:00"}, "recorded_at-error", "2000"),
    ],
)
def test_form_errors_sit_next_to_the_field_and_keep_what_was_typed(
    patient, change, field_id, message
):
    fields = entry_form(**change)
    fields["notes"] = change.get("notes", "Please keep this note")
    response = form_post(patient.client, "/entries/new", fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field_id}"' in html and message in html
    if "notes" not in change:
        assert "Please keep this note" in html
    assert 'value="buttock:left" checked' in html or "locations" in change
    assert patient.get("/entries").get_json()["entries"] == []


def test_same_as_last_entry_prefills_but_not_time_or_note(patient):
    patient.post("/entries", entry_body(notes="yesterday's note"))
    html = patient.client.get("/entries/new?copy=last").get_data(as_text=True)
    assert re.search(r'name="overall" value="6" checked', html)
    assert 'value="buttock:left" checked' in html
    assert re.search(r'value="burning" checked', html)
    assert re.search(r'value="sitting" checked', html)
    assert "yesterday&#39;s note" not in html
    assert re.search(r'name="recorded_at" type="datetime-local" value=""', html)


def test_edit_form_updates_and_detects_a_change_elsewhere(patient):
    body = entry_body()
    patient.post("/entries", body)
    edit_path = f"/entries/{body['id']}/edit"
    html = patient.client.get(edit_path).get_data(as_text=True)
    assert 'name="version" value="1"' in html
    response = form_post(patient.client, edit_path, entry_form(version="1", overall="3"), edit_path)
    assert response.status_code == 303
    assert patient.get(f"/entries/{body['id']}").get_json()["pain"]["overall"] == 3
    stale = form_post(patient.client, edit_path, entry_form(version="1", overall="9"), edit_path)
    assert stale.status_code == 422
    html = stale.get_data(as_text=True)
    assert "changed on another device" in html
    assert 'name="version" value="2"' in html, "saving again keeps the patient's version"
    assert patient.get(f"/entries/{body['id']}").get_json()["pain"]["overall"] == 3


def test_delete_asks_first(patient):
    body = entry_body()
    patient.post("/entries", body)
    confirm = patient.client.get(f"/entries/{body['id']}/delete")
    assert "Delete this entry?" in confirm.get_data(as_text=True)
    assert patient.get(f"/entries/{body['id']}").status_code == 200
    response = form_post(patient.client, f"/entries/{body['id']}/delete", {})
    assert response.status_code == 303
    assert patient.get(f"/entries/{body['id']}").status_code == 404


def test_history_runs_newest_first_with_sessions_and_stops_at_the_start(patient):
    patient.post("/entries", entry_body(recorded_at="2026-01-20T08:00:00Z", notes="oldest note"))
    patient.post("/entries", entry_body(recorded_at="2026-03-02T08:00:00Z", notes="morning note"))
    patient.post("/entries", entry_body(recorded_at="2026-03-02T20:00:00Z", notes="evening note"))
    patient.post("/sessions", session_body(started_at="2026-03-02T12:00:00Z"))
    html = patient.client.get("/entries?until=2026-03-10").get_data(as_text=True)
    assert "Monday 02 March" in html
    evening, session, morning = (
        html.index(text) for text in ("evening note", "Acupuncture session 1", "morning note")
    )
    assert evening < session < morning, "newest first within the day, sessions among entries"
    assert "Older" in html and "until=2026-02-08" in html
    older = patient.client.get("/entries?until=2026-02-08").get_data(as_text=True)
    assert "oldest note" in older and "morning note" not in older
    assert ">Older<" not in older, "no pages of empty months before the first entry"
    assert "This is where your diary starts" in older


def test_history_lists_an_entry_dated_after_today(patient):
    """An entry up to an hour ahead may fall on tomorrow's date: History still shows it."""
    now = datetime.now(UTC)
    ahead = now + timedelta(minutes=59, seconds=30)
    # A zone where that instant is already tomorrow (every whole-hour offset exists in Etc/).
    zone_name = next(
        name
        for name in [f"Etc/GMT{sign}{hours}" for sign in "+-" for hours in range(13)]
        if ahead.astimezone(ZoneInfo(name)).date() > now.astimezone(ZoneInfo(name)).date()
    )
    assert patient.patch("/me", {"timezone": zone_name}).status_code == 200
    body = entry_body(recorded_at=ahead.isoformat(), notes="a little ahead")
    assert patient.post("/entries", body).status_code == 201
    assert "a little ahead" in patient.client.get("/entries").get_data(as_text=True)


def test_sessions_page_logs_edits_and_deletes(patient):
    response = form_post(
        patient.client,
        "/sessions/new",
        {
            "practitioner": "Dr Lee",
            "techniques": ["manual", "cupping"],
            "points": "BL23",
            "pain_before": "6",
            "pain_after": "3",
            "started_at": "2026-03-03T10:00",
        },
        "/sessions/new",
    )
    assert response.status_code == 303
    [session] = patient.get("/sessions").get_json()["sessions"]
    assert session["techniques"] == ["manual", "cupping"]
    assert session["pain_before"] == 6 and session["pain_after"] == 3
    saved = patient.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved: session 1" in saved and "Log another session" in saved
    assert 'name="pain_before"' not in saved, "no filled-in form to tap Save on twice"
    html = patient.client.get("/sessions").get_data(as_text=True)
    assert "Session 1" in html and "Pain 6 → 3" in html
    form = patient.client.get("/sessions/new").get_data(as_text=True)
    assert 'value="Dr Lee"' in form, "the next session's form carries the practitioner"
    shell = patient.client.get("/sessions/new", headers={"X-Diary-Shell": "1"})
    assert "Dr Lee" not in shell.get_data(as_text=True), "the offline copy holds no diary data"
    edit = f"/sessions/{session['id']}/edit"
    assert (
        form_post(
            patient.client, edit, {"practitioner": "Dr Kim", "version": "1"}, edit
        ).status_code
        == 303
    )
    assert patient.get(f"/sessions/{session['id']}").get_json()["practitioner"] == "Dr Kim"
    assert (
        form_post(patient.client, f"/sessions/{session['id']}/delete", {}, "/sessions").status_code
        == 303
    )
    assert patient.get("/sessions").get_json()["sessions"] == []


def test_session_form_errors(patient):
    fields = {"pain_before": "12", "practitioner": "p" * 121}
    response = form_post(patient.client, "/sessions/new", fields, "/sessions/new")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="pain_before-error"' in html and 'id="practitioner-error"' in html
    assert patient.get("/sessions").get_json()["sessions"] == []


def test_today_shows_latest_entries_and_last_session(patient):
    patient.post("/sessions", session_body(started_at="2026-03-03T10:00:00Z"))
    patient.post("/entries", entry_body(recorded_at=None, notes="today's note"))
    html = patient.client.get("/").get_data(as_text=True)
    assert "today&#39;s note" in html
    assert "Last acupuncture session: <strong>#1</strong>" in html


def test_empty_today_tells_a_new_patient_what_to_do(patient):
    html = patient.client.get("/").get_data(as_text=True)
    assert "Your diary is empty" in html and "Same as last entry" not in html


def test_account_page_saves_profile_and_own_words(patient):
    token_page = "/account"
    response = form_post(
        patient.client,
        "/account/profile",
        {"display_name": "Sam", "timezone": "Asia/Tokyo"},
        token_page,
    )
    assert response.status_code == 303
    assert patient.get("/me").get_json()["timezone"] == "Asia/Tokyo"
    bad = form_post(
        patient.client,
        "/account/profile",
        {"display_name": "Sam", "timezone": "Nowhere"},
        token_page,
    )
    assert bad.status_code == 422 and 'id="timezone-error"' in bad.get_data(as_text=True)
    added = form_post(
        patient.client, "/account/terms", {"category": "triggers", "label": "Gardening"}, token_page
    )
    assert added.status_code == 303
    assert "gardening" in [t["key"] for t in patient.get("/vocabulary").get_json()["triggers"]]
    assert 'value="gardening"' in patient.client.get("/entries/new").get_data(as_text=True)


def test_account_delete_needs_the_password(patient):
    wrong = form_post(patient.client, "/account/delete", {"password": "nope nope nope"}, "/account")
    assert wrong.status_code == 422
    right = form_post(
        patient.client, "/account/delete", {"password": "correct horse battery"}, "/account"
    )
    assert right.status_code == 303
    assert patient.client.get("/api/v1/me").status_code == 401


def test_healthz_is_plain_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"
    assert "Set-Cookie" not in response.headers


def test_unknown_page_is_a_friendly_404(patient):
    response = patient.client.get("/entries/not-an-id/edit")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_healthz_touches_neither_session_nor_database(app, patient):
    with sql_statements(app) as statements:
        response = patient.client.get("/healthz")  # with the patient's session cookie
    assert response.status_code == 200 and statements == []
    assert "Set-Cookie" not in response.headers


def test_account_and_share_errors_name_the_field(patient):
    wrong = form_post(
        patient.client, "/account/delete", {"password": "not my password"}, token_page="/account"
    )
    assert wrong.status_code == 422
    assert "The password is not right" in wrong.get_data(as_text=True)
    assert patient.get("/me").status_code == 200  # nothing deleted
    bad_days = form_post(
        patient.client, "/shares", {"label": "Dr Lee", "expires_in_days": "0"}, token_page="/shares"
    )
    assert bad_days.status_code == 422
    assert "The number of days must be" in bad_days.get_data(as_text=True)
    assert patient.get("/shares").get_json()["shares"] == []  # no link made


def test_share_form_asks_for_the_password_first_when_it_is_stale(patient):
    """After 15 minutes the page asks before the form is filled in, not after (losing it)."""
    with patient.client.session_transaction() as cookie:
        cookie["auth_at"] = 0
    html = patient.client.get("/shares").get_data(as_text=True)
    assert "/confirm-password?next=/shares" in html
    assert 'action="/shares"' not in html
    confirmed = form_post(
        patient.client,
        "/confirm-password?next=/shares",
        {"password": PASSWORD},
        "/confirm-password",
    )
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith("/shares")
    assert 'action="/shares"' in patient.client.get("/shares").get_data(as_text=True)


def test_pages_read_each_thing_once(app, patient):
    """The sessions page lists the sessions once (the form's carried-over fields come from the
    same list); "Same as last entry" looks the last entry up once."""
    for day in (3, 10):
        patient.post("/sessions", session_body(started_at=f"2026-03-{day:02d}T10:00:00Z"))
    patient.post("/entries", entry_body())
    with sql_statements(app) as statements:
        assert patient.client.get("/sessions").status_code == 200
    assert sum("FROM acupuncture_sessions" in s for s in statements) == 1
    with sql_statements(app) as statements:
        page = patient.client.get("/entries/new?copy=last")
    assert "Filled in from your last entry" in page.get_data(as_text=True)
    assert sum("FROM entries" in s for s in statements) == 1
