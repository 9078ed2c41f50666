"""The questionnaire pages without JavaScript: the check-in, any questionnaire on demand, the
urgent page after a red flag, Today's due card and notice, History's answers, edit and delete."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from helpers import new_id, page_csrf, session_body
from werkzeug.datastructures import MultiDict

NO_FLAGS = {
    "red_flags.saddle_numbness": "false",
    "red_flags.bladder": "false",
    "red_flags.bowel": "false",
    "red_flags.both_legs": "false",
    "red_flags.sexual": "false",
}


@pytest.fixture
def patient(api):
    """A logged-in patient: the API helper, whose client also browses the pages."""
    return api


def check_in_form(**fields):
    """The check-in as a browser without JavaScript posts it: PEG, then "None of these"."""
    form = {
        "instruments": ["peg", "red_flags"],
        "id:peg": new_id(),
        "id:red_flags": new_id(),
        "peg.pain": "6",
        "peg.enjoyment": "5",
        "peg.activity": "7",
        "none_of": "red_flags",
    }
    form.update(fields)
    return {name: value for name, value in form.items() if value is not None}


def post(client, path, fields, token_page="/check-in"):
    """Post a form with the CSRF token of ``token_page``."""
    return client.post(path, data={"csrf_token": page_csrf(client, token_page), **fields})


def responses(patient, instrument=None):
    """The patient's responses through the API."""
    query = f"?instrument={instrument}" if instrument else ""
    return patient.get(f"/responses{query}").get_json()["responses"]


