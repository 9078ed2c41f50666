"""A patient's vocabulary: the built-in keys plus their own items."""

import re
import unicodedata

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Text, cast, func, select
from sqlalchemy.exc import IntegrityError

from ..core import i18n
from ..core.extensions import db
from ..models import AcupunctureSession, CustomTerm, Entry
from ..validation import ValidationError, term_label
from ..vocabulary import BUILT_IN, CUSTOMISABLE

MAX_CUSTOM_PER_CATEGORY = 100


def custom_terms(user_id):
    """The patient's own items, in the order they were added."""
    return db.session.scalars(
        select(CustomTerm).where(CustomTerm.user_id == user_id).order_by(CustomTerm.id)
    ).all()


def vocabulary_for(user_id):
    """Every category as a list of ``{key, label, custom}``: built-in first, then the patient's.

    Built-in labels come in the locale in use (the request's); the patient's own stay as typed.
    """
    result = {
        category: [{"key": key, "label": label, "custom": False} for key, label in labels]
        for category, labels in _built_in_labels().items()
    }
    for term in custom_terms(user_id):
        result[term.category].append({"key": term.key, "label": term.label, "custom": True})
    return result


# The built-in labels of each locale, as text: a catalogue never changes while the app runs,
# and turning ~90 lazy labels into text on every form page took about an eighth of the log
# page's time in a profile.
_LABELS_BY_LOCALE = {}


def _built_in_labels():
    """Every category's ``(key, label)`` pairs in the locale in use."""
    code = i18n.current()
    labels = _LABELS_BY_LOCALE.get(code)
    if labels is None:
        labels = _LABELS_BY_LOCALE[code] = {
            category: [(key, str(label)) for key, label in terms.items()]
            for category, terms in BUILT_IN.items()
        }
    return labels


# Every built-in key of every category: a patient's own key is never one of these (section 4).
BUILT_IN_KEYS = frozenset(key for terms in BUILT_IN.values() for key in terms)
_BUILT_IN_BY_CATEGORY = {category: frozenset(terms) for category, terms in BUILT_IN.items()}


def allowed_keys_for(user_id, data):
    """The keys ``data`` may use: built-in ones, plus the patient's own only when ``data`` names
    a key that is not built in (most writes use built-in keys and need no query)."""
    for category in CUSTOMISABLE:
        values = data.get(category) if isinstance(data, dict) else None
        if isinstance(values, list) and any(
            value not in _BUILT_IN_BY_CATEGORY[category]
            for value in values
            if isinstance(value, str)
        ):
            return allowed_keys(vocabulary_for(user_id))
    return _BUILT_IN_BY_CATEGORY


def allowed_keys(vocabulary):
    """Category -> set of keys, from ``vocabulary_for``'s answer."""
    return {category: {item["key"] for item in items} for category, items in vocabulary.items()}


def labels(vocabulary):
    """Category -> {key: label}, from ``vocabulary_for``'s answer."""
    return {
        category: {item["key"]: item["label"] for item in items}
        for category, items in vocabulary.items()
    }


def slug(label):
    """A snake_case key made from a label (ASCII; "item" when nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:48]
    return key or "item"


def free_key(label, taken):
    """A key for a new own item: the label's slug, else with ``_2``, ``_3``… when in ``taken``."""
    base = slug(label)
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def taken_keys(vocabulary):
    """Keys a new own item may not take, from ``vocabulary_for``'s answer: every built-in key of
    every category and every key the patient has in any (a custom key is unique per patient)."""
    taken = set(BUILT_IN_KEYS)
    taken.update(item["key"] for items in vocabulary.values() for item in items)
    return taken


def add_term(user_id, category, raw_label):
    """Add a patient's own item to ``category``; raises ValidationError, or KeyError if unknown."""
    if category not in CUSTOMISABLE:
        raise KeyError(category)
    try:
        label = term_label(raw_label)
    except ValueError as error:
        raise ValidationError({"label": str(error)}) from None
    vocabulary = vocabulary_for(user_id)
    items = vocabulary[category]
    if any(item["label"].casefold() == label.casefold() for item in items):
        raise ValidationError({"label": _already_listed(label)})
    if sum(item["custom"] for item in items) >= MAX_CUSTOM_PER_CATEGORY:
        message = _("at most %(most)d own items per list", most=MAX_CUSTOM_PER_CATEGORY)
        raise ValidationError({"label": message})
    # Never reuse a built-in key or any of the patient's keys, so exports stay unambiguous.
    key = free_key(label, taken_keys(vocabulary))
    term = CustomTerm(user_id=user_id, category=category, key=key, label=label)
    db.session.add(term)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationError({"label": _("was just added; reload the list")}) from None
    return {"key": term.key, "label": term.label, "custom": True}


def key_for_label(user_id, category, raw_label):
    """The key of the item labelled ``raw_label`` in ``category`` (ignoring case), adding it as
    the patient's own item when there is none: "Other…" typed on a log form."""
    label = " ".join(str(raw_label).split())
    for item in vocabulary_for(user_id)[category]:
        if item["label"].casefold() == label.casefold():
            return item["key"]
    return add_term(user_id, category, label)["key"]


# Where each list's keys are stored: the column that holds them.
USED_IN = {
    "pain_types": Entry.pain_types,
    "triggers": Entry.triggers,
    "relievers": Entry.relievers,
    "techniques": AcupunctureSession.techniques,
}


def _already_listed(label):
    return _("“%(label)s” is already in the list", label=label)


def _still_used(term, used):
    """Why an own item in use cannot be removed: how many records name it."""
    if term.category == "techniques":
        return ngettext(
            "“%(label)s” is used by %(num)d session: rename it instead, or take it off those first",
            "“%(label)s” is used by %(num)d sessions: rename it instead, or take it off those "
            "first",
            used,
            label=term.label,
        )
    return ngettext(
        "“%(label)s” is used by %(num)d entry: rename it instead, or take it off those first",
        "“%(label)s” is used by %(num)d entries: rename it instead, or take it off those first",
        used,
        label=term.label,
    )


def own_term(user_id, term_id):
    """The patient's own item with this id, or None (another patient's is None too)."""
    term = db.session.get(CustomTerm, term_id) if str(term_id).isdecimal() else None
    return term if term is not None and term.user_id == user_id else None


def times_used(term):
    """How many of the patient's records name this item."""
    column = USED_IN[term.category]
    return db.session.scalar(
        select(func.count())
        .select_from(column.class_)
        .where(
            column.class_.user_id == term.user_id,
            # Keys are lower-case snake_case: the quoted key cannot match inside another key.
            cast(column, Text).like(f'%"{term.key}"%'),
        )
    )


def rename_term(term, raw_label):
    """Give an own item a new label; its key stays, so every record shows the new words."""
    try:
        label = term_label(raw_label)
    except ValueError as error:
        # TRANSLATORS: %(problem)s is a field message such as "is required".
        message = _("The new name %(problem)s", problem=str(error))
        raise ValidationError({"label": message}) from None
    clash = any(
        item["label"].casefold() == label.casefold() and item["key"] != term.key
        for item in vocabulary_for(term.user_id)[term.category]
    )
    if clash:
        raise ValidationError({"label": _already_listed(label)})
    term.label = label
    db.session.commit()
    return term


def delete_term(term):
    """Remove an own item no record uses; raises ValidationError saying how often it is used."""
    used = times_used(term)
    if used:
        raise ValidationError({"label": _still_used(term, used)})
    db.session.delete(term)
    db.session.commit()
