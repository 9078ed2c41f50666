"""Sending due reminders (``flask reminders send`` / ``run``): exactly once, concurrently.

1. Read the enabled reminders with their patient's zone and address (one query).
2. For each, the due time in ``(at - 15 min, at]`` (``reminders.due_time``); due times before
   the reminder was created or last changed never count, and one missed by more than 15
   minutes is never sent late.
3. **Claim** each (reminder, due time) with one conditional UPDATE that moves ``last_due_at``
   forward only if no sender has claimed that due time yet: of two senders running at once,
   exactly one sees its row change. Claims go in id order (no deadlock between senders on
   PostgreSQL), in batches of 200, each one short write transaction, and the next batch only
   once the thread pool has room: senders running at once share the work.
4. Skip what would be pointless (a ``log`` reminder after an entry in the last 3 hours, a
   ``check_in`` with nothing due), then push and mail the rest from a thread pool, each
   request with a timeout, so one slow push service cannot hold up the others. A push service
   answering 404/410 has its subscription deleted.
"""

import logging
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from ..core import i18n, mailer
from ..core.database import writing
from ..core.extensions import db
from ..core.links import public_url
from ..core.timeutil import utcnow
from ..models import Reminder, User
from . import push, reminders
from .email_links import language_headers, unsubscribe_token

log = logging.getLogger("diary.reminders")
CLAIM_BATCH = 200
COUNTS = ("due", "claimed", "skipped", "pushed", "emailed", "failed", "removed")


@dataclass
class Due:
    """One reminder due now, with what sending it needs (no pain value, note or name); its
    ``locale`` is the patient's profile language, the one the push and mail are written in."""

    reminder_id: str
    user_id: int
    kind: str
    channels: list
    due: object
    email: str
    email_ok: bool
    locale: str | None = None


def _candidates(at):
    rows = db.session.execute(
        select(
            Reminder.id,
            Reminder.user_id,
            Reminder.kind,
            Reminder.local_time,
            Reminder.days,
            Reminder.channels,
            Reminder.updated_at,
            Reminder.last_due_at,
            User.timezone,
            User.email,
            User.email_verified_at,
            User.reminder_emails_off,
            User.locale,
        )
        .join(User, User.id == Reminder.user_id)
        .where(Reminder.enabled.is_(True))
    ).all()
    db.session.commit()  # end the read: claims are short write transactions of their own
    found = []
    for row in rows:
        due = reminders.due_time(row.local_time, row.days, row.timezone, at)
        if due is None or due < row.updated_at:
            continue
        if row.last_due_at is not None and row.last_due_at >= due:
            continue  # sent (or being sent) already
        email_ok = row.email_verified_at is not None and not row.reminder_emails_off
        found.append(
            Due(
                row.id,
                row.user_id,
                row.kind,
                list(row.channels),
                due,
                row.email,
                email_ok,
                row.locale,
            )
        )
    found.sort(key=lambda item: item.reminder_id)
    return found


def claim(items):
    """The items this sender won: one conditional UPDATE per (reminder, due time)."""
    won = []
    for start in range(0, len(items), CLAIM_BATCH):
        batch = items[start : start + CLAIM_BATCH]
        with writing(), db.engine.begin() as connection:
            for item in batch:
                changed = connection.execute(
                    update(Reminder)
                    .where(
                        Reminder.id == item.reminder_id,
                        Reminder.enabled.is_(True),
                        Reminder.updated_at <= item.due,
                        or_(Reminder.last_due_at.is_(None), Reminder.last_due_at < item.due),
                    )
                    .values(last_due_at=item.due)
                ).rowcount
                if changed == 1:
                    won.append(item)
    return won


def _skipped(items):
    """The items not worth sending (section 12's skip rules)."""
    skipped = set()
    check_ins = [item for item in items if item.kind == "check_in"]
    ids = list({item.user_id for item in check_ins})
    users = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = db.session.scalars(select(User).where(User.id.in_(chunk)))
        users.update((user.id, user) for user in rows)
    for item in check_ins:
        if not reminders.check_in_due(users.get(item.user_id), item.due):
            skipped.add(item.reminder_id)
    logs = [(item.user_id, item.due) for item in items if item.kind == "log"]
    recent = reminders.logged_recently(logs)
    skipped.update(item.reminder_id for item in items if (item.user_id, item.due) in recent)
    return skipped


