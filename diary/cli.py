"""Command-line tools: ``flask --app diary seed-demo``, ``backup``, ``reminders send|run``."""

import random
import signal
import sqlite3
import threading
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import click
from sqlalchemy import select

from .core.extensions import db
from .core.timeutil import local_today, utcnow, zone
from .models import (
    PRACTITIONER,
    AcupunctureSession,
    CareConnection,
    Entry,
    QuestionnaireResponse,
    User,
)
from .records import RESPONSE
from .services import accounts, care_team

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "sciatica-demo"  # noqa: S105 - the documented demo login
DEMO_TIMEZONE = "Europe/London"
DEMO_DAYS = 70  # ten weeks, ending today
FIRST_SESSION_DAY = 14  # two weeks of baseline before the course starts
SESSION_COUNT = 8
NOTES = (
    "Long drive to work, leg bad afterwards.",
    "Sat through a long meeting.",
    "Slept badly, woke with burning in the buttock.",
    "Good walk at lunch, felt looser.",
    "Picked up the shopping wrong.",
)


def _relief_days(number):
    """How many days after session ``number`` the demo's pain stays down: longer each time."""
    return round(0.75 * number)


def _level(day, evening, session_days):
    """The demo's pain: a slow fall, a dip after each session, a flare as it wears off."""
    trend = 7.0 if day < FIRST_SESSION_DAY else 7.0 - (day - FIRST_SESSION_DAY) * 3.4 / 55
    for number, session_day in enumerate(session_days, start=1):
        after = day - session_day
        if (after == 0 and evening) or 1 <= after <= _relief_days(number):
            return trend - 2.2
        if after == _relief_days(number) + 1:
            return trend + 2.0
    return trend


def _clamp(value):
    return max(0, min(10, round(value)))


def _demo_entry(rng, user, instant, level, morning, entry_id):
    sitting = rng.random() < 0.6
    bending = rng.random() < 0.3
    overall = _clamp(level + rng.uniform(-0.5, 0.5) + 0.7 * sitting + 0.5 * bending)
    locations = [{"region": "buttock", "side": "left"}]
    if overall >= 3:
        locations.append({"region": "thigh_back", "side": "left"})
    if overall >= 6:
        locations.append({"region": "calf", "side": "left"})
    if rng.random() < 0.4:
        locations.insert(0, {"region": "lower_back", "side": "both"})
    pain_types = ["burning", "shooting"] if overall >= 4 else ["aching"]
    if overall >= 6 and rng.random() < 0.5:
        pain_types.append("tingling")
    triggers = [key for key, on in (("sitting", sitting), ("bending_forward", bending)) if on]
    if rng.random() < 0.15:
        triggers.append("driving")
    return Entry(
        id=entry_id,
        user_id=user.id,
        recorded_at=instant,
        local_date=instant.astimezone(zone(user.timezone)).date(),
        overall=overall,
        back=_clamp(overall - 1 + rng.choice((-1, 0, 0, 1))),
        leg=_clamp(overall + rng.choice((0, 0, 1))),
        locations=locations,
        pain_types=pain_types,
        triggers=triggers,
        relievers=rng.sample(["heat", "walking", "stretching", "rest"], k=rng.choice((0, 1, 2))),
        medications="Ibuprofen 400 mg" if overall >= 6 and morning else "",
        sleep_quality=_clamp(10 - overall + rng.choice((-1, 0, 1))) if morning else None,
        interference=_clamp(overall - 1 + rng.choice((-1, 0, 1))),
        notes=rng.choice(NOTES) if rng.random() < 0.12 else "",
        version=1,
        created_at=instant,
        updated_at=instant,
    )


PEG_WEEKS = 10  # a PEG (with the red flags) every week from the first day
PEG_FIRST, PEG_LAST = 20 / 3, 3.0  # about 6.7 falling to 3
RMDQ_WEEKS = {0: 14, 4: 10, 8: 6}  # week -> statements ticked
# The RMDQ statements the demo patient ticks, the most lasting first.
RMDQ_ORDER = (13, 2, 18, 20, 10, 11, 3, 12, 16, 21, 9, 17, 23, 6, 14, 1)
PGIC_AFTER = {2: 4, 3: 4, 4: 3, 5: 3, 6: 3, 7: 2, 8: 2}  # session number -> answer


