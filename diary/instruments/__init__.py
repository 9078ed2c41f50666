"""Outcome questionnaires as data (PRODUCT.md section 11): one JSON file per instrument.

The files beside this module are the shipped instruments; an operator may add licensed ones as
``*.json`` in the instance folder's ``instruments/``. Every file is checked when the app starts
(``load_instruments``): a file that breaks a rule stops the app with a message naming the file
and the problem. One ``Instrument`` class then validates answers, scores them, tells urgent
answers and meaningful change, whatever the instrument.

A file holds: ``key`` (its file name), ``title``, ``version``, ``recall``, ``order`` (where it
is listed and asked), ``minutes`` (the time it takes), ``instructions``, ``items`` (``key``,
``text``, ``type`` integer | boolean | choice, ``min``/``max`` for integers, ``options`` of
``{value, label}``), ``scoring`` (``{"method": "mean" | "sum" | "count_true" | "item"}``),
``meaningful_change`` (``{"better", "points"?, "percent"?}`` or ``{"responder": [values]}`` or
null), ``due`` (``{"rule": "every", "days"}``, ``{"rule": "with", "instrument"}``,
``{"rule": "after_sessions", "sessions"}`` or null: on demand only), ``urgent`` (``{"when":
"any_true", "message"}`` or absent), ``citation`` and ``licence``.

Optional ``translations``: per shipped locale code (``de``, ``zh_Hant``), a published translation
of the instrument (PRODUCT.md section 15): ``source`` (where it is published), ``title``,
``recall``, ``instructions`` (when the instrument has them), ``items`` (per item key: ``text`` and,
for items with options, ``options`` mapping each value as text, ``"0"``, ``"true"``, to its
label) and ``urgent`` (the urgent message, when there is one). ``instruments()`` gives the
instruments in the request's locale: translated where a translation exists, else in English
(``lang`` says which; ``shown_lang`` is ``"en"`` when a page must mark the wording as English).
"""

import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from math import fsum
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _

from ..validation import ValidationError

SHIPPED_FOLDER = Path(__file__).resolve().parent
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
TYPES = ("integer", "boolean", "choice")
SCORING = ("mean", "sum", "count_true", "item")
DUE_RULES = ("every", "with", "after_sessions")
# Guards the meaningful-change boundaries against binary floating-point noise (as section 7).
EPSILON = 1e-9
MAX_ITEMS = 200
MAX_TEXT = 2000
MAX_EXTRA_NAMED = 10  # unknown answers named in one refusal (a body could send thousands)
# A yes/no item without options of its own: the app's Yes and No (translated, not instrument text).
BOOLEAN_OPTIONS = (
    {"value": True, "label": "Yes", "own": True},
    {"value": False, "label": "No", "own": True},
)
FIELDS = {
    "key",
    "title",
    "version",
    "recall",
    "order",
    "minutes",
    "instructions",
    "items",
    "scoring",
    "meaningful_change",
    "due",
    "urgent",
    "citation",
    "licence",
    "translations",
}
REQUIRED = FIELDS - {"instructions", "meaningful_change", "due", "urgent", "translations"}


class InstrumentFileError(RuntimeError):
    """An instrument file that cannot be used; the message names the file and the problem."""

    def __init__(self, path, problem):
        super().__init__(f"instrument file {path}: {problem}")
        self.path = str(path)
        self.problem = problem


@dataclass(frozen=True)
class Option:
    """One answer an item offers (for an integer item: a labelled anchor of its scale)."""

    value: object
    label: str
    own: bool = False  # the app's own word (the default Yes and No), translated as the pages are


