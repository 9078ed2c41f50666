"""Instants, time zones and their text forms, in one place."""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext as _

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(hours=1)  # PRODUCT.md section 5 (1 hour since 2026-11-25)


def utcnow():
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def timezone_names():
    """Every IANA zone name this machine knows, sorted."""
    return sorted(available_timezones())


def is_timezone(name):
    """Whether ``name`` is a known IANA time zone name."""
    if not isinstance(name, str) or not name or name not in set(timezone_names()):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name):
    """The ZoneInfo for ``name``, UTC if it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_instant(text, tz_name):
    """Read an ISO 8601 date-time; without an offset it is read in ``tz_name``.

    Returns an aware UTC datetime, or raises ValueError with a message for the patient.
    """
    if not isinstance(text, str) or "T" not in text.upper() or len(text) < 16:
        raise ValueError(
            _("must be a date and time, e.g. 2026-03-01T08:30 or 2026-03-01T08:30:00Z")
        )
    try:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone(tz_name))
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        # Years 1 and 9999 overflow once shifted to UTC: out of range like any other bad time.
        raise ValueError(_("is not a valid ISO 8601 date and time in range")) from None


def check_instant_bounds(instant, now=None):
    """Raise ValueError when an instant is before 2000 or more than 1 hour ahead."""
    now = now or utcnow()
    if instant < EARLIEST:
        raise ValueError(_("must not be before 2000-01-01"))
    if instant > now + FUTURE_SLACK:
        raise ValueError(_("must not be more than 1 hour in the future (check the date)"))


def local_date(instant, tz_name):
    """The calendar date of ``instant`` in the zone ``tz_name``."""
    return instant.astimezone(zone(tz_name)).date()


def local_today(tz_name, now=None):
    """Today's date in the zone ``tz_name``."""
    return local_date(now or utcnow(), tz_name)


def iso_instant(instant):
    """An aware instant as ISO 8601 in UTC with a ``Z``."""
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_date(text):
    """Read a ``YYYY-MM-DD`` date, raising ValueError."""
    if not isinstance(text, str) or len(text) != 10:
        raise ValueError(_("must be a date as YYYY-MM-DD"))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("must be a date as YYYY-MM-DD")) from None


def local_input_value(instant, tz_name):
    """The ``YYYY-MM-DDTHH:MM`` value of a datetime-local input for ``instant``."""
    return instant.astimezone(zone(tz_name)).strftime("%Y-%m-%dT%H:%M")
