"""Answered questionnaires in words (PRODUCT.md section 11), for the pages that show them: a
response's result on History and its delete page, and Today's PEG line.

A red-flag response never gets a score here: it is either "none of the warning signs" or the
signs answered yes.
"""

from .instruments import get as get_instrument
from .services import questionnaires

SHORT_NAMES = {"peg": "PEG", "rmdq": "RMDQ", "pgic": "PGIC", "red_flags": "Warning signs"}


def short_name(key):
    """``PEG``, ``Warning signs``; an operator's instrument goes by its title."""
    if key in SHORT_NAMES:
        return SHORT_NAMES[key]
    instrument = get_instrument(key)
    return instrument.title if instrument is not None else key


def _number(value):
    """``4.33``, ``12``: a score as the verdicts write it (2 decimals at most)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def score_words(instrument, score):
    """A score in words: ``4.3 out of 10``, ``12 of 24 statements``, ``Much improved``."""
    method = instrument.scoring["method"]
    items = instrument.items
    if method == "item":
        item = next(item for item in items if item.key == instrument.scoring["item"])
        labels = {option.value: option.label for option in item.options}
        return labels.get(int(score), _number(score)) if item.type == "choice" else _number(score)
    if method == "count_true":
        return f"{_number(score)} of {len(items)}"
    if method == "mean":
        high = max((item.max for item in items if item.max is not None), default=None)
        return f"{_number(score)} out of {high}" if high is not None else _number(score)
    return _number(score)


def response_summary(record):
    """What History shows for one response: ``{name, text, urgent, told}``.

    ``told`` lists the questions of an urgent questionnaire answered yes (its "score" is never
    shown: any yes means go now).
    """
    instrument = get_instrument(record.instrument)
    name = short_name(record.instrument)
    if instrument is None:
        return {"name": name, "text": "", "urgent": record.urgent, "told": []}
    if instrument.urgent:
        told = [item.text for item in instrument.items if record.answers.get(item.key) is True]
        text = "answered yes: go to an emergency department now" if told else "none"
        return {"name": name, "text": text, "urgent": bool(told), "told": told}
    text = score_words(instrument, record.score)
    return {"name": name, "text": text, "urgent": False, "told": []}


def peg_line(trend_questionnaires, answered):
    """Today's PEG line: baseline -> latest with its verdict (``questionnaires.verdicts``, as
    /trends and the reports say it), or "your starting point" after the first check-in; None
    without a PEG. ``answered``: how many PEG responses there are."""
    trend = (trend_questionnaires or {}).get("peg")
    if trend is None:
        return None
    if answered <= 1:
        start = _number(trend["latest"])
        return f"PEG {start}: your starting point; the next check-in shows the change"
    found = questionnaires.verdicts({"peg": trend})
    return found[0]["words"] if found else None