@dataclass(frozen=True)
class Item:
    """One question of an instrument."""

    key: str
    text: str
    type: str
    min: int | None
    max: int | None
    options: tuple

    def problem(self, missing):
        """What is wrong with an answer, in words a patient reads (``missing``: none given)."""
        if self.type == "integer":
            if missing:
                return _(
                    "is required: a whole number from %(min)d to %(max)d",
                    min=self.min,
                    max=self.max,
                )
            return _("must be a whole number from %(min)d to %(max)d", min=self.min, max=self.max)
        if self.type == "boolean":
            if missing:
                return _("is required: true (yes) or false (no)")
            return _("must be true (yes) or false (no)")
        values = ", ".join(str(option.value) for option in self.options)
        if missing:
            return _("is required: one of %(values)s", values=values)
        return _("must be one of %(values)s", values=values)

    def check(self, value):
        """The answer if it has this item's type (section 5's integers: no 5.0, "5" or true)."""
        if value is None:
            raise ValueError(self.problem(missing=True))
        if self.type == "boolean":
            if type(value) is not bool:
                raise ValueError(self.problem(missing=False))
            return value
        if type(value) is not int:  # bool is a subclass of int: refused here too
            raise ValueError(self.problem(missing=False))
        if self.type == "integer" and not self.min <= value <= self.max:
            raise ValueError(self.problem(missing=False))
        if self.type == "choice" and value not in {option.value for option in self.options}:
            raise ValueError(self.problem(missing=False))
        return value

    def to_dict(self):
        """The item as ``GET /api/v1/instruments`` lists it."""
        return {
            "key": self.key,
            "text": self.text,
            "type": self.type,
            "min": self.min,
            "max": self.max,
            "options": [{"value": option.value, "label": option.label} for option in self.options],
        }


@dataclass(frozen=True)
class Instrument:
    """One questionnaire: its items and its rules, read from its file."""

    key: str
    title: str
    version: str
    recall: str
    order: int
    minutes: int
    instructions: str
    items: tuple
    scoring: dict
    meaningful_change: dict | None
    due: dict | None
    urgent: dict | None
    citation: str
    licence: str
    path: str
    translations: dict = field(default_factory=dict, compare=False, repr=False)
    lang: str = "en"  # the language of the wording shown: "en", or the translation's locale
    source: str = ""  # where the translation shown is published ("" in English)

    @property
    def shown_lang(self):
        """``"en"`` when the wording is English on a page in another language (the page marks it
        ``lang="en"`` and says no translation is available), else None."""
        from ..core.i18n import DEFAULT, current

        return "en" if self.lang == DEFAULT and current() != DEFAULT else None

    def localized(self, code):
        """The instrument as a page in locale ``code`` shows it: its published translation for
        that locale, else the English wording; the default Yes/No in the page's language."""
        translation = self.translations.get(code)
        shown = self
        if translation is not None:
            items = []
            for item in self.items:
                texts = translation["items"][item.key]
                labels = texts.get("options", {})
                options = tuple(
                    replace(option, label=labels.get(_value_key(option.value), option.label))
                    for option in item.options
                )
                items.append(replace(item, text=texts["text"], options=options))
            urgent = self.urgent and {**self.urgent, "message": translation["urgent"]}
            shown = replace(
                self,
                title=translation["title"],
                recall=translation["recall"],
                instructions=translation.get("instructions", ""),
                items=tuple(items),
                urgent=urgent or self.urgent,
                lang=code,
                source=translation["source"],
            )
        if any(option.own for item in shown.items for option in item.options):
            from flask_babel import gettext

            own = {True: gettext("Yes"), False: gettext("No")}
            shown = replace(
                shown,
                items=tuple(
                    replace(
                        item,
                        options=tuple(
                            replace(option, label=own[option.value]) if option.own else option
                            for option in item.options
                        ),
                    )
                    for item in shown.items
                ),
            )
        return shown

    @property
    def item_keys(self):
        """The items' keys, in order."""
        return tuple(item.key for item in self.items)

    def clean_answers(self, answers, path="answers"):
        """Every item answered once with a value of its type; ValidationError names each bad
        answer by its path (``answers.pain``), or ``answers`` when it is not an object."""
        if not isinstance(answers, dict):
            keys = ", ".join(self.item_keys)
            message = _("must be an object with one answer per question: %(keys)s", keys=keys)
            raise ValidationError({path: message})
        fields, cleaned = {}, {}
        for item in self.items:
            try:
                cleaned[item.key] = item.check(answers.get(item.key))
            except ValueError as error:
                fields[f"{path}.{item.key}"] = str(error)
        extra = [key for key in answers if key not in self.item_keys]
        for key in extra[:MAX_EXTRA_NAMED]:
            fields[f"{path}.{str(key)[:64]}"] = _("is not a question of %(key)s", key=self.key)
        if fields:
            raise ValidationError(fields)
        return cleaned

    def score(self, answers):
        """The score of cleaned ``answers``, unrounded (an int where it is a count or a sum)."""
        method = self.scoring["method"]
        values = [answers[key] for key in self.item_keys]
        if method == "mean":
            return fsum(values) / len(values)
        if method == "sum":
            return sum(values)
        if method == "count_true":
            return sum(1 for value in values if value is True)
        return answers[self.scoring["item"]]

    def is_urgent(self, answers):
        """Whether cleaned ``answers`` must be acted on at once (a red flag answered yes)."""
        return bool(self.urgent) and any(value is True for value in answers.values())

    @property
    def is_responder_rule(self):
        """Whether meaningful change is judged on the latest answer alone (the PGIC)."""
        return bool(self.meaningful_change) and "responder" in self.meaningful_change

    def meaningful(self, baseline, latest):
        """Whether ``latest`` is a meaningful improvement on ``baseline`` (unrounded scores).

        For a responder rule ``baseline`` is ignored. Otherwise a baseline of 0 is never
        improved on meaningfully (section 11).
        """
        rule = self.meaningful_change
        if not rule:
            return False
        if "responder" in rule:
            return latest in rule["responder"]
        if baseline == 0:
            return False
        better = baseline - latest if rule.get("better", "lower") == "lower" else latest - baseline
        if "points" in rule and better >= rule["points"] - EPSILON:
            return True
        return "percent" in rule and better * 100 / abs(baseline) >= rule["percent"] - EPSILON

    def threshold(self, baseline):
        """The score at which a change from ``baseline`` becomes meaningful (the dashed line of
        the charts), or None for a responder rule, no rule or a baseline of 0."""
        rule = self.meaningful_change
        if not rule or "responder" in rule or baseline == 0:
            return None
        steps = [rule["points"]] if "points" in rule else []
        if "percent" in rule:
            steps.append(abs(baseline) * rule["percent"] / 100)
        step = min(steps)
        return baseline - step if rule.get("better", "lower") == "lower" else baseline + step

    def to_dict(self):
        """The instrument as ``GET /api/v1/instruments`` lists it."""
        return {
            "key": self.key,
            "title": self.title,
            "version": self.version,
            "recall": self.recall,
            "instructions": self.instructions,
            "minutes": self.minutes,
            "citation": self.citation,
            "items": [item.to_dict() for item in self.items],
        }


