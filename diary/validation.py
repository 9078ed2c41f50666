"""One validation layer, shared by the HTML forms and the API: the checks of each field type
(records combine them in ``diary.records``) and the profile.

Checks take JSON-like values (the API body, or a form already mapped onto the same shape) and
return plain, normalised values, or raise ``ValueError``/``ValidationError`` naming each bad
field with a message a patient can act on.
"""

import uuid

from flask import has_app_context
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .core.i18n import LOCALES
from .core.timeutil import check_instant_bounds, is_timezone, parse_instant
from .vocabulary import REGIONS, SIDES

LIMITS = {
    "notes": 2000,
    "medications": 500,
    "points": 500,
    "practitioner": 120,
    "label": 80,
    "display_name": 80,
    "practice": 120,
    "recorded_by": 250,
    "term_label": 60,
}
MAX_LOCATIONS = 30
MAX_KEYS = 30
PASSWORD_MIN, PASSWORD_MAX = 12, 128


class ValidationError(Exception):
    """Input that breaks a data rule; ``fields`` maps each field name to its message."""

    def __init__(self, fields, message=None):
        message = _l("Some fields need attention.") if message is None else message
        super().__init__(message)
        self.fields = fields
        self.message = message


class FieldErrors:
    """Collects one message per field while a whole body is checked.

    Messages are predicates ("is required"): a form shows them after the field's name, the API
    under the field's path. They are translated when raised, in the request's locale.
    """

    def __init__(self):
        self.fields = {}

    def run(self, field, check, *args):
        """Call ``check(*args)``; a ValueError becomes the message for ``field``."""
        try:
            return check(*args)
        except ValueError as error:
            self.fields.setdefault(field, str(error))
            return None

    def raise_if_any(self):
        """Raise ValidationError when anything failed."""
        if self.fields:
            raise ValidationError(self.fields)


# TRANSLATORS: each follows the name of a list: "Triggers" + "has an unknown trigger: 'x'".
UNKNOWN_KEY = {
    "region": _l("has an unknown region: %(key)s"),
    "pain type": _l("has an unknown pain type: %(key)s"),
    "trigger": _l("has an unknown trigger: %(key)s"),
    "reliever": _l("has an unknown reliever: %(key)s"),
    "technique": _l("has an unknown technique: %(key)s"),
}


def _unknown_key(noun, key):
    """The message for a key ``noun``'s list does not hold (the key quoted as typed)."""
    message = UNKNOWN_KEY.get(noun, _l("has an unknown key: %(key)s"))
    return str(message) % {"key": repr(key)}


def number_text(value):
    """A count as the locale writes it ("2,000", "2.000"); with no app, as English."""
    return format_decimal(value) if has_app_context() else f"{value:,}"


def _at_most_items(limit):
    return ngettext("must have at most %(num)d item", "must have at most %(num)d items", limit)


def form_integer(value, digits=5):
    """A form's number: ``" 7 "`` -> 7 (ASCII digits only, at most ``digits``), ``""`` -> None.

    Anything else (``"²"``, ``"⑤"``, ``"٣"``, ``"-1"``, ``"5.0"``) is returned as it came,
    for the field's validator to refuse by name: ``str.isdigit`` accepts digits ``int`` cannot
    read, and ``int`` reads digits of other scripts.
    """
    if value is None:
        return None
    text = str(value).strip()
    if text == "":
        return None
    if len(text) <= digits and text.isascii() and text.isdigit():
        return int(text)
    return value


def pain_value(value, required=False):
    """A 0-10 JSON integer (not a bool, not a string, not 5.0); None allowed unless required."""
    if value is None:
        if required:
            raise ValueError(
                _("is required: a whole number from 0 (no pain) to 10 (worst imaginable)")
            )
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError(_("must be a whole number from 0 to 10"))
    return value


def check_text(value):
    """Refuse text no database can store: NUL characters and lone UTF-16 surrogates."""
    if "\x00" in value:
        raise ValueError(_("must not contain NUL characters"))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_("contains characters that are not valid text")) from None
    return value


