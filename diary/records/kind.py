"""What a kind of record is: its model, time field and fields, and everything derived from them.

A ``RecordKind`` cleans an API body, serialises a stored row, maps the plain HTML form onto the
API shape and back, and describes itself to the service worker and the OpenAPI document. The
service, the API, the form pages and the backup take a kind and never ask which one it is.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..core.timeutil import iso_instant, local_input_value
from ..validation import (
    FieldErrors,
    ValidationError,
    form_integer,
    instant_value,
    key_list,
    location_list,
    not_an_object,
    pain_value,
    record_id,
    text_value,
)

SCORE, TEXT, KEYS, LOCATIONS = "score", "text", "keys", "locations"
# Fields whose rules live outside this module: a ``check`` cleans them (see ``Field.check``).
NAME, ANSWERS = "name", "answers"


@dataclass(frozen=True)
class Field:
    """One editable field: its model attribute (also its form field), type and rules.

    ``group`` nests it in the API shape (``pain.overall``); ``carry`` copies it into a new
    form from the last record ("same as last"); ``category`` and ``noun`` name the vocabulary
    a ``keys`` field draws from. ``check`` cleans a field whose rules depend on the fields
    before it (a questionnaire's answers on its instrument): ``check(value, cleaned)`` returns
    the value or raises ValueError (for this field) or ValidationError (naming paths under it,
    ``answers.pain``). ``schema`` is its JSON Schema for the API document.
    """

    name: str
    type: str
    label: str = ""  # how pages and the offline outbox name it to the patient
    group: str | None = None
    required: bool = False
    limit: int | None = None
    category: str | None = None
    noun: str = ""
    carry: bool = False
    description: str = ""
    check: Callable | None = None
    schema: dict | None = None

    @property
    def path(self):
        """Where the field sits in the API shape, as used in error ``fields``: ``pain.overall``."""
        return f"{self.group}.{self.name}" if self.group else self.name

    def clean(self, value, vocabulary, cleaned=None):
        """The field's value checked and normalised; ValueError names what is wrong.

        ``cleaned`` holds the fields cleaned before this one (None where they were refused).
        """
        if self.check is not None:
            return self.check(value, cleaned or {})
        if self.type == SCORE:
            return pain_value(value, self.required)
        if self.type == TEXT:
            return text_value(value, self.limit)
        if self.type == KEYS:
            return key_list(value, vocabulary[self.category], self.noun)
        return location_list(value)

    def dump(self, value):
        """The stored value in its API shape (fresh lists, never the row's own)."""
        if self.type == LOCATIONS:
            return [dict(item) for item in value]
        if self.type == KEYS:
            return list(value)
        if self.type == ANSWERS:
            return dict(value)
        return value

    def from_form(self, form):
        """The form's text as the API's JSON value (digit strings become integers)."""
        if self.type == SCORE:
            return _number(form.get(self.name))
        if self.type == TEXT:
            return form.get(self.name, "")
        if self.type == KEYS:
            return form.getlist(self.name)
        if self.type == NAME:
            return form.get(self.name)
        if self.type == ANSWERS:
            # ``answers.pain=7``, ``answers.q1=true``: one form field per answer.
            prefix = f"{self.name}."
            return {
                key[len(prefix) :]: _answer(value)
                for key, value in form.items()
                if key.startswith(prefix)
            }
        return [_location(value) for value in form.getlist(self.name)]

    def empty(self):
        """The value of this field on a blank form."""
        return {SCORE: None, TEXT: "", KEYS: [], LOCATIONS: set(), NAME: "", ANSWERS: {}}[
            self.type
        ]

    def form_value(self, value):
        """A stored value as the form shows it (locations as the ``region:side`` boxes ticked)."""
        return checked_locations(value) if self.type == LOCATIONS else self.dump(value)

    def comparable(self, value):
        """A value in a form where equal content compares equal (lists ignore order)."""
        if self.type == KEYS:
            return sorted(value)
        if self.type == LOCATIONS:
            return sorted((item["region"], item["side"]) for item in value)
        return value


@dataclass(frozen=True, eq=False)  # each kind is one object: compared and hashed by identity
class RecordKind:
    """A kind of record the patient writes: entries, sessions, and any kind added later.

    ``numbered`` records carry ``number``, their 1-based place among the patient's records of
    the kind by time. ``form_page`` is the HTML page whose form logs one (kept for offline use;
    None while a kind has no such page).

    Kinds whose stored values follow from their fields (a questionnaire's score) say so with
    ``derive(cleaned, kept)``: the model attributes computed from the cleaned fields, written on
    every create and change (``kept`` is a restored record's API shape, for values it may
    keep); ``outputs`` names those shown in the API shape with how to show each (``(name,
    dump, schema)``). ``fixed`` fields are set on create and never change (a PUT may leave
    them out); ``filters`` are the list's query parameters, each a field that must equal it.
    """

    name: str
    plural: str
    noun: str
    title: str  # "a pain entry": how the API document names one
    model: type
    time_field: str
    fields: tuple
    form_page: str | None
    numbered: bool = False
    groups: dict = field(default_factory=dict)  # group name -> its description
    derive: Callable | None = None
    outputs: tuple = ()
    fixed: tuple = ()
    filters: tuple = ()
    schema_name: str = ""  # its name in the API document, when not the capitalised ``name``
    client_extra: Callable | None = None  # more the offline outbox needs (see ``client_form``)
    # The kind's own sentences (lazy messages; see ``say``): "this" names its id in the outbox,
    # "missing" (404), "changed" (412) and "full" (``%(most)d``, the quota) answer the API.
    messages: dict = field(default_factory=dict)
    group_labels: dict = field(default_factory=dict)  # group name -> how the outbox names it

    @property
    def api_name(self):
        """The kind's schema name in the API document: ``Entry``, ``QuestionnaireResponse``."""
        return self.schema_name or self.name.capitalize()
    # Text the server writes and the API shows but no PUT changes: name -> (limit, description).
    readonly: dict = field(default_factory=dict)

    def say(self, name, **values):
        """One of the kind's ``messages`` in the locale in use, with ``values`` filled in."""
        text = str(self.messages[name])
        return text % values if values else text

    @property
    def field_names(self):
        """The editable fields' names, in order."""
        return tuple(item.name for item in self.fields)

    def clean(self, data, *, tz_name, vocabulary, now=None, record=None):
        """Check an API-shaped body; the normalised fields (``id`` and the time may be None).

        ``record`` is the stored record a PUT replaces: its ``fixed`` fields fill in absent ones,
        and a different value is refused.
        """
        if not isinstance(data, dict):
            raise not_an_object()
        if record is not None and self.fixed:
            data = dict(data)
            for name in self.fixed:
                if data.get(name) is None:
                    data[name] = getattr(record, name)
        errors = FieldErrors()
        groups = {}
        for group in self.groups:
            value = data.get(group)
            if value is None:
                value = {}
            if not isinstance(value, dict):
                names = [item.name for item in self.fields if item.group == group]
                errors.fields[group] = _(
                    "must be an object with %(names)s and %(last)s",
                    names=", ".join(names[:-1]),
                    last=names[-1],
                )
                value = {}
            groups[group] = value
        cleaned = {
            "id": errors.run("id", record_id, data.get("id")),
            self.time_field: errors.run(
                self.time_field, instant_value, data.get(self.time_field), tz_name, now
            ),
        }
        for item in self.fields:
            source = groups[item.group] if item.group else data
            value = source.get(item.name)
            try:
                cleaned[item.name] = errors.run(item.path, item.clean, value, vocabulary, cleaned)
            except ValidationError as error:  # a ``check`` naming paths under the field
                cleaned[item.name] = None
                for path, message in error.fields.items():
                    errors.fields.setdefault(path, message)
        if record is not None:
            for name in self.fixed:
                if cleaned[name] is not None and cleaned[name] != getattr(record, name):
                    stored = repr(getattr(record, name))
                    message = _("cannot be changed (it is %(value)s)", value=stored)
                    errors.fields.setdefault(name, message)
        errors.raise_if_any()
        return cleaned

    def derived(self, cleaned, kept=None):
        """The stored values that follow from ``cleaned`` fields (none for most kinds)."""
        return self.derive(cleaned, kept) if self.derive is not None else {}

    def to_dict(self, record, number=None):
        """A stored record in its API shape (``number`` for numbered kinds)."""
        shape = {
            "id": record.id,
            self.time_field: iso_instant(getattr(record, self.time_field)),
            "local_date": record.local_date.isoformat(),
        }
        if self.numbered:
            shape["number"] = number
        for item in self.fields:
            value = item.dump(getattr(record, item.name))
            if item.group:
                shape.setdefault(item.group, {})[item.name] = value
            else:
                shape[item.name] = value
        for name, dump, _schema in self.outputs:
            shape[name] = dump(getattr(record, name))
        for name in self.readonly:
            shape[name] = getattr(record, name)
        shape["version"] = record.version
        shape["created_at"] = iso_instant(record.created_at)
        shape["updated_at"] = iso_instant(record.updated_at)
        return shape

    def same_content(self, record, cleaned):
        """Whether a stored record holds what ``cleaned`` says (an absent time matches any)."""
        instant = cleaned.get(self.time_field)
        if instant is not None and instant != getattr(record, self.time_field):
            return False
        return all(
            item.comparable(getattr(record, item.name)) == item.comparable(cleaned[item.name])
            for item in self.fields
        )

    def form_data(self, form):
        """The plain HTML form in the API shape (the shape changes; nothing is decided here)."""
        data = {"id": form.get("id") or None, self.time_field: form.get(self.time_field) or None}
        for item in self.fields:
            value = item.from_form(form)
            if item.group:
                data.setdefault(item.group, {})[item.name] = value
            else:
                data[item.name] = value
        return data

    def form_values(self, record=None, tz_name="UTC", carry_from=None):
        """Values for the form: an edit of ``record``, or a blank form with the ``carry``
        fields taken from ``carry_from`` (the last record) when given."""
        if record is not None:
            return {
                "id": record.id,
                self.time_field: local_input_value(getattr(record, self.time_field), tz_name),
                **{item.name: item.form_value(getattr(record, item.name)) for item in self.fields},
                "version": record.version,
            }
        values = {
            "id": str(uuid.uuid4()),
            self.time_field: "",
            **{item.name: item.empty() for item in self.fields},
            "version": None,
        }
        if carry_from is not None:
            for item in self.fields:
                if item.carry:
                    values[item.name] = item.form_value(getattr(carry_from, item.name))
        return values

    def submitted_values(self, form):
        """What the patient typed, to show again next to the errors."""
        values = {item.name: item.from_form(form) for item in self.fields}
        for item in self.fields:
            if item.type == LOCATIONS:
                values[item.name] = set(form.getlist(item.name))
        values["id"] = form.get("id") or str(uuid.uuid4())
        values[self.time_field] = form.get(self.time_field, "")
        values["version"] = form.get("version")
        return values

    def client_form(self, api_url):
        """How the offline outbox turns this kind's form into an API body (for the worker);
        ``client_extra()`` adds what a kind's own form needs (a questionnaire's items)."""
        return {
            **(self.client_extra() if self.client_extra is not None else {}),
            "kind": self.name,
            "endpoint": api_url,
            "time_field": self.time_field,
            "fields": [
                {
                    "name": item.name,
                    "type": item.type,
                    "group": item.group,
                    "category": item.category,
                }
                for item in self.fields
            ],
            # Error messages name fields by path (pain.overall): the outbox shows these words,
            # in the locale of the request.
            "labels": {
                "id": self.say("this"),
                self.time_field: _("When"),
                **{item.path: str(item.label) for item in self.fields},
                **{group: str(self.group_labels.get(group, group)) for group in self.groups},
            },
        }


def _number(value):
    """``"7"`` -> 7, ``""`` -> None; anything else is passed on for the validator to refuse."""
    return form_integer(value)


def _answer(value):
    """A form's answer as JSON: ``"true"``/``"false"`` booleans, digits integers."""
    if value in ("true", "false"):
        return value == "true"
    return form_integer(value)


def _location(value):
    region, _, side = value.partition(":")
    return {"region": region, "side": side}


def checked_locations(locations):
    """The ``region:side`` checkbox values to tick for stored locations (``both`` ticks two)."""
    values = set()
    for item in locations or []:
        sides = ("left", "right") if item.get("side") == "both" else (item.get("side"),)
        values.update(f"{item.get('region')}:{side}" for side in sides)
    return values