# --- reading and checking a file ------------------------------------------------------------


class _Problem(Exception):
    """What is wrong, and where in the file (``items[2].max``)."""

    def __init__(self, where, message):
        super().__init__(f"{where}: {message}" if where else message)


def _text(data, where, name, required=True, limit=MAX_TEXT):
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _Problem(f"{where}{name}", "must be non-empty text")
    if len(value) > limit:
        raise _Problem(f"{where}{name}", f"must be at most {limit} characters")
    return value.strip()


def _whole(data, where, name, low, high=None):
    value = data.get(name)
    if type(value) is not int or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise _Problem(f"{where}{name}", f"must be a whole number {bound}")
    return value


def _options(raw, where, item_type, low, high):
    if raw is None:
        if item_type == "choice":
            raise _Problem(f"{where}options", "a choice needs at least 2 options")
        if item_type == "boolean":
            return tuple(Option(**option) for option in BOOLEAN_OPTIONS)
        return ()
    if not isinstance(raw, list):
        raise _Problem(f"{where}options", "must be a list of {value, label}")
    options, seen = [], set()
    for index, option in enumerate(raw):
        place = f"{where}options[{index}]."
        if not isinstance(option, dict) or set(option) != {"value", "label"}:
            raise _Problem(place.rstrip("."), "must be an object with exactly value and label")
        value = option["value"]
        if item_type == "boolean" and type(value) is not bool:
            raise _Problem(f"{place}value", "must be true or false")
        if item_type != "boolean" and type(value) is not int:
            raise _Problem(f"{place}value", "must be a whole number")
        if item_type == "integer" and not low <= value <= high:
            raise _Problem(f"{place}value", f"must be from min ({low}) to max ({high})")
        if (type(value), value) in seen:
            raise _Problem(f"{place}value", "appears twice")
        seen.add((type(value), value))
        options.append(Option(value, _text(option, place, "label", limit=200)))
    if item_type == "choice" and len(options) < 2:
        raise _Problem(f"{where}options", "a choice needs at least 2 options")
    if item_type == "boolean" and len(options) != 2:
        raise _Problem(f"{where}options", "a boolean item labels exactly true and false")
    return tuple(options)