def text_value(value, limit):
    """Text up to ``limit`` characters; absent or null is ""; line ends become LF."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(_("must be text"))
    check_text(value)
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(value) > limit:
        raise ValueError(
            # TRANSLATORS: like every field message, said after the field's name ("Note must be
            # at most 2,000 characters (it has 2,001)"); keep it a predicate of that subject.
            ngettext(
                "must be at most %(limit)s character (it has %(count)s)",
                "must be at most %(limit)s characters (it has %(count)s)",
                limit,
                limit=number_text(limit),
                count=number_text(len(value)),
            )
        )
    return value


def key_list(value, allowed, noun):
    """A list of vocabulary keys, each known to this patient, duplicates dropped."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(_("must be a list of keys"))
    if len(value) > MAX_KEYS:
        raise ValueError(_at_most_items(MAX_KEYS))
    keys = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(_("must be a list of keys (text)"))
        if item not in allowed:
            raise ValueError(_unknown_key(noun, item[:40]))
        if item not in keys:
            keys.append(item)
    return keys


def location_list(value):
    """Body locations as ``{region, side}``; left and right of one region become ``both``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(_("must be a list of {region, side} objects"))
    if len(value) > MAX_LOCATIONS:
        raise ValueError(_at_most_items(MAX_LOCATIONS))
    sides_by_region = {}
    for item in value:
        if not isinstance(item, dict):
            raise ValueError(_("must be a list of {region, side} objects"))
        region, side = item.get("region"), item.get("side")
        if not isinstance(region, str) or region not in REGIONS:
            raise ValueError(_unknown_key("region", str(region)[:40]))
        if not isinstance(side, str) or side not in SIDES:
            raise ValueError(_("side must be left, right or both"))
        sides_by_region.setdefault(region, set()).add(side)
    locations = []
    for region, sides in sides_by_region.items():
        if "both" in sides or {"left", "right"} <= sides:
            locations.append({"region": region, "side": "both"})
        else:
            locations.append({"region": region, "side": sides.pop()})
    return locations


def record_id(value):
    """A client-chosen UUID in its canonical lower-case form, or None to let the server choose."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(_("must be a UUID"))
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(_("must be a UUID, e.g. 3f2b8c1e-5d4a-4b6f-9e7d-1a2b3c4d5e6f")) from None


def instant_value(value, tz_name, now=None):
    """An optional instant (ISO 8601; no offset means the profile time zone), within bounds."""
    if value is None or value == "":
        return None
    instant = parse_instant(value, tz_name)
    check_instant_bounds(instant, now)
    return instant


def not_an_object():
    """The ValidationError of a body that is not a JSON object."""
    return ValidationError(
        {"body": _("must be a JSON object")}, _("The body must be a JSON object.")
    )


def _require_object(data):
    if not isinstance(data, dict):
        raise not_an_object()


def timezone_value(value):
    """A known IANA time zone name."""
    if not isinstance(value, str) or not is_timezone(value):
        raise ValueError(_("must be an IANA time zone name, e.g. Europe/London"))
    return value


def clean_profile(data):
    """Check a profile change (``timezone``, ``display_name``, ``locale``); only the given keys
    are returned."""
    _require_object(data)
    errors = FieldErrors()
    cleaned = {}
    if "locale" in data:
        cleaned["locale"] = errors.run("locale", locale_value, data["locale"])
    if "timezone" in data:
        cleaned["timezone"] = errors.run("timezone", timezone_value, data["timezone"])
    if "display_name" in data:
        cleaned["display_name"] = errors.run(
            "display_name", text_value, data["display_name"], LIMITS["display_name"]
        )
    errors.raise_if_any()
    return cleaned


def locale_value(value):
    """A shipped locale code (PRODUCT.md section 15), or None/empty to follow the browser."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in LOCALES:
        raise ValueError(_("must be one of %(codes)s, or null", codes=", ".join(LOCALES)))
    return value


def term_label(value):
    """The label of a patient's own vocabulary item: 1-60 characters of text."""
    label = text_value(value, LIMITS["term_label"])
    if not label:
        # TRANSLATORS: said after the field's name: "Label is required", "The time zone ...".
        raise ValueError(_("is required"))
    return " ".join(label.split())
