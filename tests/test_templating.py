"""The date filters every page uses (diary/core/templating.py): "Wed 25 Nov 2026", never ISO."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from diary.core.templating import friendly_date, friendly_datetime, friendly_range

LONDON, DENVER = ZoneInfo("Europe/London"), ZoneInfo("America/Denver")


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        (date(2026, 11, 25), None, "Wed 25 Nov 2026"),
        ("2026-09-01", None, "Tue 1 Sep 2026"),
        (datetime(2026, 11, 25, 3, 0, tzinfo=UTC), LONDON, "Wed 25 Nov 2026"),
        # 03:00 UTC is still the evening before in Denver.
        (datetime(2026, 11, 25, 3, 0, tzinfo=UTC), DENVER, "Tue 24 Nov 2026"),
        (None, None, "–"),
        ("", None, "–"),
    ],
)
def test_friendly_date(value, tz, expected):
    """Dates, ISO text and instants (in the patient's zone) read the same way."""
    assert friendly_date(value, tz) == expected


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        (datetime(2026, 10, 1, 9, 0, tzinfo=UTC), LONDON, "Thu 1 Oct 2026, 10:00"),
        (datetime(2026, 10, 1, 9, 0, tzinfo=UTC), DENVER, "Thu 1 Oct 2026, 03:00"),
        (None, LONDON, "–"),
    ],
)
def test_friendly_datetime(value, tz, expected):
    """An instant with its local time."""
    assert friendly_datetime(value, tz) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2026-08-28", "2026-11-25", "Fri 28 Aug – Wed 25 Nov 2026"),
        ("2025-12-30", "2026-01-05", "Tue 30 Dec 2025 – Mon 5 Jan 2026"),
        (date(2026, 11, 25), date(2026, 11, 25), "Wed 25 Nov – Wed 25 Nov 2026"),
    ],
)
def test_friendly_range(first, last, expected):
    """A range names the year once when both ends share it."""
    assert friendly_range(first, last) == expected