def _item(raw, index):
    where = f"items[{index}]."
    if not isinstance(raw, dict):
        raise _Problem(where.rstrip("."), "must be an object")
    unknown = set(raw) - {"key", "text", "type", "min", "max", "options"}
    if unknown:
        raise _Problem(where.rstrip("."), f"unknown field {sorted(unknown)[0]!r}")
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise _Problem(f"{where}key", "must be 1-64 lower-case letters, digits or _, from a letter")
    item_type = raw.get("type")
    if item_type not in TYPES:
        raise _Problem(f"{where}type", "must be one of " + ", ".join(TYPES))
    low = high = None
    if item_type == "integer":
        low = _whole(raw, where, "min", -1_000_000, 1_000_000)
        high = _whole(raw, where, "max", -1_000_000, 1_000_000)
        if low >= high:
            raise _Problem(f"{where}max", "must be greater than min")
    elif raw.get("min") is not None or raw.get("max") is not None:
        raise _Problem(f"{where}min", f"only integer items have min and max (this is {item_type})")
    options = _options(raw.get("options"), where, item_type, low, high)
    return Item(key, _text(raw, where, "text"), item_type, low, high, options)


def _scoring(raw, items):
    if not isinstance(raw, dict) or raw.get("method") not in SCORING:
        raise _Problem("scoring", 'must be {"method": ' + " | ".join(SCORING) + "}")
    method = raw["method"]
    unknown = set(raw) - {"method", "item"}
    if unknown or ("item" in raw) != (method == "item"):
        raise _Problem("scoring", "only the method item names an item (and it must)")
    types = {item.type for item in items}
    if method in ("mean", "sum") and types - {"integer", "choice"}:
        raise _Problem("scoring.method", f"{method} needs every item to be integer or choice")
    if method == "count_true" and types != {"boolean"}:
        raise _Problem("scoring.method", "count_true needs every item to be boolean")
    if method == "item":
        named = next((item for item in items if item.key == raw["item"]), None)
        if named is None or named.type == "boolean":
            raise _Problem("scoring.item", "must name an integer or choice item of this file")
    return dict(raw)


def _number(rule, name):
    value = rule[name]
    if type(value) not in (int, float) or not 0 < value <= 1_000_000:
        raise _Problem(f"meaningful_change.{name}", "must be a positive number")


def _meaningful(raw, items, scoring):
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _Problem("meaningful_change", "must be an object or null")
    if "responder" in raw:
        if set(raw) != {"responder"}:
            raise _Problem("meaningful_change", "a responder rule has nothing else")
        values = raw["responder"]
        if scoring["method"] != "item":
            raise _Problem("meaningful_change.responder", "needs scoring by one item")
        item = next(item for item in items if item.key == scoring["item"])
        allowed = {option.value for option in item.options} if item.type == "choice" else None
        if (
            not isinstance(values, list)
            or not values
            or any(type(value) is not int for value in values)
            or (allowed is not None and not set(values) <= allowed)
        ):
            raise _Problem("meaningful_change.responder", "must list answers of the scored item")
        return {"responder": list(values)}
    unknown = set(raw) - {"better", "points", "percent"}
    if unknown:
        raise _Problem("meaningful_change", f"unknown field {sorted(unknown)[0]!r}")
    if raw.get("better", "lower") not in ("lower", "higher"):
        raise _Problem("meaningful_change.better", "must be lower or higher")
    if "points" not in raw and "percent" not in raw:
        raise _Problem("meaningful_change", "needs points, percent or both (or responder)")
    for name in ("points", "percent"):
        if name in raw:
            _number(raw, name)
    return {"better": "lower", **raw}


