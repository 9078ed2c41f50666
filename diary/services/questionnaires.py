"""Questionnaires for a patient (PRODUCT.md section 11): what is due, and what is urgent.

``due_keys`` states the due rules on plain dates (tested on its own); ``due_for`` reads what it
needs for a patient (three small queries, whatever the amount of data) and asks it. The pages
use ``due_for_page`` (with each one's title and minutes), ``urgent_response`` and ``verdicts``
(a trends document's questionnaires in words, with the charts' threshold line); the course
summary adds ``red_flag_checks`` (the red-flag answers of a range, which trends leave out).
"""

from datetime import timedelta

from flask_babel import format_percent, gettext
from markupsafe import Markup, escape
from sqlalchemy import case, func, select

from ..core.extensions import db
from ..core.templating import number
from ..core.timeutil import local_today, utcnow
from ..instruments import instruments
from ..models import AcupunctureSession, QuestionnaireResponse
from ..records import RESPONSE
from ..records import service as records

# A red flag answered yes stays on Today this long (14 x 24 hours, as section 7 counts days).
URGENT_FOR = timedelta(days=14)
RED_FLAGS = "red_flags"


def instrument_list():
    """Every instrument as ``GET /api/v1/instruments`` lists it, in the order they are asked."""
    return [instrument.to_dict() for instrument in instruments().values()]


def due_keys(known, today, response_dates, session_count, last_session_date):
    """The keys of the instruments due ``today``, in the order they are asked.

    ``response_dates``: instrument key -> (the latest ``local_date`` of its responses on or
    before today, the latest of all), absent without responses; ``last_session_date``: the
    ``local_date`` of the patient's latest session by start time (None without sessions).

    - ``every`` n days: no response has a ``local_date`` in the last n days (today - n + 1 ...
      today);
    - ``after_sessions`` n: the patient has at least n sessions and no response dated on or
      after the latest session's date;
    - ``with`` another instrument: exactly when that one is due.
    """
    due = {}
    for key, instrument in known.items():
        rule = instrument.due
        if rule is None or rule["rule"] == "with":
            continue
        up_to_today, latest = response_dates.get(key, (None, None))
        if rule["rule"] == "every":
            window_opens = today - timedelta(days=rule["days"] - 1)
            due[key] = up_to_today is None or up_to_today < window_opens
        else:
            due[key] = session_count >= rule["sessions"] and (
                latest is None or latest < last_session_date
            )
    for key, instrument in known.items():
        if instrument.due is not None and instrument.due["rule"] == "with":
            due[key] = due.get(instrument.due["instrument"], False)
    return [key for key in known if due.get(key)]


def _response_dates(user_id, today):
    """Instrument key -> (latest local date on or before today, latest local date)."""
    date = QuestionnaireResponse.local_date
    rows = db.session.execute(
        select(
            QuestionnaireResponse.instrument,
            func.max(case((date <= today, date))),
            func.max(date),
        )
        .where(QuestionnaireResponse.user_id == user_id)
        .group_by(QuestionnaireResponse.instrument)
    ).all()
    return {key: (up_to_today, latest) for key, up_to_today, latest in rows}


def _sessions(user_id):
    """(how many sessions, the latest one's local date by start time)."""
    count = db.session.scalar(
        select(func.count())
        .select_from(AcupunctureSession)
        .where(AcupunctureSession.user_id == user_id)
    )
    last = db.session.scalar(
        select(AcupunctureSession.local_date)
        .where(AcupunctureSession.user_id == user_id)
        .order_by(AcupunctureSession.started_at.desc(), AcupunctureSession.id.desc())
        .limit(1)
    )
    return count, last


def due_for(user, now=None):
    """The keys of the questionnaires due for ``user`` today in their time zone, in order."""
    today = local_today(user.timezone, now)
    session_count, last_session_date = _sessions(user.id)
    return due_keys(
        instruments(), today, _response_dates(user.id, today), session_count, last_session_date
    )