def _subject(kind):
    """A reminder mail's subject: the push's words, as a subject line."""
    if kind == "check_in":
        return _("Time for your check-in: a few quick questions")
    return _("Time to log your pain")


def reminder_mail(item):
    """``(subject, body, headers)`` of a reminder e-mail: generic words, one-click unsubscribe
    (RFC 8058: ``List-Unsubscribe`` with an https URL, and ``List-Unsubscribe-Post``).

    In the current locale: the sender calls it inside ``i18n.patient_locale``.
    """
    message = push.payload(item.kind)
    unsubscribe = public_url("reminders.unsubscribe", token=unsubscribe_token(item.user_id))
    page = public_url("reminders.reminders_page")
    body = (
        f"{message['body']}\n\n"
        + _("Open your pain diary: %(url)s", url=current_app.config["PUBLIC_URL"] + message["url"])
        + "\n\n"
        + _(
            "You get this because you set a reminder in your pain diary. Change or stop "
            "reminders: %(url)s",
            url=page,
        )
        + "\n"
        + _("Stop all reminder e-mails with one click: %(url)s", url=unsubscribe)
        + "\n"
    )
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        **language_headers(i18n.current()),
    }
    return _subject(item.kind), body, headers


def _jobs(won, counts, mail_on):
    """Skip what is pointless; the pushes and mails the rest need, as (channel, target, what)."""
    skipped = _skipped(won)
    counts["skipped"] += len(skipped)
    sending = [item for item in won if item.reminder_id not in skipped]
    subscriptions = push.subscriptions_of(
        {item.user_id for item in sending if "push" in item.channels}
    )
    jobs = []
    for item in sending:
        with i18n.patient_locale(item):  # written here, in the patient's language
            if "push" in item.channels:
                message = push.payload(item.kind)
                for row in subscriptions.get(item.user_id, []):
                    if push.endpoint_allowed(row.endpoint):
                        jobs.append(("push", row, message))
            if "email" in item.channels and item.email_ok and mail_on:
                jobs.append(("email", item.email, reminder_mail(item)))
    db.session.commit()  # no read transaction stays open while the pushes go out
    return jobs


def send_due(at=None, workers=None):
    """Send every reminder due at ``at`` (default now) that no sender has sent; the counts.

    Claims go batch by batch, each as soon as the pool has room for more work: a sender never
    holds claims it cannot send yet, so senders running at once share the work.
    """
    app = current_app._get_current_object()
    at = at or utcnow()
    counts = Counter()
    items = _candidates(at)
    counts["due"] = len(items)
    size = max(1, workers or int(app.config.get("REMINDER_SEND_WORKERS", 32)))
    sender = push.Sender(app)
    mail_on = mailer.enabled()

    def run(job):
        channel, target, content = job
        if channel == "push":
            return channel, target.id, sender.send(target, content)
        with app.app_context():
            subject, body, headers = content
            return channel, None, 250 if mailer.send_now(target, subject, body, headers) else None

    gone = []

    def collect(finished):
        for future in finished:
            channel, subscription_id, status = future.result()
            if status is not None and 200 <= status < 300:
                counts["pushed" if channel == "push" else "emailed"] += 1
            elif channel == "push" and status in push.GONE:
                gone.append(subscription_id)
            else:
                counts["failed"] += 1

    pending = set()
    with ThreadPoolExecutor(max_workers=size) as pool:
        for start in range(0, len(items), CLAIM_BATCH):
            while len(pending) > size:  # room for the next batch first
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(finished)
            won = claim(items[start : start + CLAIM_BATCH])
            counts["claimed"] += len(won)
            pending |= {pool.submit(run, job) for job in _jobs(won, counts, mail_on)}
        finished, pending = wait(pending)
        collect(finished)
    push.forget_gone(gone)
    counts["removed"] = len(gone)
    result = {name: counts.get(name, 0) for name in COUNTS}
    log.info("reminders at %s: %s", at.isoformat(), result)
    return result
