"""Map the plain HTML log forms onto the JSON shapes that ``validation`` checks.

The forms work without JavaScript, so every value arrives as text; this module only changes
shape (and turns digit strings into integers), it decides nothing: the rules stay in one place.
"""

import uuid

from .timeutil import local_input_value


def _number(value):
    """``"7"`` -> 7, ``""`` -> None; anything else is passed on for the validator to refuse."""
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 6 else value


def _locations(values):
    locations = []
    for value in values:
        region, _, side = value.partition(":")
        locations.append({"region": region, "side": side})
    return locations


def entry_data(form):
    """The entry form as an API-shaped dict."""
    return {
        "id": form.get("id") or None,
        "recorded_at": form.get("recorded_at") or None,
        "pain": {
            "overall": _number(form.get("overall")),
            "back": _number(form.get("back")),
            "leg": _number(form.get("leg")),
        },
        "locations": _locations(form.getlist("locations")),
        "pain_types": form.getlist("pain_types"),
        "triggers": form.getlist("triggers"),
        "relievers": form.getlist("relievers"),
        "medications": form.get("medications", ""),
        "sleep_quality": _number(form.get("sleep_quality")),
        "interference": _number(form.get("interference")),
        "notes": form.get("notes", ""),
    }


def session_data(form):
    """The acupuncture session form as an API-shaped dict."""
    return {
        "id": form.get("id") or None,
        "started_at": form.get("started_at") or None,
        "practitioner": form.get("practitioner", ""),
        "techniques": form.getlist("techniques"),
        "points": form.get("points", ""),
        "pain_before": _number(form.get("pain_before")),
        "pain_after": _number(form.get("pain_after")),
        "notes": form.get("notes", ""),
    }


def checked_locations(locations):
    """The ``region:side`` checkbox values to tick for stored locations (``both`` ticks two)."""
    values = set()
    for item in locations or []:
        sides = ("left", "right") if item.get("side") == "both" else (item.get("side"),)
        values.update(f"{item.get('region')}:{side}" for side in sides)
    return values


def entry_values(entry=None, tz_name="UTC", copy=False):
    """Form values for a new entry (empty), a copy of ``entry``, or an edit of ``entry``."""
    if entry is None:
        return {
            "id": str(uuid.uuid4()),
            "recorded_at": "",
            "locations": set(),
            "version": None,
            **dict.fromkeys(("overall", "back", "leg", "sleep_quality", "interference")),
            **dict.fromkeys(("pain_types", "triggers", "relievers"), ()),
            "medications": "",
            "notes": "",
        }
    values = {
        "id": str(uuid.uuid4()) if copy else entry.id,
        "recorded_at": "" if copy else local_input_value(entry.recorded_at, tz_name),
        "overall": entry.overall,
        "back": entry.back,
        "leg": entry.leg,
        "locations": checked_locations(entry.locations),
        "pain_types": list(entry.pain_types),
        "triggers": list(entry.triggers),
        "relievers": list(entry.relievers),
        "medications": entry.medications,
        "sleep_quality": entry.sleep_quality,
        "interference": entry.interference,
        "notes": "" if copy else entry.notes,
        "version": None if copy else entry.version,
    }
    return values


def submitted_entry_values(form):
    """What the patient typed, to show again next to the errors."""
    data = entry_data(form)
    return {
        **{key: value for key, value in data.items() if key not in ("pain", "locations")},
        **data["pain"],
        "id": form.get("id") or str(uuid.uuid4()),
        "recorded_at": form.get("recorded_at", ""),
        "locations": set(form.getlist("locations")),
        "version": form.get("version"),
    }


def session_values(session=None, tz_name="UTC", last=None):
    """Form values for a new session (practitioner, techniques and points carried from ``last``)."""
    if session is None:
        return {
            "id": str(uuid.uuid4()),
            "started_at": "",
            "practitioner": last.practitioner if last else "",
            "techniques": list(last.techniques) if last else [],
            "points": last.points if last else "",
            "pain_before": None,
            "pain_after": None,
            "notes": "",
            "version": None,
        }
    return {
        "id": session.id,
        "started_at": local_input_value(session.started_at, tz_name),
        "practitioner": session.practitioner,
        "techniques": list(session.techniques),
        "points": session.points,
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "notes": session.notes,
        "version": session.version,
    }


def submitted_session_values(form):
    """What the patient typed in the session form, to show again next to the errors."""
    data = session_data(form)
    data["id"] = form.get("id") or str(uuid.uuid4())
    data["started_at"] = form.get("started_at", "")
    data["version"] = form.get("version")
    return data