def _due(raw):
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("rule") not in DUE_RULES:
        raise _Problem("due", 'must be null or {"rule": ' + " | ".join(DUE_RULES) + ", ...}")
    rule = raw["rule"]
    needs = {"every": "days", "with": "instrument", "after_sessions": "sessions"}[rule]
    if set(raw) != {"rule", needs}:
        raise _Problem("due", f"the rule {rule} takes exactly {needs}")
    if rule == "with":
        if not isinstance(raw["instrument"], str) or not KEY_PATTERN.fullmatch(raw["instrument"]):
            raise _Problem("due.instrument", "must be an instrument's key")
    else:
        _whole(raw, "due.", needs, 1, 3660)
    return dict(raw)


def _urgent(raw, items):
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"when", "message"} or raw["when"] != "any_true":
        raise _Problem("urgent", 'must be {"when": "any_true", "message": "..."} or absent')
    if any(item.type != "boolean" for item in items):
        raise _Problem("urgent", "any_true needs every item to be boolean")
    return {"when": "any_true", "message": _text(raw, "urgent.", "message")}


def _value_key(value):
    """An option's value as a translation names it: ``"0"``, ``"true"``."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _translation(raw, where, base):
    """One locale's published translation, checked against the English ``base``."""
    if not isinstance(raw, dict):
        raise _Problem(where.rstrip("."), "must be an object")
    allowed = {"source", "title", "recall", "instructions", "items", "urgent"}
    unknown = set(raw) - allowed
    if unknown:
        raise _Problem(where.rstrip("."), f"unknown field {sorted(unknown)[0]!r}")
    found = {
        "source": _text(raw, where, "source"),
        "title": _text(raw, where, "title", limit=200),
        "recall": _text(raw, where, "recall", limit=200),
    }
    if base.instructions:
        found["instructions"] = _text(raw, where, "instructions")
    elif "instructions" in raw:
        raise _Problem(f"{where}instructions", "the instrument has no instructions to translate")
    if base.urgent:
        found["urgent"] = _text(raw, where, "urgent")
    elif "urgent" in raw:
        raise _Problem(f"{where}urgent", "the instrument has no urgent message to translate")
    items = raw.get("items")
    if not isinstance(items, dict):
        raise _Problem(f"{where}items", "must be an object with every item's key")
    keys = {item.key for item in base.items}
    for key in items:
        if key not in keys:
            raise _Problem(f"{where}items", f"no item {str(key)[:64]!r} in this instrument")
    found["items"] = {}
    for item in base.items:
        place = f"{where}items.{item.key}."
        texts = items.get(item.key)
        if not isinstance(texts, dict) or set(texts) - {"text", "options"}:
            raise _Problem(place.rstrip("."), "must be an object with text (and options)")
        labels = texts.get("options", {})
        if not isinstance(labels, dict):
            raise _Problem(f"{place}options", "must map each option's value to its label")
        values = {_value_key(option.value): option for option in item.options}
        for value in labels:
            if value not in values:
                raise _Problem(f"{place}options", f"no option {str(value)[:16]!r} in this item")
        checked = {}
        for value, option in values.items():
            if value in labels:
                checked[value] = _text(labels, f"{place}options.", value, limit=200)
            elif not option.own:
                raise _Problem(f"{place}options.{value}", "must be non-empty text")
        found["items"][item.key] = {"text": _text(texts, place, "text"), "options": checked}
    return found


def _translations(raw, base):
    if raw is None:
        return {}
    from ..core.i18n import DEFAULT, LOCALES

    codes = [code for code in LOCALES if code != DEFAULT]
    if not isinstance(raw, dict):
        raise _Problem("translations", "must be an object: locale code -> translation")
    for code in raw:
        if code not in codes:
            raise _Problem("translations", f"{str(code)[:16]!r} is not one of " + ", ".join(codes))
    return {code: _translation(value, f"translations.{code}.", base) for code, value in raw.items()}


