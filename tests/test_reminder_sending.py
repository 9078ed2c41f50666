"""Sending reminders (PRODUCT.md section 12) through a real local push service and a real SMTP
server: due times across DST changes, skip rules, exactly once under two senders."""

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from helpers import (
    Api,
    entry_body,
    make_app,
    push_settings,
    register,
    response_body,
)

from diary.core import mailer
from diary.core.extensions import db
from diary.models import PushSubscription, Reminder, User
from diary.services import push, reminders
from diary.services.reminder_sender import send_due

RED_FLAGS = ("saddle_numbness", "bladder", "bowel", "both_legs", "sexual")


def utc(text):
    """An aware UTC instant from ISO text."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


# Due times: pure ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "local_time", "expected"),
    [
        # Clocks go forward: 02:30 does not exist, it fires at the first valid minute (03:00).
        ("Europe/Berlin", date(2026, 3, 29), "02:30", "2026-03-29T01:00:00Z"),
        ("America/New_York", date(2026, 3, 8), "02:30", "2026-03-08T07:00:00Z"),
        ("Australia/Lord_Howe", date(2026, 10, 4), "02:15", "2026-10-03T15:30:00Z"),
        # Clocks go back: the time happens twice and fires at the first.
        ("Europe/Berlin", date(2026, 10, 25), "02:30", "2026-10-25T00:30:00Z"),
        ("America/New_York", date(2026, 11, 1), "01:30", "2026-11-01T05:30:00Z"),
        ("Australia/Lord_Howe", date(2026, 4, 5), "01:45", "2026-04-04T14:45:00Z"),
        # No daylight saving time.
        ("Asia/Shanghai", date(2026, 3, 29), "20:00", "2026-03-29T12:00:00Z"),
        ("Europe/Berlin", date(2026, 3, 29), "20:00", "2026-03-29T18:00:00Z"),
        ("Europe/Berlin", date(2026, 3, 28), "20:00", "2026-03-28T19:00:00Z"),
    ],
)
def test_wall_times_become_instants_dst_safely(zone, day, local_time, expected):
    assert reminders.wall_time_instant(day, local_time, ZoneInfo(zone)) == utc(expected)


@pytest.mark.parametrize(
    ("zone", "local_time", "every_minute_from", "to", "fires"),
    [
        ("Europe/Berlin", "02:30", "2026-10-24T23:00Z", "2026-10-25T03:00Z", ["2026-10-25T00:30Z"]),
        ("Europe/Berlin", "02:30", "2026-03-28T23:00Z", "2026-03-29T03:00Z", ["2026-03-29T01:00Z"]),
        (
            "America/New_York",
            "01:30",
            "2026-11-01T04:00Z",
            "2026-11-01T08:00Z",
            ["2026-11-01T05:30Z"],
        ),
        (
            "America/New_York",
            "02:30",
            "2026-03-08T05:00Z",
            "2026-03-08T09:00Z",
            ["2026-03-08T07:00Z"],
        ),
        ("Asia/Shanghai", "20:00", "2026-03-29T10:00Z", "2026-03-29T14:00Z", ["2026-03-29T12:00Z"]),
        (
            "Australia/Lord_Howe",
            "01:45",
            "2026-04-04T13:00Z",
            "2026-04-04T17:00Z",
            ["2026-04-04T14:45Z"],
        ),
        (
            "Australia/Lord_Howe",
            "02:15",
            "2026-10-03T14:00Z",
            "2026-10-03T17:00Z",
            ["2026-10-03T15:30Z"],
        ),
    ],
)
def test_a_sender_running_every_minute_fires_once_a_day(
    zone, local_time, every_minute_from, to, fires
):
    """Every window a minute-by-minute sender looks at; each due time is found in a window
    and claimed once (``last_due_at`` here stands in for the claim)."""
    at, end, last, fired = utc(every_minute_from), utc(to), None, []
    while at <= end:
        due = reminders.due_time(local_time, list(reminders.DAYS), zone, at)
        if due is not None and (last is None or due > last):
            fired.append(due)
            last = due
        at += timedelta(minutes=1)
    assert fired == [utc(text) for text in fires]


def test_only_the_days_chosen():
    at = utc("2026-03-29T18:05Z")  # Sunday 20:05 in Berlin
    assert reminders.due_time("20:00", ["sun"], "Europe/Berlin", at) == utc("2026-03-29T18:00Z")
    assert reminders.due_time("20:00", ["mon", "sat"], "Europe/Berlin", at) is None


def test_the_window_is_fifteen_minutes():
    due = utc("2026-03-29T18:00Z")
    for minutes, found in ((0, due), (14, due), (15, None), (-1, None)):
        assert (
            reminders.due_time("20:00", ["sun"], "Europe/Berlin", due + timedelta(minutes=minutes))
            == found
        )


# Sending: a patient, a push service, an SMTP server ---------------------------------------


@pytest.fixture
def service(push_service):
    """The local push service."""
    return push_service


@pytest.fixture
def app(sending_app):
    """The app with the local push service allowed and mail going to the local SMTP server."""
    return sending_app


def patient(
    app, service, email="pat@example.com", timezone="Europe/Berlin", verified=True, devices=1
):
    """A signed-up patient with ``devices`` push subscriptions; ``(user_id, api, endpoints)``."""
    client = app.test_client()
    assert register(client, email=email, timezone=timezone).status_code == 303
    api = Api(client)
    endpoints = []
    for _ in range(devices):
        subscription = service.subscription()
        assert api.post("/push/subscriptions", subscription).status_code == 201
        endpoints.append(subscription["endpoint"])
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        if verified:
            user.email_verified_at = utc("2026-01-01T00:00Z")
            db.session.commit()
        return user.id, api, endpoints


def add_reminder(app, user_id, created="2026-03-01T00:00Z", **fields):
    """A reminder made at ``created`` (due times before it never count); its id."""
    body = {"local_time": "20:00", **fields}
    with time_machine.travel(utc(created), tick=False), app.app_context():
        return reminders.create(user_id, reminders.clean_reminder(body)).id


def sent_at(app, at):
    """``send_due`` at the instant ``at`` (ISO text); the counts."""
    with app.app_context():
        return send_due(utc(at))


def test_a_due_reminder_is_pushed_and_mailed_once(app, service, smtp):
    mailbox = smtp[1]
    user_id, api, (endpoint,) = patient(app, service)
    mailer.drain(app)
    before = len(mailbox.messages)
    add_reminder(app, user_id, channels=["push", "email"])
    assert sent_at(app, "2026-03-29T17:59Z")["claimed"] == 0  # not yet (19:59 in Berlin)
    counts = sent_at(app, "2026-03-29T18:03Z")
    assert counts == {
        "due": 1,
        "claimed": 1,
        "skipped": 0,
        "pushed": 1,
        "emailed": 1,
        "failed": 0,
        "removed": 0,
    }
    assert service.errors == []
    (message,) = service.for_endpoint(endpoint)
    assert message.payload == {
        "title": "Pain diary",
        "body": "Time to log your pain.",
        "url": "/entries/new",
    }
    (mail,) = mailbox.messages[before:]
    assert mail.recipients == ["pat@example.com"]
    assert mail["Subject"] == "Time to log your pain"
    unsubscribe = mail["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://diary.example/unsubscribe/") and unsubscribe.endswith(
        ">"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Once: the next runs in the window find it claimed.
    assert sent_at(app, "2026-03-29T18:04Z")["claimed"] == 0
    assert sent_at(app, "2026-03-29T18:14Z")["claimed"] == 0
    assert len(service.for_endpoint(endpoint)) == 1
    # And again the next evening.
    assert sent_at(app, "2026-03-30T18:00Z")["pushed"] == 1
    # The unsubscribe link works without a login and stops the e-mails, not the pushes.
    path = unsubscribe[1:-1].removeprefix("https://diary.example")
    assert app.test_client().post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert sent_at(app, "2026-03-31T18:00Z") == {
        "due": 1,
        "claimed": 1,
        "skipped": 0,
        "pushed": 1,
        "emailed": 0,
        "failed": 0,
        "removed": 0,
    }


def test_nothing_identifying_or_clinical_in_a_push_or_a_mail(app, service, smtp):
    user_id, api, (endpoint,) = patient(app, service)
    api.patch("/me", {"display_name": "Alex Example"})
    add_reminder(app, user_id, channels=["push", "email"], local_time="08:00")
    entry = entry_body(recorded_at="2026-03-29T01:00:00Z", notes="Secret note", pain={"overall": 9})
    assert api.post("/entries", entry).status_code == 201
    assert sent_at(app, "2026-03-29T06:00Z")["pushed"] == 1
    mailer.drain(app)
    mail = smtp[1].messages[-1]
    push_text = str(service.for_endpoint(endpoint)[0].payload)
    mail_text = mail["Subject"] + mail.get_body(("plain",)).get_content()
    for secret in ("9", "Secret note", "Alex", "pat@"):
        assert secret not in push_text
        assert secret not in mail_text.split("/unsubscribe/")[0]


def test_a_log_reminder_is_skipped_after_an_entry_in_the_three_hours_before(app, service):
    user_id, api, (endpoint,) = patient(app, service)
    add_reminder(app, user_id)
    recent = entry_body(recorded_at="2026-03-29T15:30:00Z")  # 2.5 h before 20:00 CEST
    assert api.post("/entries", recent).status_code == 201
    counts = sent_at(app, "2026-03-29T18:00Z")
    assert counts["claimed"] == 1 and counts["skipped"] == 1 and counts["pushed"] == 0
    older = entry_body(recorded_at="2026-03-30T14:59:00Z")  # 3 h 1 min before
    assert api.post("/entries", older).status_code == 201
    assert sent_at(app, "2026-03-30T18:00Z")["pushed"] == 1
    assert service.for_endpoint(endpoint)[0].payload["url"] == "/entries/new"


def test_a_check_in_reminder_goes_out_only_while_a_questionnaire_is_due(app, service):
    user_id, api, (endpoint,) = patient(app, service)
    add_reminder(app, user_id, kind="check_in")
    counts = sent_at(app, "2026-03-29T18:00Z")  # a new patient: the PEG is due
    assert counts["claimed"] == 1 and counts["pushed"] == 1
    [message] = service.for_endpoint(endpoint)
    assert message.payload["url"] == "/check-in"
    answered = "2026-03-29T18:30:00Z"  # 20:30 in Berlin
    for instrument, answers in (
        ("peg", {"pain": 5, "enjoyment": 4, "activity": 4}),
        ("red_flags", dict.fromkeys(RED_FLAGS, False)),
        ("rmdq", {f"q{n}": n % 3 == 0 for n in range(1, 25)}),
    ):
        body = response_body(instrument=instrument, answered_at=answered, answers=answers)
        assert api.post("/responses", body).status_code == 201
    counts = sent_at(app, "2026-03-30T18:00Z")  # answered yesterday: nothing is due
    assert counts["claimed"] == 1 and counts["skipped"] == 1
    assert len(service.for_endpoint(endpoint)) == 1
    counts = sent_at(app, "2026-04-05T18:00Z")  # a week after the PEG: due again
    assert counts["pushed"] == 1
    assert len(service.for_endpoint(endpoint)) == 2


def test_a_reminder_missed_by_more_than_fifteen_minutes_is_not_sent_late(app, service):
    user_id, _, (endpoint,) = patient(app, service)
    add_reminder(app, user_id)
    assert sent_at(app, "2026-03-29T18:16Z")["due"] == 0
    assert sent_at(app, "2026-03-29T23:00Z")["due"] == 0
    assert service.for_endpoint(endpoint) == []


def test_due_times_before_a_change_never_count(app, service):
    user_id, _, (endpoint,) = patient(app, service)
    add_reminder(app, user_id, created="2026-03-29T18:05Z")  # set at 20:05 for 20:00
    assert sent_at(app, "2026-03-29T18:10Z")["due"] == 0
    assert sent_at(app, "2026-03-30T18:01Z")["pushed"] == 1


def test_a_disabled_reminder_and_an_unverified_address_get_nothing(app, service, smtp):
    user_id, _, _ = patient(app, service, verified=False, devices=0)
    add_reminder(app, user_id, channels=["email"])
    add_reminder(app, user_id, channels=["email"], local_time="20:05", enabled=False)
    mailer.drain(app)
    before = len(smtp[1].messages)
    counts = sent_at(app, "2026-03-29T18:06Z")
    assert counts["claimed"] == 1 and counts["emailed"] == 0
    mailer.drain(app)
    assert len(smtp[1].messages) == before


def test_a_gone_subscription_is_deleted_and_a_slow_one_times_out(app, service):
    user_id, api, (kept,) = patient(app, service)
    gone = service.subscription(status=410)
    slow = service.subscription(delay=6)
    api.post("/push/subscriptions", gone)
    api.post("/push/subscriptions", slow)
    add_reminder(app, user_id)
    app.config["PUSH_TIMEOUT"] = 0.5
    started = datetime.now(UTC)
    counts = sent_at(app, "2026-03-29T18:00Z")
    assert (datetime.now(UTC) - started).total_seconds() < 5  # not the 6 s it takes
    assert counts["pushed"] == 1 and counts["removed"] == 1 and counts["failed"] == 1
    with app.app_context():
        left = set(db.session.scalars(db.select(PushSubscription.endpoint)))
    assert left == {kept, slow["endpoint"]}


@pytest.mark.parametrize(
    ("zone", "local_time", "now", "local_due"),
    [
        ("Europe/Berlin", "02:30", "2026-03-29T01:05:00Z", "03:00"),
        ("America/New_York", "02:30", "2026-03-08T07:05:00Z", "03:00"),
        ("Australia/Lord_Howe", "02:15", "2026-10-03T15:31:00Z", "02:30"),
        ("Asia/Shanghai", "20:00", "2026-03-29T12:05:00Z", "20:00"),
    ],
)
def test_the_command_sends_at_the_current_time(app, service, zone, local_time, now, local_due):
    user_id, _, (endpoint,) = patient(app, service, timezone=zone)
    add_reminder(app, user_id, local_time=local_time)
    runner = app.test_cli_runner()
    with time_machine.travel(utc(now), tick=False):
        result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "1 pushed" in result.output
    (message,) = service.for_endpoint(endpoint)
    sent = datetime.fromtimestamp(message.at, UTC).astimezone(ZoneInfo(zone))
    assert sent.strftime("%H:%M") >= local_due
    with time_machine.travel(utc(now) + timedelta(minutes=5), tick=False):
        again = runner.invoke(args=["reminders", "send"])
    assert "0 claimed" in again.output


def test_the_command_takes_an_instant(app, service):
    user_id, _, (endpoint,) = patient(app, service)
    add_reminder(app, user_id)
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["reminders", "send", "--at", "yesterday"])
    assert bad.exit_code != 0 and "ISO 8601" in bad.output
    naive = runner.invoke(args=["reminders", "send", "--at", "2026-03-29T20:00"])
    assert naive.exit_code != 0 and "offset" in naive.output
    done = runner.invoke(args=["reminders", "send", "--at", "2026-03-29T20:01:00+02:00"])
    assert done.exit_code == 0 and "1 pushed" in done.output


def test_two_senders_at_once_send_each_reminder_exactly_once(database_path, service):
    """Two apps (two engines, as two processes would have) send the same minute together."""
    apps = [make_app(database_path, **push_settings(service)) for _ in range(2)]
    # Both sign with one key, as servers sharing FLASK_VAPID_PRIVATE_KEY do.
    key = apps[0].config["VAPID_PRIVATE_KEY"]
    apps[1].config["VAPID_PRIVATE_KEY"] = key
    with apps[0].app_context():
        service.app_public_key = push.public_key()
    endpoints = []
    for number in range(30):
        user_id, _, devices = patient(apps[0], service, email=f"p{number}@example.com")
        endpoints += devices
        add_reminder(apps[0], user_id, local_time="20:00")
        add_reminder(apps[0], user_id, local_time="20:10")
    results, start = [], threading.Barrier(2)

    def sender(app, at):
        with app.app_context():
            start.wait()
            results.append(send_due(utc(at)))

    for at in ("2026-03-29T18:02Z", "2026-03-29T18:12Z"):
        threads = [threading.Thread(target=sender, args=(app, at)) for app in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert service.errors == [], results
    counts = sorted(len(service.for_endpoint(endpoint)) for endpoint in endpoints)
    assert counts == [2] * 30, results
    assert sum(result["claimed"] for result in results) == 60
    assert sum(result["pushed"] for result in results) == 60
    with apps[0].app_context():
        claimed = set(db.session.scalars(db.select(Reminder.last_due_at)))
    assert claimed == {utc("2026-03-29T18:00Z"), utc("2026-03-29T18:10Z")}
    for app in apps:
        with app.app_context():
            db.engine.dispose()