def answered(patient, instrument, answers, when=None):
    """Store a response through the API."""
    body = {"instrument": instrument, "answers": answers}
    if when is not None:
        body["answered_at"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    created = patient.post("/responses", body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def test_the_check_in_asks_peg_and_the_red_flags_with_nothing_chosen(patient):
    html = patient.client.get("/check-in").get_data(as_text=True)
    assert "<h1>Weekly check-in</h1>" in html
    for name in ("peg.pain", "peg.enjoyment", "peg.activity", *NO_FLAGS):
        assert f'name="{name}"' in html, name
    assert 'name="none_of" value="red_flags"' in html
    assert " checked" not in html, "no answer, and no red flag, is chosen for the patient"
    assert re.findall(r'name="instruments" value="(\w+)"', html) == ["peg", "red_flags"]


def test_a_check_in_without_javascript_saves_peg_and_the_red_flags(patient):
    form = check_in_form()
    response = post(patient.client, "/check-in", form)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    peg, flags = responses(patient)
    assert peg["id"] == form["id:peg"] and flags["id"] == form["id:red_flags"]
    assert peg["answers"] == {"pain": 6, "enjoyment": 5, "activity": 7} and peg["score"] == 6
    assert flags["answers"] == {key.split(".")[1]: False for key in NO_FLAGS}
    assert flags["urgent"] is False
    assert "Check-in saved." in patient.client.get("/").get_data(as_text=True)


def test_each_red_flag_may_be_answered_on_its_own(patient):
    response = post(patient.client, "/check-in", check_in_form(none_of=None, **NO_FLAGS))
    assert response.status_code == 303
    assert responses(patient, "red_flags")[0]["score"] == 0


def test_a_resubmitted_check_in_is_stored_once(patient):
    form = check_in_form()
    assert post(patient.client, "/check-in", form).status_code == 303
    assert post(patient.client, "/check-in", form).status_code == 303
    assert len(responses(patient)) == 2
    changed = post(patient.client, "/check-in", {**form, "peg.pain": "2"})
    assert changed.status_code == 422
    html = changed.get_data(as_text=True)
    assert "You already saved these answers once" in html
    assert form["id:peg"] not in html, "a second save makes new answers, not a clash"
    assert len(responses(patient)) == 2


@pytest.mark.parametrize(
    ("change", "error_id", "message"),
    [
        ({"peg.activity": None}, "peg-activity-error", "needs an answer: tap a number from 0"),
        ({"peg.activity": "11"}, "peg-activity-error", "a whole number from 0 to 10"),
        ({"peg.activity": "5.0"}, "peg-activity-error", "a whole number from 0 to 10"),
        ({"none_of": None}, "red_flags-bladder-error", "needs an answer: tap Yes or No"),
        ({"none_of": None, **NO_FLAGS, "red_flags.bowel": "maybe"}, "red_flags-bowel-error",
         "true (yes) or false (no)"),
    ],
)
def test_errors_name_the_question_and_keep_the_other_answers(patient, change, error_id, message):
    response = post(patient.client, "/check-in", check_in_form(**change))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{error_id}"' in html and message in html
    field = error_id.removesuffix("-error").replace("-", ".", 1)
    assert f'<a href="#field-{field}">' in html, "the summary at the top links the question"
    assert 'name="peg.pain" value="6" checked' in html
    assert 'name="peg.enjoyment" value="5" checked' in html
    assert responses(patient) == [], "nothing is saved while any answer is refused"


def test_a_red_flag_answered_yes_goes_to_the_urgent_page(patient):
    form = check_in_form(none_of=None, **{**NO_FLAGS, "red_flags.bladder": "true"})
    response = post(patient.client, "/check-in", form)
    assert response.status_code == 303 and response.headers["Location"] == "/check-in/urgent"
    [flags] = responses(patient, "red_flags")
    assert flags["urgent"] is True and flags["answers"]["bladder"] is True
    page = patient.client.get("/check-in/urgent").get_data(as_text=True)
    assert "Go to an emergency department (A&amp;E) now" in page
    assert "cauda equina syndrome, a medical emergency" in page
    assert "What to say when you get there" in page
    assert "New trouble passing urine, or leaking urine" in page, "what they answered yes to"
    assert f'href="/responses/{flags["id"]}/edit">Change my answers' in page
    assert "score" not in page.lower()


def test_a_yes_stays_a_yes_with_none_of_these_ticked(patient):
    form = check_in_form(**{"red_flags.both_legs": "true"})  # "None of these" ticked too
    assert post(patient.client, "/check-in", form).headers["Location"] == "/check-in/urgent"
    [flags] = responses(patient, "red_flags")
    assert flags["answers"]["both_legs"] is True and flags["score"] == 1


def test_a_refused_check_in_with_a_yes_says_go_now_before_anything_else(patient):
    form = check_in_form(none_of=None, **{"red_flags.sexual": "true", "peg.pain": None})
    response = post(patient.client, "/check-in", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.index("You answered Yes to a warning sign") < html.index("need an answer")
    assert 'href="/check-in/urgent"' in html


def test_today_shows_what_is_due_and_how_long_it_takes(patient):
    html = patient.client.get("/").get_data(as_text=True)
    assert '<a class="button big wide" href="/check-in">Weekly check-in · 1 min</a>' in html
    assert 'href="/questionnaires/rmdq"' in html and "· 4 min" in html
    assert post(patient.client, "/check-in", check_in_form()).status_code == 303
    html = patient.client.get("/").get_data(as_text=True)
    assert 'href="/check-in"' not in html, "the weekly check-in is done"
    assert 'href="/questionnaires/rmdq"' in html, "the monthly RMDQ is still due"


def test_today_shows_the_peg_from_its_baseline(patient):
    week_ago = datetime.now(UTC) - timedelta(days=7)
    answered(patient, "peg", {"pain": 7, "enjoyment": 6, "activity": 7}, week_ago)
    assert "PEG 6.67: your starting point" in patient.client.get("/").get_data(as_text=True)
    answered(patient, "peg", {"pain": 4, "enjoyment": 4, "activity": 3})
    html = patient.client.get("/").get_data(as_text=True)
    assert "PEG 6.67 → 3.67, \u221245 %: a meaningful improvement" in html


def test_the_urgent_notice_stays_on_today_for_14_days(patient):
    flags = {key.split(".")[1]: False for key in NO_FLAGS}
    old = datetime.now(UTC) - timedelta(days=15)
    answered(patient, "red_flags", {**flags, "saddle_numbness": True}, old)
    assert "Go to an emergency department" not in patient.client.get("/").get_data(as_text=True)
    answered(patient, "red_flags", {**flags, "bowel": True}, old + timedelta(days=2))
    html = patient.client.get("/").get_data(as_text=True)
    assert "Go to an emergency department (A&amp;E) now" in html
    assert 'href="/check-in/urgent"' in html


def test_with_nothing_due_the_check_in_says_so_and_offers_every_questionnaire(patient):
    assert post(patient.client, "/check-in", check_in_form()).status_code == 303
    answered(patient, "rmdq", {f"q{n}": False for n in range(1, 25)})
    html = patient.client.get("/check-in").get_data(as_text=True)
    assert "Nothing is due" in html and "<form" not in html.split("<main")[1]
    for key in ("peg", "red_flags", "rmdq", "pgic"):
        assert f'href="/questionnaires/{key}"' in html


def test_pgic_joins_the_check_in_after_two_sessions(patient):
    for day in (3, 10):
        patient.post("/sessions", session_body(started_at=f"2026-03-{day:02d}T10:00:00Z"))
    html = patient.client.get("/check-in").get_data(as_text=True)
    assert re.findall(r'name="instruments" value="(\w+)"', html) == ["peg", "red_flags", "pgic"]
    form = check_in_form(instruments=["peg", "red_flags", "pgic"], **{"pgic.change": "2"})
    response = post(patient.client, "/check-in", form)
    assert response.status_code == 303
    assert responses(patient, "pgic")[0]["answers"] == {"change": 2}


def test_the_rmdq_is_a_list_of_statements_to_tick(patient):
    html = patient.client.get("/questionnaires/rmdq").get_data(as_text=True)
    assert html.count('type="checkbox" name="rmdq.') == 24
    assert html.count('type="hidden" name="rmdq.') == 24, "an unticked statement is a no"
    token = page_csrf(patient.client, "/questionnaires/rmdq")
    data = MultiDict({"csrf_token": token, "instruments": "rmdq", "id:rmdq": new_id()})
    for n in range(1, 25):  # as the page sends it: each hidden "false", then a ticked box
        data.add(f"rmdq.q{n}", "false")
        if n in (3, 9):
            data.add(f"rmdq.q{n}", "true")
    response = patient.client.post("/questionnaires/rmdq", data=data)
    assert response.status_code == 303
    [rmdq] = responses(patient, "rmdq")
    assert rmdq["score"] == 2 and rmdq["answers"]["q3"] is True and rmdq["answers"]["q1"] is False


def test_any_questionnaire_on_demand_and_404_for_an_unknown_one(patient):
    html = patient.client.get("/questionnaires/pgic").get_data(as_text=True)
    assert html.count('type="radio" name="pgic.change"') == 7 and "Much improved" in html
    fields = {"instruments": "pgic", "id:pgic": new_id(), "pgic.change": "4"}
    assert post(patient.client, "/questionnaires/pgic", fields).status_code == 303
    assert responses(patient, "pgic")[0]["score"] == 4
    assert patient.client.get("/questionnaires/odi").status_code == 404
    assert patient.client.get("/questionnaires/../entries").status_code == 404


def test_history_lists_answers_with_their_scores(patient):
    assert post(patient.client, "/check-in", check_in_form()).status_code == 303
    answered(patient, "rmdq", {f"q{n}": n in (1, 2, 3) for n in range(1, 25)})
    flags = {key.split(".")[1]: False for key in NO_FLAGS}
    answered(patient, "red_flags", {**flags, "bladder": True})
    html = patient.client.get("/entries").get_data(as_text=True)
    assert "PEG: 6 out of 10" in html
    assert "Warning signs: none" in html
    assert "RMDQ: 3 of 24" in html
    assert "Warning signs: answered yes: go to an emergency department now" in html
    assert "Yes to: New trouble passing urine, or leaking urine" in html


def test_a_response_is_edited_and_deleted_from_history(patient):
    peg = answered(patient, "peg", {"pain": 6, "enjoyment": 5, "activity": 7})
    edit = f"/responses/{peg['id']}/edit"
    html = patient.client.get(edit).get_data(as_text=True)
    assert 'name="peg.pain" value="6" checked' in html and 'name="version" value="1"' in html
    fields = {"instruments": "peg", "peg.pain": "3", "peg.enjoyment": "3", "peg.activity": "3",
              "version": "1"}
    response = post(patient.client, edit, fields, edit)
    assert response.status_code == 303
    [changed] = responses(patient)
    assert changed["id"] == peg["id"] and changed["score"] == 3 and changed["version"] == 2
    stale = post(patient.client, edit, {**fields, "peg.pain": "9"}, edit)
    assert stale.status_code == 422 and "changed on another device" in stale.get_data(as_text=True)
    delete = f"/responses/{peg['id']}/delete"
    assert "Delete these answers?" in patient.client.get(delete).get_data(as_text=True)
    assert post(patient.client, delete, {}, delete).status_code == 303
    assert responses(patient) == []


def test_another_patients_answers_are_404(patient, other_api):
    theirs = answered(other_api, "peg", {"pain": 6, "enjoyment": 5, "activity": 7})
    for path in (f"/responses/{theirs['id']}/edit", f"/responses/{theirs['id']}/delete"):
        assert patient.client.get(path).status_code == 404
        assert post(patient.client, path, {"instruments": "peg"}).status_code == 404
    assert len(responses(other_api)) == 1


def test_the_offline_copy_of_the_check_in_is_blank_and_asks_peg_and_red_flags(patient):
    assert post(patient.client, "/check-in", check_in_form()).status_code == 303
    shell = patient.client.get("/check-in", headers={"X-Diary-Shell": "1"})
    html = shell.get_data(as_text=True)
    assert re.findall(r'name="instruments" value="(\w+)"', html) == ["peg", "red_flags"]
    assert "Check-in saved" not in html, "no message meant for the person"
    urgent = patient.client.get("/check-in/urgent", headers={"X-Diary-Shell": "1"})
    assert "Go to an emergency department" in urgent.get_data(as_text=True)
    assert 'data-queued-notice hidden' in urgent.get_data(as_text=True)



def test_trends_show_each_questionnaire_with_its_verdict_line_and_table(patient):
    flags = {key.split(".")[1]: False for key in NO_FLAGS}
    now = datetime.now(UTC)
    answered(patient, "peg", {"pain": 7, "enjoyment": 6, "activity": 6}, now - timedelta(days=20))
    answered(patient, "peg", {"pain": 4, "enjoyment": 4, "activity": 4}, now - timedelta(days=6))
    answered(patient, "pgic", {"change": 2}, now - timedelta(days=6))
    answered(patient, "red_flags", {**flags, "bowel": True}, now - timedelta(days=6))
    html = patient.client.get("/trends").get_data(as_text=True)
    section = html[html.index('id="questionnaires-heading"') :]
    assert "PEG 6.33 → 4, \u221236.84 %: a meaningful improvement" in section
    assert "Meaningful improvement: 4.43 or lower (your first answers: 6.33)" in section
    assert 'data-questionnaire="peg"' in section and 'data-threshold="4.43"' in section
    assert "PGIC: much improved (a meaningful improvement)" in section
    assert "Much improved (2)" in section, "the PGIC's table names the answer"
    assert 'data-questionnaire="rmdq"' not in section, "no RMDQ answered: no RMDQ chart"
    assert "red_flags" not in section and "Warning signs" not in section, "never a chart point"