def due_for_page(user, now=None):
    """What Today and ``/check-in`` show: each due questionnaire's key, title and minutes."""
    known = instruments()
    return [
        {"key": key, "title": known[key].title, "minutes": known[key].minutes}
        for key in due_for(user, now)
    ]


def urgent_response(user, now=None):
    """The patient's latest urgent response answered in the last 14 days (API shape), or None:
    Today keeps telling them to get help until then."""
    since = (now or utcnow()) - URGENT_FOR
    record = db.session.scalar(
        select(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.user_id == user.id,
            QuestionnaireResponse.urgent.is_(True),
            QuestionnaireResponse.answered_at >= since,
        )
        .order_by(QuestionnaireResponse.answered_at.desc(), QuestionnaireResponse.id.desc())
        .limit(1)
    )
    return None if record is None else records.to_dict(RESPONSE, record)


def red_flag_checks(user_id, date_from, date_to):
    """The red-flag checks answered with a ``local_date`` in [from, to]: ``{checks, yes}``,
    ``checks`` how many, ``yes`` those with a yes answer by time, each ``{local_date,
    answered_at, signs}`` (the items answered yes, in the instrument's order)."""
    rows = db.session.execute(
        select(
            QuestionnaireResponse.local_date,
            QuestionnaireResponse.answered_at,
            QuestionnaireResponse.urgent,
            QuestionnaireResponse.answers,
        )
        .where(
            QuestionnaireResponse.user_id == user_id,
            QuestionnaireResponse.instrument == RED_FLAGS,
            QuestionnaireResponse.local_date >= date_from,
            QuestionnaireResponse.local_date <= date_to,
        )
        .order_by(QuestionnaireResponse.answered_at, QuestionnaireResponse.id)
    ).all()
    instrument = instruments().get(RED_FLAGS)
    order = instrument.item_keys if instrument else ()
    yes = []
    for local_date, answered_at, urgent, answers in rows:
        if not urgent:
            continue
        named = [key for key in order if answers.get(key) is True]
        named += [key for key, value in answers.items() if value is True and key not in order]
        yes.append({"local_date": local_date, "answered_at": answered_at, "signs": named})
    return {"checks": len(rows), "yes": yes}


def _number(value):
    """6.67, 3, 4.5: at most 2 decimals, no trailing zeros, a real minus sign, in the locale."""
    return number(value).replace("-", "\u2212")


def _percent(value):
    """``+12 %``, ``−55 %``: a change in percent with its sign, in the locale's style."""
    text = format_percent(round(value, 2) / 100, format="#,##0.## %")
    return ("+" if value > 0 else "") + text.replace("-", "\u2212")


def _english(text, lang):
    """Instrument wording inside one of our sentences: marked ``lang="en"`` when it is English
    on a page in another language (the sentences are shown in HTML only)."""
    return Markup('<span lang="{}">{}</span>').format(lang, text) if lang else text


