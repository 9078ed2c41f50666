"""Reminders (PRODUCT.md section 12): the API, the /reminders page, one-click unsubscribe."""

import pytest
from helpers import Api, page_csrf

REMINDER = {
    "kind": "log",
    "local_time": "20:00",
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "channels": ["push"],
    "enabled": True,
}


def test_create_list_replace_delete(api):
    created = api.post("/reminders", REMINDER)
    assert created.status_code == 201
    body = created.get_json()
    assert body == {**REMINDER, "id": body["id"]}
    assert created.headers["Location"] == f"/api/v1/reminders/{body['id']}"
    assert api.get("/reminders").get_json() == {"reminders": [body]}
    changed = {
        **REMINDER,
        "local_time": "08:30",
        "days": ["sun", "mon"],
        "channels": ["email", "push"],
        "enabled": False,
    }
    replaced = api.put(f"/reminders/{body['id']}", changed)
    assert replaced.status_code == 200
    # Days and channels come back in their canonical order.
    assert replaced.get_json() == {
        **changed,
        "id": body["id"],
        "days": ["mon", "sun"],
        "channels": ["push", "email"],
    }
    assert api.delete(f"/reminders/{body['id']}").status_code == 204
    assert api.get("/reminders").get_json() == {"reminders": []}


def test_defaults_need_only_a_time(api):
    body = api.post("/reminders", {"local_time": "07:15"}).get_json()
    assert body["kind"] == "log" and body["channels"] == ["push"] and body["enabled"] is True
    assert body["days"] == REMINDER["days"]


def test_at_most_six(api):
    for hour in range(6):
        assert api.post("/reminders", {**REMINDER, "local_time": f"0{hour}:00"}).status_code == 201
    seventh = api.post("/reminders", REMINDER)
    assert seventh.status_code == 422
    assert "reminders" in seventh.get_json()["error"]["fields"]
    assert len(api.get("/reminders").get_json()["reminders"]) == 6


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"local_time": "24:00"}, "local_time"),
        ({"local_time": "7:00"}, "local_time"),
        ({"local_time": "20:00:00"}, "local_time"),
        ({"local_time": 2000}, "local_time"),
        ({"local_time": None}, "local_time"),
        ({"local_time": "２０:００"}, "local_time"),
        ({"days": []}, "days"),
        ({"days": ["monday"]}, "days"),
        ({"days": ["mon", "mon"]}, "days"),
        ({"days": "mon"}, "days"),
        ({"channels": []}, "channels"),
        ({"channels": ["sms"]}, "channels"),
        ({"channels": ["push", "push"]}, "channels"),
        ({"channels": None}, "channels"),
        ({"kind": "medication"}, "kind"),
        ({"enabled": "yes"}, "enabled"),
        ({"enabled": 1}, "enabled"),
    ],
)
def test_bad_fields_are_named(api, change, field):
    response = api.post("/reminders", {**REMINDER, **change})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    created = api.post("/reminders", REMINDER).get_json()
    response = api.put(f"/reminders/{created['id']}", {**REMINDER, **change})
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert api.get("/reminders").get_json()["reminders"] == [created]


def test_another_patients_reminder_is_not_found(api, other_api):
    theirs = other_api.post("/reminders", REMINDER).get_json()
    assert api.put(f"/reminders/{theirs['id']}", REMINDER).status_code == 404
    assert api.delete(f"/reminders/{theirs['id']}").status_code == 404
    assert other_api.get("/reminders").get_json()["reminders"] == [theirs]


def test_deleting_the_account_deletes_its_reminders(app, api, other_api):
    api.post("/reminders", REMINDER)
    other_api.post("/reminders", REMINDER)
    assert api.delete("/me", {"password": "correct horse battery"}).status_code == 204
    from diary.core.extensions import db
    from diary.models import Reminder

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Reminder)) == 1


# The page ----------------------------------------------------------------------------------


def test_the_page_sets_a_reminder_without_javascript(api, client):
    page = client.get("/reminders")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Turn on notifications" in html and "Add to Home Screen first" in html
    assert "E-mail is off on this server" in html
    token = page_csrf(client, "/reminders")
    form = {
        "csrf_token": token,
        "local_time": "21:15",
        "kind": "log",
        "days": ["mon", "fri"],
        "channels": ["push", "email"],
        "enabled": "y",
    }
    assert client.post("/reminders", data=form).status_code == 303
    (saved,) = api.get("/reminders").get_json()["reminders"]
    assert saved["local_time"] == "21:15" and saved["days"] == ["mon", "fri"]
    html = client.get("/reminders").get_data(as_text=True)
    assert "21:15 · Log my pain" in html and "Next: " in html
    off = {**form, "enabled": "", "local_time": "22:00"}
    assert client.post(f"/reminders/{saved['id']}", data=off).status_code == 303
    assert api.get("/reminders").get_json()["reminders"][0]["enabled"] is False
    bad = client.post(f"/reminders/{saved['id']}", data={**form, "days": []})
    assert bad.status_code == 422 and "Days must be" in bad.get_data(as_text=True)
    gone = client.post(f"/reminders/{saved['id']}/delete", data={"csrf_token": token})
    assert gone.status_code == 303
    assert api.get("/reminders").get_json()["reminders"] == []


def test_the_page_names_a_bad_time(api, client):
    token = page_csrf(client, "/reminders")
    response = client.post(
        "/reminders",
        data={"csrf_token": token, "local_time": "25:00", "days": ["mon"], "channels": ["push"]},
    )
    assert response.status_code == 422
    assert "The time must be a time written HH:MM" in response.get_data(as_text=True)


def test_the_page_needs_a_login(app):
    response = app.test_client().get("/reminders")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_account_page_links_to_reminders(api, client):
    assert 'href="/reminders"' in client.get("/account").get_data(as_text=True)


# One-click unsubscribe ---------------------------------------------------------------------


def unsubscribe_path(app, user_id=1):
    """The unsubscribe link of patient ``user_id``."""
    from diary.services.email_links import unsubscribe_token

    with app.app_context():
        return f"/unsubscribe/{unsubscribe_token(user_id)}"


def emails_off(app):
    """Whether patient 1 stopped reminder e-mails."""
    from diary.core.extensions import db
    from diary.models import User

    with app.app_context():
        return db.session.get(User, 1).reminder_emails_off


def test_one_click_unsubscribe_needs_no_cookie_and_no_csrf(app, api):
    path = unsubscribe_path(app)
    mail_client = app.test_client()  # what a mail provider's POST looks like (RFC 8058)
    page = mail_client.get(path)
    assert page.status_code == 200 and not emails_off(app)  # a scanner's GET changes nothing
    done = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert emails_off(app)
    token = page_csrf(api.client, "/reminders")
    assert api.client.post("/reminders/email-on", data={"csrf_token": token}).status_code == 303
    assert not emails_off(app)


def test_a_forged_unsubscribe_link_changes_nothing(app, api):
    path = unsubscribe_path(app)
    response = app.test_client().post(path[:-3] + "xyz")
    assert response.status_code == 404
    assert not emails_off(app)


def test_an_api_client_sees_the_reminders_of_its_own_login(app, api):
    other = app.test_client()
    assert Api(other).get("/reminders").status_code == 401
