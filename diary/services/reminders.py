"""Reminders (PRODUCT.md section 12): what they are, when they are due, when to skip them.

A reminder fires at ``local_time`` on its ``days`` in the patient's profile time zone. Due
times are DST-safe: a time that a clock change skips fires at the first valid minute after the
gap, and a time that happens twice fires once (at its first occurrence).
"""

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select

from ..core.extensions import db
from ..core.timeutil import utcnow, zone
from ..models import Entry, Reminder
from ..validation import ValidationError
from . import questionnaires

KINDS = ("log", "check_in")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS = ("push", "email")
MAX_REMINDERS = 6
LOCAL_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
WINDOW = timedelta(minutes=15)  # sent within 15 minutes of its due time, or skipped
LOGGED_RECENTLY = timedelta(hours=3)  # a log reminder is skipped after an entry this recent


# Shape and rules ---------------------------------------------------------------------------


def reminder_dict(reminder):
    """The API shape of a reminder."""
    return {
        "id": reminder.id,
        "kind": reminder.kind,
        "local_time": reminder.local_time,
        "days": list(reminder.days),
        "channels": list(reminder.channels),
        "enabled": reminder.enabled,
    }


def _choices(value, allowed, name, fields):
    if not isinstance(value, list) or not value:
        fields[name] = _("must be a non-empty list of %(choices)s", choices=", ".join(allowed))
        return None
    if any(not isinstance(item, str) or item not in allowed for item in value):
        fields[name] = _("must hold only %(choices)s", choices=", ".join(allowed))
        return None
    if len(set(value)) != len(value):
        fields[name] = _("must not repeat an item")
        return None
    return [item for item in allowed if item in value]  # in the canonical order


def clean_reminder(body):
    """Check a reminder body (create or replace): 422 naming each bad field.

    ``local_time`` is required; ``kind`` defaults to ``log``, ``days`` to every day,
    ``channels`` to ``["push"]``, ``enabled`` to true.
    """
    if not isinstance(body, dict):
        raise ValidationError(
            {"body": _("must be a JSON object")}, _("The body must be a JSON object.")
        )
    fields = {}
    kind = body.get("kind", "log")
    if kind not in KINDS:
        fields["kind"] = _("must be one of %(choices)s", choices=", ".join(KINDS))
    local_time = body.get("local_time")
    if not isinstance(local_time, str) or not LOCAL_TIME.match(local_time):
        fields["local_time"] = _("must be a time written HH:MM, from 00:00 to 23:59")
    days = _choices(body.get("days", list(DAYS)), DAYS, "days", fields)
    channels = _choices(body.get("channels", ["push"]), CHANNELS, "channels", fields)
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        fields["enabled"] = _("must be true or false")
    if fields:
        raise ValidationError(fields, _("The reminder is not valid."))
    return {
        "kind": kind,
        "local_time": local_time,
        "days": days,
        "channels": channels,
        "enabled": enabled,
    }


def reminders_of(user_id):
    """The patient's reminders, by time of day then creation."""
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.user_id == user_id)
            .order_by(Reminder.local_time, Reminder.created_at)
        )
    )


def own_reminder(user_id, reminder_id):
    """The patient's reminder with this id, or None (another patient's is None too)."""
    reminder = db.session.get(Reminder, reminder_id) if isinstance(reminder_id, str) else None
    return reminder if reminder is not None and reminder.user_id == user_id else None


def create(user_id, cleaned):
    """Add a reminder; at most ``MAX_REMINDERS`` per patient (422 ``reminders``)."""
    count = db.session.scalar(
        select(func.count()).select_from(Reminder).where(Reminder.user_id == user_id)
    )
    if count >= MAX_REMINDERS:
        raise ValidationError(
            {
                "reminders": ngettext(
                    "at most %(num)d per patient; change or delete one",
                    "at most %(num)d per patient; change or delete one",
                    MAX_REMINDERS,
                )
            },
            ngettext(
                "You have %(num)d reminder already.",
                "You have %(num)d reminders already.",
                MAX_REMINDERS,
            ),
        )
    now = utcnow()
    reminder = Reminder(
        id=str(uuid.uuid4()), user_id=user_id, created_at=now, updated_at=now, **cleaned
    )
    db.session.add(reminder)
    db.session.commit()
    return reminder