def verdicts(trend_questionnaires, known=None):
    """Baseline -> latest in words for each charted questionnaire with data, from the trends
    document's ``questionnaires`` (what Today's card, /trends and the reports say):
    ``{key, name, words, meaningful, threshold}``, ``threshold`` being the score at which the
    change becomes meaningful (the charts' dashed line; None for the PGIC). ``words`` is in the
    locale in use (HTML-safe text)."""
    known = known or instruments()
    found = []
    for key, trend in trend_questionnaires.items():
        instrument = known.get(key)
        if trend is None or instrument is None:
            continue
        name = key.upper().replace("_", " ")
        if instrument.is_responder_rule:
            scored = instrument.scoring.get("item")
            item = next(item for item in instrument.items if item.key == scored)
            labels = {option.value: option.label for option in item.options}
            answer = labels.get(trend["latest"])
            if answer is None:
                answer = _number(trend["latest"])
            else:
                answer = _english(
                    answer.lower() if instrument.lang == "en" else answer, instrument.shown_lang
                )
            template = (
                gettext("%(name)s: %(answer)s (a meaningful improvement)")
                if trend["meaningful"]
                else gettext("%(name)s: %(answer)s (not a responder)")
            )
            words = escape(template) % {"name": name, "answer": answer}
            threshold = None
        else:
            numbers = {
                "name": name,
                "baseline": _number(trend["baseline"]),
                "latest": _number(trend["latest"]),
            }
            if trend["percent"] is None:
                words = (
                    gettext("%(name)s %(baseline)s \u2192 %(latest)s: a meaningful improvement")
                    if trend["meaningful"]
                    else gettext(
                        "%(name)s %(baseline)s \u2192 %(latest)s: not a meaningful change yet"
                    )
                )
            else:
                numbers["change"] = _percent(trend["percent"])
                words = (
                    gettext(
                        "%(name)s %(baseline)s \u2192 %(latest)s, %(change)s: "
                        "a meaningful improvement"
                    )
                    if trend["meaningful"]
                    else gettext(
                        "%(name)s %(baseline)s \u2192 %(latest)s, %(change)s: "
                        "not a meaningful change yet"
                    )
                )
            words = escape(words % numbers)
            threshold = instrument.threshold(trend["baseline"])
        found.append(
            {
                "key": key,
                "name": name,
                "words": words,
                "meaningful": trend["meaningful"],
                "threshold": None if threshold is None else round(threshold, 2),
            }
        )
    return found


# --- What the questionnaire pages ask (the check-in, Today, History) -------------------------

# The check-in holds the due questionnaires this quick (in minutes): PEG, red flags, PGIC. A
# longer one (the RMDQ's 24 statements) gets its own page, so the check-in stays one short form.
CHECK_IN_MINUTES = 1


def quick(instrument):
    """Whether ``instrument`` is short enough to be asked on the check-in."""
    return instrument.minutes <= CHECK_IN_MINUTES


def check_in_plan(keys):
    """What the check-in of the due ``keys`` asks, and what is due on pages of its own.

    ``{"keys": [...], "title", "minutes", "elsewhere": [{key, title, minutes}]}``: the check-in
    is the "Weekly check-in" when PEG is on it; its questions are short, so it takes as long as
    its longest questionnaire, not the sum.
    """
    known = instruments()
    asked = [key for key in keys if key in known and quick(known[key])]
    return {
        "keys": asked,
        "title": gettext("Weekly check-in") if "peg" in asked else gettext("Check-in"),
        "minutes": max((known[key].minutes for key in asked), default=0),
        "elsewhere": [
            {
                "key": key,
                "title": known[key].title,
                "minutes": known[key].minutes,
                "lang": known[key].shown_lang,
            }
            for key in keys
            if key in known and key not in asked
        ],
    }


def shell_keys():
    """What the check-in kept offline asks (it cannot know what is due): the quick questionnaires
    due by the calendar (every n days, or with one that is), PEG and the red flags."""
    known = instruments()
    calendar = {
        key
        for key, instrument in known.items()
        if instrument.due is not None and instrument.due["rule"] == "every"
    }
    return [
        key
        for key, instrument in known.items()
        if quick(instrument)
        and instrument.due is not None
        and (key in calendar or instrument.due.get("instrument") in calendar)
    ]


def response_dates(user_id):
    """(first, last) ``local_date`` of the patient's responses, (None, None) without any."""
    date = QuestionnaireResponse.local_date
    first, last = db.session.execute(
        select(func.min(date), func.max(date)).where(QuestionnaireResponse.user_id == user_id)
    ).one()
    return first, last


def response_count(user_id, instrument):
    """How many responses of ``instrument`` the patient has."""
    return db.session.scalar(
        select(func.count())
        .select_from(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.user_id == user_id,
            QuestionnaireResponse.instrument == instrument,
        )
    )
