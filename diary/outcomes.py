"""Answered questionnaires in words (PRODUCT.md section 11), for every page that shows them:
a response's result on History, and a questionnaire's baseline -> latest verdict on Today.

A red-flag response never gets a score here: it is either "none of the warning signs" or the
signs answered yes.
"""

from .instruments import get as get_instrument

SHORT_NAMES = {"peg": "PEG", "rmdq": "RMDQ", "pgic": "PGIC", "red_flags": "Warning signs"}
MINUS = "\u2212"


def short_name(key):
    """``PEG``, ``Warning signs``; an operator's instrument goes by its title."""
    if key in SHORT_NAMES:
        return SHORT_NAMES[key]
    instrument = get_instrument(key)
    return instrument.title if instrument is not None else key


def _number(value):
    """``4.3``, ``12``: a score as a patient reads it (one decimal at most)."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


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


def verdict(key, trend, answered):
    """Baseline -> latest in words (``PEG 6.3 → 3.7, −41 %: a meaningful improvement``), or
    None without a trend. ``answered``: how many responses of the questionnaire there are."""
    instrument = get_instrument(key)
    if trend is None or instrument is None or trend.get("latest") is None:
        return None
    name = short_name(key)
    latest = trend["latest"]
    if instrument.is_responder_rule:
        words = score_words(instrument, latest)
        judged = "a meaningful improvement" if trend["meaningful"] else "not a clear improvement"
        return f"{name}: {words.lower()}, {judged}"
    baseline, change = trend["baseline"], trend["change"]
    if answered <= 1:
        return f"{name} {_number(latest)}: your starting point; the next check-in shows the change"
    text = f"{name} {_number(baseline)} → {_number(latest)}"
    if trend["percent"] is not None:
        percent = round(trend["percent"])
        sign = MINUS if percent < 0 else "+" if percent > 0 else ""
        text += f", {sign}{abs(percent)} %"
    if trend["meaningful"]:
        judged = "a meaningful improvement"
    elif change < 0:
        judged = "better, not yet a meaningful change"
    elif change > 0:
        judged = "worse"
    else:
        judged = "no change"
    return f"{text}: {judged}"