def replace(reminder, cleaned):
    """Change a reminder; due times before now no longer count."""
    for name, value in cleaned.items():
        setattr(reminder, name, value)
    reminder.updated_at = utcnow()
    db.session.commit()
    return reminder


def remove(reminder):
    """Delete a reminder."""
    db.session.execute(delete(Reminder).where(Reminder.id == reminder.id))
    db.session.commit()


# When -------------------------------------------------------------------------------------


def wall_time_instant(day, local_time, tz):
    """The instant ``local_time`` on ``day`` in zone ``tz``, DST-safe.

    A repeated wall time (clocks go back) is its first occurrence. A skipped one (clocks go
    forward) is the first valid minute after the gap, i.e. the instant of the change.
    """
    hour, minute = (int(part) for part in local_time.split(":"))
    wall = datetime.combine(day, time(hour, minute))
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    # In a gap: walk minute by minute to the first wall time that exists (gaps are at most a
    # few hours; Lord Howe's is 30 minutes).
    for step in range(1, 24 * 60):
        later = wall + timedelta(minutes=step)
        candidate = later.replace(tzinfo=tz, fold=0).astimezone(UTC)
        if candidate.astimezone(tz).replace(tzinfo=None) == later:
            return candidate
    return instant


def due_time(local_time, days, timezone, at):
    """The due instant of a reminder in the window ``(at - 15 min, at]``, or None."""
    tz = zone(timezone)
    local_day = at.astimezone(tz).date()
    found = None
    for offset in (-1, 0, 1):
        day = local_day + timedelta(days=offset)
        if DAYS[day.weekday()] not in days:
            continue
        instant = wall_time_instant(day, local_time, tz)
        if at - WINDOW < instant <= at and (found is None or instant > found):
            found = instant
    return found


def next_due(reminder, timezone, after):
    """The reminder's next due instant after ``after`` (for the page), or None if it is off."""
    if not reminder.enabled:
        return None
    tz = zone(timezone)
    start: date = after.astimezone(tz).date()
    for offset in range(0, 9):
        day = start + timedelta(days=offset)
        if DAYS[day.weekday()] in reminder.days:
            instant = wall_time_instant(day, reminder.local_time, tz)
            if instant > after:
                return instant
    return None


# Skip rules -------------------------------------------------------------------------------


def check_in_due(user, at):
    """Whether the patient has a questionnaire due at ``at`` (PRODUCT.md section 11's rules,
    the ones ``GET /api/v1/questionnaires/due`` answers): a ``check_in`` reminder is skipped
    when nothing is."""
    return bool(questionnaires.due_for(user, at))


def logged_recently(user_ids_and_dues):
    """The subset of ``(user_id, due)`` pairs with an entry recorded in the 3 hours up to
    ``due``: those ``log`` reminders are skipped. One query per 500 patients."""
    pairs = list(user_ids_and_dues)
    skipped = set()
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        earliest = min(due for _, due in chunk) - LOGGED_RECENTLY
        latest = max(due for _, due in chunk)
        rows = db.session.execute(
            select(Entry.user_id, Entry.recorded_at).where(
                Entry.user_id.in_({user_id for user_id, _ in chunk}),
                Entry.recorded_at >= earliest,
                Entry.recorded_at <= latest,
            )
        ).all()
        recorded = {}
        for user_id, recorded_at in rows:
            recorded.setdefault(user_id, []).append(recorded_at)
        for user_id, due in chunk:
            if any(due - LOGGED_RECENTLY <= at <= due for at in recorded.get(user_id, ())):
                skipped.add((user_id, due))
    return skipped
