"""Jinja settings, globals and filters every template may use."""

from datetime import date, datetime
from functools import lru_cache

import segno
from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.numbers import format_decimal

from . import i18n
from .cdn import CHART_SCRIPTS, plugin_source, script_url

# English names, whatever the server's locale: strftime's %a and %b follow LC_TIME.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _as_date(value, tz=None):
    """A date from a date, an aware datetime (seen in ``tz`` when given) or ISO text."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz else value).date()
    return value


def _babel_locale():
    """The locale dates and numbers are written in, or None for the house English style."""
    code = i18n.current()
    return None if code in (i18n.DEFAULT, i18n.PSEUDO) else code


def friendly_date(value, tz=None):
    """``Wed 25 Nov 2026`` for a date, a datetime (in ``tz``) or ISO text; ``–`` for none.

    Other locales write the same parts their own way: ``Mi., 25. Nov. 2026``.
    """
    if value is None or value == "":
        return "–"
    day = _as_date(value, tz)
    locale = _babel_locale()
    if locale:
        return format_skeleton("yMMMEd", day, locale=locale)
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def friendly_datetime(value, tz=None):
    """``Wed 25 Nov 2026, 10:00`` for an aware datetime seen in ``tz``."""
    if value is None:
        return "–"
    local = value.astimezone(tz) if tz else value
    return f"{friendly_date(local)}, {local:%H:%M}"


def friendly_range(first, last):
    """``Fri 28 Aug – Wed 25 Nov 2026``: the year once when both ends share it."""
    start, end = _as_date(first), _as_date(last)
    locale = _babel_locale()
    if locale:
        return format_interval(start, end, "yMMMEd", locale=locale)
    text = friendly_date(start)
    if start.year == end.year:
        text = text.rsplit(" ", 1)[0]
    return f"{text} – {friendly_date(end)}"


def when(value, english, skeleton=None):
    """A date or local datetime as ``english`` (a strftime format, the house English style) or,
    in another locale, as the Babel ``skeleton`` (``full``: the long date), with the short time
    after it when ``english`` shows ``%H:%M`` (no skeleton: the time alone)."""
    locale = _babel_locale()
    if not locale:
        return value.strftime(english)
    time = format_time(value, "short", locale=locale) if "%H:%M" in english else ""
    if skeleton is None:
        return time
    if skeleton == "full":
        day = format_date(value, "full", locale=locale)
    else:
        day = format_skeleton(skeleton, value, locale=locale)
    if not time:
        return day
    return Locale.parse(locale).datetime_formats["medium"].replace("{1}", day).replace("{0}", time)


def decimal(value, digits=1):
    """A number with ``digits`` decimals in the locale's way (``6.7``, ``6,7``); ``–`` for none."""
    if value is None:
        return "–"
    return _decimal(value, digits, _babel_locale() or "en")


def number(value):
    """A score as people write it: at most 2 decimals, no trailing zeros, in the locale's way
    (``6.67``, ``6,67``, ``3``)."""
    return format_decimal(round(value, 2), format="#,##0.##", locale=_babel_locale() or "en")


@lru_cache(maxsize=4096)
def _decimal(value, digits, locale):
    """Babel's formatting, kept: a page of 500 patients writes the same few hundred scores."""
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=locale)


def qr_svg(text, title):
    """``text`` (a URL) as an inline SVG QR code, made here (no outside service)."""
    return segno.make(text, error="m").svg_inline(
        scale=5, border=2, svgclass="qr-code", omitsize=True, title=title
    )


def register(app):
    """Trim block whitespace, expose the pinned chart scripts, add the date filters."""
    # Block tags leave no blank lines behind: the log page must stay light (PRODUCT.md section 9).
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(chart_scripts=CHART_SCRIPTS, script_url=script_url)
    app.jinja_env.filters.update(
        plugin_source=plugin_source,
        day=friendly_date,
        day_time=friendly_datetime,
        day_range=friendly_range,
        decimal=decimal,
        number=number,
        when=when,
    )