def _peg_answers(week):
    """Whole answers whose mean is near the week's point on the line from 6.7 to 3."""
    target = PEG_FIRST + (PEG_LAST - PEG_FIRST) * week / (PEG_WEEKS - 1)
    total = round(target * 3)
    pain = -(-total // 3)  # the pain item a little above the other two
    enjoyment = (total - pain) // 2
    return {"pain": pain, "enjoyment": enjoyment, "activity": total - pain - enjoyment}


def _demo_response(user, number, instrument, answers, instant):
    cleaned = {"instrument": instrument, "answers": answers}
    return QuestionnaireResponse(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-response-{instrument}-{number}")),
        user_id=user.id,
        answered_at=instant,
        local_date=instant.date(),
        version=1,
        created_at=instant,
        updated_at=instant,
        **cleaned,
        **RESPONSE.derived(cleaned),
    )


def _demo_responses(user, at, session_days):
    """The weekly PEG and red flags (all no), the RMDQ at weeks 0, 4 and 8, and the PGIC
    after sessions 2 to 8."""
    rows = []
    for week in range(PEG_WEEKS):
        instant = at(7 * week, 9, 0)
        rows.append(_demo_response(user, week, "peg", _peg_answers(week), instant))
        no_red_flags = dict.fromkeys(
            ("saddle_numbness", "bladder", "bowel", "both_legs", "sexual"), False
        )
        rows.append(
            _demo_response(user, week, "red_flags", no_red_flags, instant + timedelta(minutes=1))
        )
    for week, ticked in RMDQ_WEEKS.items():
        chosen = set(RMDQ_ORDER[:ticked])
        answers = {f"q{n}": n in chosen for n in range(1, 25)}
        rows.append(_demo_response(user, week, "rmdq", answers, at(7 * week, 9, 5)))
    for number, answer in PGIC_AFTER.items():
        instant = at(session_days[number - 1], 18, 0)
        rows.append(_demo_response(user, number, "pgic", {"change": answer}, instant))
    return rows


def seed_demo(reset=False):
    """Create the demo patient with ten weeks of entries, eight weekly sessions and the
    questionnaires answered along the way."""
    existing = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if existing is not None:
        if not reset:
            return None
        accounts.delete_account(existing)
    rng = random.Random(20261121)
    user = User(
        email=DEMO_EMAIL,
        password_hash=accounts.hash_password(DEMO_PASSWORD),
        display_name="Alex Demo",
        timezone=DEMO_TIMEZONE,
    )
    db.session.add(user)
    db.session.flush()
    tz = zone(DEMO_TIMEZONE)
    now = utcnow()
    first_day = local_today(DEMO_TIMEZONE) - timedelta(days=DEMO_DAYS - 1)
    session_days = [FIRST_SESSION_DAY + 7 * k for k in range(SESSION_COUNT)]

    def at(day, hour, minute):
        return datetime.combine(first_day + timedelta(days=day), time(hour, minute), tz)

    rows = []
    for number, day in enumerate(session_days, start=1):
        started = at(day, 10, 0)
        before = _clamp(_level(day, False, session_days) + 0.6)
        rows.append(
            AcupunctureSession(
                id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-session-{number}")),
                user_id=user.id,
                started_at=started,
                local_date=started.date(),
                practitioner="Dr Sam Lee",
                techniques=["manual", "distal_points"]
                + (["electroacupuncture"] if number >= 3 else []),
                points="BL23, BL25, GB30, BL40, BL57, GB34"
                + (", Yaotongdian" if number >= 4 else ""),
                pain_before=before,
                pain_after=max(0, before - 2 - (number >= 5)),
                notes="Felt warmth down the leg during needling." if number == 1 else "",
                version=1,
                created_at=started,
                updated_at=started,
            )
        )
    logged_today = False
    for day in range(DEMO_DAYS):
        for hour, morning in ((8, True), (21, False)):
            instant = at(day, hour, rng.randrange(0, 50))
            last_day = day == DEMO_DAYS - 1
            if instant > now:
                if not last_day or logged_today:
                    continue
                # Early in the morning: today's entry is "just now", so the data ends today.
                instant = max(at(day, 0, 0), now - timedelta(minutes=1))
            elif rng.random() < 0.08 and not last_day:
                continue
            logged_today = logged_today or last_day
            level = _level(day, not morning, session_days)
            entry_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            rows.append(_demo_entry(rng, user, instant, level, morning, entry_id))
    rows.extend(_demo_responses(user, at, session_days))
    db.session.add_all(rows)
    db.session.commit()
    return user


PRACTITIONER_EMAIL = "practitioner@example.com"
PRACTITIONER_PASSWORD = "acupuncture-demo"  # noqa: S105 - the documented demo login
# The practitioner's other patients, each in a state the dashboard shows: (name, e-mail,
# pain at the start, pain now, days since the last entry).
DEMO_PATIENTS = (  # name, e-mail, pain at the start and at the end, quiet days, red flag
    ("Maria Lopez", "maria@example.com", 8, 3, 0, False),  # improving
    ("Tom Becker", "tom@example.com", 4, 7, 0, False),  # worse
    ("Priya Shah", "priya@example.com", 6, 5, 6, False),  # not logging, check-in due
    ("Ken Ito", "ken@example.com", 5, 5, 1, True),  # steady, a red flag this week
)
GENERATED_DAYS = 56
NO_LOGIN = "!"  # not an argon2 hash: no password opens these generated accounts


def _generated_check_ins(rng, user, first_day, last_day, level_on, red_flag, tz):
    """A weekly PEG and red-flag check, the latest on ``last_day``; with ``red_flag`` the
    bladder question answered yes two days before it."""
    rows = []
    day = last_day
    while day >= 0:
        instant = min(datetime.combine(first_day + timedelta(days=day), time(8, 55), tz),
                      utcnow() - timedelta(minutes=2))
        level = round(level_on(day))
        answers = {"pain": level, "enjoyment": max(level - 1, 0), "activity": max(level - 1, 0)}
        flags = dict.fromkeys(("saddle_numbness", "bladder", "bowel", "both_legs", "sexual"), False)
        flags["bladder"] = red_flag and day == last_day - 2
        for instrument, given, at in (
            ("peg", answers, instant),
            ("red_flags", flags, instant + timedelta(minutes=1)),
        ):
            cleaned = {"instrument": instrument, "answers": given}
            rows.append(
                QuestionnaireResponse(
                    id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    user_id=user.id,
                    answered_at=at,
                    local_date=at.astimezone(tz).date(),
                    version=1,
                    created_at=at,
                    updated_at=at,
                    **cleaned,
                    **RESPONSE.derived(cleaned),
                )
            )
        day -= 2 if red_flag and day == last_day else 7
    return rows


def _generated_patient(rng, name, email, start, end, quiet_days, red_flag, tz):
    """A patient with eight weeks of a daily entry sliding from ``start`` to ``end`` pain,
    weekly sessions from the third week, nothing in the last ``quiet_days`` days, and a
    weekly check-in (with ``red_flag``, a red flag answered yes this week)."""
    user = User(email=email, password_hash=NO_LOGIN, display_name=name, timezone=DEMO_TIMEZONE)
    db.session.add(user)
    db.session.flush()
    first_day = local_today(DEMO_TIMEZONE) - timedelta(days=GENERATED_DAYS - 1)

    def level_on(day):
        return start + (end - start) * max(0, day - 14) / (GENERATED_DAYS - 15)

    rows = []
    for day in range(GENERATED_DAYS - quiet_days):
        instant = datetime.combine(first_day + timedelta(days=day), time(8, rng.randrange(50)), tz)
        instant = min(instant, utcnow() - timedelta(minutes=1))
        overall = _clamp(level_on(day) + rng.uniform(-0.8, 0.8))
        rows.append(
            Entry(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                user_id=user.id,
                recorded_at=instant,
                local_date=instant.astimezone(tz).date(),
                overall=overall,
                back=_clamp(overall - 1),
                leg=_clamp(overall + rng.choice((-1, 0, 1))),
                locations=[{"region": "buttock", "side": "right"}],
                pain_types=["shooting"] if overall >= 5 else ["aching"],
                triggers=["sitting"] if rng.random() < 0.5 else [],
                relievers=[],
                medications="",
                version=1,
                created_at=instant,
                updated_at=instant,
            )
        )
    for week in range(2, GENERATED_DAYS // 7):
        started = datetime.combine(first_day + timedelta(days=7 * week), time(11, 0), tz)
        rows.append(
            AcupunctureSession(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                user_id=user.id,
                started_at=started,
                local_date=started.date(),
                practitioner="Dr Sam Lee",
                techniques=["manual"],
                points="BL23, GB30",
                version=1,
                created_at=started,
                updated_at=started,
                recorded_by="Dr Sam Lee, Northside Acupuncture",
            )
        )
    last_day = GENERATED_DAYS - 1 - 2 * quiet_days  # the quiet stopped checking in first
    rows.extend(_generated_check_ins(rng, user, first_day, last_day, level_on, red_flag, tz))
    db.session.add_all(rows)
    return user


def seed_practice_demo(reset=False):
    """The demo practitioner, connected to the demo patient and to four generated patients
    (improving, worse, not logging, steady with a red flag). None when it exists already (and
    no ``reset``)."""
    existing = db.session.scalar(select(User).where(User.email == PRACTITIONER_EMAIL))
    if existing is not None:
        if not reset:
            return None
        accounts.delete_account(existing)
    for _, email, *_ in DEMO_PATIENTS:
        generated = db.session.scalar(select(User).where(User.email == email))
        if generated is not None:
            accounts.delete_account(generated)
    rng = random.Random(20261125)
    practitioner = User(
        email=PRACTITIONER_EMAIL,
        password_hash=accounts.hash_password(PRACTITIONER_PASSWORD),
        display_name="Dr Sam Lee",
        role=PRACTITIONER,
        practice="Northside Acupuncture",
        timezone=DEMO_TIMEZONE,
    )
    db.session.add(practitioner)
    db.session.flush()
    tz = zone(DEMO_TIMEZONE)
    patients = [
        _generated_patient(rng, name, email, start, end, quiet, red_flag, tz)
        for name, email, start, end, quiet, red_flag in DEMO_PATIENTS
    ]
    demo = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if demo is not None:
        patients.insert(0, demo)
    for number, patient in enumerate(patients):
        db.session.add(
            CareConnection(
                id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-connection-{patient.email}")),
                patient_id=patient.id,
                practitioner_id=practitioner.id,
                include_notes=number == 0,
                created_at=utcnow() - timedelta(days=40 - number),
            )
        )
    db.session.commit()
    care_team.code_of(practitioner)
    return practitioner


def backup_sqlite(target):
    """Copy the live SQLite database to ``target`` with SQLite's online backup (consistent)."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException("backup copies SQLite databases; use pg_dump for PostgreSQL")
    target = Path(target)
    if target.exists():
        raise click.ClickException(f"{target} exists already; choose a new file")
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        with destination:
            raw.driver_connection.backup(destination)
        destination.close()
    finally:
        raw.close()
    return target


def register(app):
    """Attach the commands to ``app``."""

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path):
        """Write a consistent copy of the SQLite database to PATH, while the app runs."""
        click.echo(f"Backed up the database to {backup_sqlite(path)}")

    register_reminders(app)

    @app.cli.command("seed-demo")
    @click.option("--reset", is_flag=True, help="Delete and recreate the demo accounts.")
    def seed_demo_command(reset):
        """Create the demo patient (demo@example.com / sciatica-demo) and the demo
        practitioner (practitioner@example.com / acupuncture-demo) if missing."""
        user = seed_demo(reset=reset)
        if user is None:
            click.echo(f"The demo patient already exists: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
        else:
            click.echo(f"Created the demo patient: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
        practitioner = seed_practice_demo(reset=reset or user is not None)
        done = "Created" if practitioner is not None else "The demo practitioner already exists:"
        click.echo(f"{done} the demo practitioner: log in as {PRACTITIONER_EMAIL} / "
                   f"{PRACTITIONER_PASSWORD}")


RUN_EVERY_SECONDS = 30


def parse_instant(value):
    """An ISO 8601 instant with an offset (``2026-03-29T18:00:00Z``), for ``--at``."""
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("must be an ISO 8601 instant, e.g. 2026-03-29T18:00:00Z") from None
    if at.tzinfo is None:
        raise click.BadParameter("needs an offset or Z, e.g. 2026-03-29T18:00:00Z")
    return at.astimezone(UTC)


def _summary(counts):
    return ", ".join(f"{counts[name]} {name}" for name in counts)


def register_reminders(app):
    """``flask reminders send [--at INSTANT]`` and ``flask reminders run``."""
    from .services.reminder_sender import send_due

    @app.cli.group("reminders")
    def reminders_group():
        """Send due reminders by Web Push and e-mail (PRODUCT.md section 12)."""

    @reminders_group.command("send")
    @click.option("--at", "at", default=None, help="Send as if it were this instant (ISO 8601).")
    def send_command(at):
        """Send every reminder due in the 15 minutes up to now (or --at), once, then exit."""
        instant = parse_instant(at) if at else None
        click.echo(f"Reminders: {_summary(send_due(instant))}")

    @reminders_group.command("run")
    @click.option("--every", default=RUN_EVERY_SECONDS, show_default=True, help="Seconds.")
    def run_command(every):
        """Send due reminders every 30 seconds until stopped (Ctrl-C or SIGTERM)."""
        stop = threading.Event()
        for name in ("SIGTERM", "SIGINT"):
            signal.signal(getattr(signal, name), lambda *_: stop.set())
        click.echo(f"Sending reminders every {every} s; stop with Ctrl-C.")
        while not stop.is_set():
            try:
                counts = send_due()
                if counts["claimed"]:
                    click.echo(f"{utcnow():%Y-%m-%d %H:%M:%S}Z reminders: {_summary(counts)}")
            except Exception as error:  # a database hiccup must not end the loop
                click.echo(f"reminders: {type(error).__name__}; trying again", err=True)
                db.session.rollback()
            finally:
                db.session.remove()
            stop.wait(every)