def _instrument(data, path):
    if not isinstance(data, dict):
        raise _Problem("", "must hold one JSON object")
    unknown = set(data) - FIELDS
    if unknown:
        raise _Problem("", f"unknown field {sorted(unknown)[0]!r}")
    missing = REQUIRED - set(data)
    if missing:
        raise _Problem("", f"missing field {sorted(missing)[0]!r}")
    key = data["key"]
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise _Problem("key", "must be 1-64 lower-case letters, digits or _, from a letter")
    if key != path.stem:
        raise _Problem("key", f"must be the file's name ({path.stem!r}), not {key!r}")
    raw_items = data["items"]
    if not isinstance(raw_items, list) or not 1 <= len(raw_items) <= MAX_ITEMS:
        raise _Problem("items", f"must be a list of 1 to {MAX_ITEMS} items")
    items = tuple(_item(raw, index) for index, raw in enumerate(raw_items))
    keys = [item.key for item in items]
    for index, item_key in enumerate(keys):
        if item_key in keys[:index]:
            raise _Problem(f"items[{index}].key", f"{item_key!r} appears twice")
    scoring = _scoring(data["scoring"], items)
    instrument = Instrument(
        key=key,
        title=_text(data, "", "title", limit=200),
        version=_text(data, "", "version", limit=32),
        recall=_text(data, "", "recall", limit=200),
        order=_whole(data, "", "order", 0, 1_000_000),
        minutes=_whole(data, "", "minutes", 1, 120),
        instructions=_text(data, "", "instructions", required=False),
        items=items,
        scoring=scoring,
        meaningful_change=_meaningful(data.get("meaningful_change"), items, scoring),
        due=_due(data.get("due")),
        urgent=_urgent(data.get("urgent"), items),
        citation=_text(data, "", "citation"),
        licence=_text(data, "", "licence"),
        path=str(path),
    )
    translations = _translations(data.get("translations"), instrument)
    return replace(instrument, translations=translations) if translations else instrument


def load_file(path):
    """The instrument in ``path``; InstrumentFileError names the file and the problem."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InstrumentFileError(path, f"cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise InstrumentFileError(path, "is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise InstrumentFileError(
            path, f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    try:
        return _instrument(data, path)
    except _Problem as problem:
        raise InstrumentFileError(path, str(problem)) from None


def load_instruments(*folders):
    """Every ``*.json`` of ``folders`` (missing folders are skipped), checked one by one and
    together: keys unique, ``with`` rules naming an instrument that is due by its own rule.

    Returns ``{key: Instrument}`` in the order they are listed and asked: by ``order``, then key.
    """
    found = {}
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            instrument = load_file(path)
            if instrument.key in found:
                raise InstrumentFileError(
                    path, f"key {instrument.key!r} is already used by {found[instrument.key].path}"
                )
            found[instrument.key] = instrument
    for instrument in found.values():
        rule = instrument.due
        if rule and rule["rule"] == "with":
            target = found.get(rule["instrument"])
            if target is None:
                raise InstrumentFileError(
                    instrument.path, f"due.instrument: no instrument {rule['instrument']!r}"
                )
            if target.due is None or target.due["rule"] == "with":
                raise InstrumentFileError(
                    instrument.path,
                    f"due.instrument: {target.key!r} must be due by a rule of its own",
                )
    return dict(sorted(found.items(), key=lambda pair: (pair[1].order, pair[0])))


@lru_cache(maxsize=1)
def shipped():
    """The instruments shipped with the app (no instance folder)."""
    return load_instruments(SHIPPED_FOLDER)


def _loaded():
    if has_app_context():
        loaded = current_app.extensions.get("diary.instruments")
        if loaded is not None:
            return loaded
    return shipped()


def instruments():
    """The instruments of the running app (shipped and the operator's), else the shipped ones,
    in the locale in use (``localized``: a published translation, else English)."""
    loaded = _loaded()
    if not has_app_context():
        return loaded
    from ..core.i18n import DEFAULT, current

    code = current()
    if code == DEFAULT:
        return loaded
    cache = current_app.extensions.setdefault("diary.instruments.shown", {})
    key = (id(loaded), code)
    if key not in cache:
        if len(cache) > 32:  # the app's instruments replaced (tests): forget the old copies
            cache.clear()
        cache[key] = (loaded, {name: one.localized(code) for name, one in loaded.items()})
    return cache[key][1]


def get(key):
    """The instrument with ``key``, or None."""
    return instruments().get(key) if isinstance(key, str) else None
