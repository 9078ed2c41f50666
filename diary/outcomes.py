"""Answered questionnaires in words (PRODUCT.md section 11), for the pages that show them: a
response's result on History and its delete page, and Today's PEG line.

A red-flag response never gets a score here: it is either "none of the warning signs" or the
signs answered yes.
"""

from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l

from .instruments import get as get_instrument
from .services import questionnaires

# The instruments' abbreviations stay as published; "Warning signs" is ours.
SHORT_NAMES = {"peg": "PEG", "rmdq": "RMDQ", "pgic": "PGIC", "red_flags": _l("Warning signs")}


def short_name(key):
    """``PEG``, ``Warning signs``; an operator's instrument goes by its title."""
    if key in SHORT_NAMES:
        return str(SHORT_NAMES[key])
    instrument = get_instrument(key)
    return instrument.title if instrument is not None else key


def _number(value):
    """``4.33``, ``12``: a score as the verdicts write it (2 decimals at most), in the locale
    (``4,33`` in German)."""
    return format_decimal(round(value, 2), format="#,##0.##")


def score_words(instrument, score):
    """A score in words: ``4.3 out of 10``, ``12 of 24 statements``, ``Much improved``."""
    method = instrument.scoring["method"]
    items = instrument.items
    if method == "item":
        item = next(item for item in items if item.key == instrument.scoring["item"])
        labels = {option.value: option.label for option in item.options}
        return labels.get(int(score), _number(score)) if item.type == "choice" else _number(score)
    if method == "count_true":
        return gettext("%(score)s of %(total)s", score=_number(score), total=len(items))
    if method == "mean":
        high = max((item.max for item in items if item.max is not None), default=None)
        if high is None:
            return _number(score)
        return gettext("%(score)s out of %(high)s", score=_number(score), high=_number(high))
    return _number(score)


def response_summary(record):
    """What History shows for one response: ``{name, text, urgent, told}``.

    ``told`` lists the questions of an urgent questionnaire answered yes (its "score" is never
    shown: any yes means go now).
    """
    instrument = get_instrument(record.instrument)
    name = short_name(record.instrument)
    if instrument is None:
        return {"name": name, "text": "", "urgent": record.urgent, "told": [], "lang": None}
    if instrument.urgent:
        told = [item.text for item in instrument.items if record.answers.get(item.key) is True]
        text = (
            gettext("answered yes: go to an emergency department now") if told else gettext("none")
        )
        return {
            "name": name,
            "text": text,
            "urgent": bool(told),
            "told": told,
            "lang": None,
            "told_lang": instrument.shown_lang,
        }
    text = score_words(instrument, record.score)
    # A choice's label (the PGIC's "Much improved") is the instrument's wording.
    labelled = instrument.scoring["method"] == "item" and text != _number(record.score)
    return {
        "name": name,
        "text": text,
        "urgent": False,
        "told": [],
        "lang": instrument.shown_lang if labelled else None,
    }


def peg_line(trend_questionnaires, answered):
    """Today's PEG line: baseline -> latest with its verdict (``questionnaires.verdicts``, as
    /trends and the reports say it), or "your starting point" after the first check-in; None
    without a PEG. ``answered``: how many PEG responses there are."""
    trend = (trend_questionnaires or {}).get("peg")
    if trend is None:
        return None
    if answered <= 1:
        start = _number(trend["latest"])
        return gettext(
            "PEG %(score)s: your starting point; the next check-in shows the change", score=start
        )
    found = questionnaires.verdicts({"peg": trend})
    return found[0]["words"] if found else None
