"""The messages the pages' scripts show, rendered into each page in its language.

A page names the groups its scripts need (``{{ js_messages("outbox", "charts") }}``): the page
carries only those, as JSON in ``<script type="application/json" data-i18n>``, and
``static/js/i18n.js`` reads them (``t("outbox.saved")``). Placeholders are ``%(name)s``, as in
the Python messages, so translators see one style.
"""

from flask_babel import lazy_gettext as _l  # noqa: F401 - the groups below use it
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

GROUPS = {
    # -- the log forms, the outbox, the offline app ------------------------------------------
    # The log forms (static/js/log-form.js): only what the log page needs, it has a byte budget.
    "logform": {
        # "Calf (left)": a place on the body map and its side.
        "left": _l("%(place)s (left)"),
        "right": _l("%(place)s (right)"),
        "both": _l("%(place)s (both sides)"),
        # Between the places of a list ("Calf (left), Sole (right)"); Chinese uses "、".
        "sep": _l(", "),
        "chosen": _l("Chosen: %(places)s."),
        "none": _l("Nothing chosen yet."),
        "which": _l("%(place)s: which part?"),
        "done": _l("Done"),
        "count": _l("%(used)s of %(limit)s characters."),
        "required": _l("%(name)s is required: tap a number from 0 to 10."),
    },
    # What waits on this phone (static/js/outbox.js), on the pages that list it.
    "outbox": {
        # How many items wait: "_one" and "_other" follow the language's plural rules.
        "kept_one": _l("%(count)s item kept on this phone."),
        "kept_other": _l("%(count)s items kept on this phone."),
        "waiting": _l("Waiting for a connection."),
        "login": _l("Log in to send it."),
        "not_sent": _l("Not sent: %(problem)s"),
        "urgent": _l(
            "You answered Yes to a warning sign: go to an emergency department (A&E) now."
        ),
        "fix": _l("Fix"),
        "discard": _l("Discard"),
        "log_in": _l("Log in"),
        "entry": _l("Pain %(score)s/10 · %(when)s"),
        "response": _l("%(title)s · %(when)s"),
        "questionnaire": _l("Questionnaire"),
        "session": _l("Acupuncture session · %(when)s"),
    },
    # The offline app's own words (static/js/pwa.js, sw.js), served at /offline/words.json for
    # the service worker to keep with the log forms, in the patient's language.
    "pwa": {
        "leave": _l(
            "%(count)s item(s) have not been sent yet and will be deleted from this phone. "
            "Log out anyway?"
        ),
        "not_kept": _l("No connection, and this page is not kept on this phone."),
        "name": _l("Pain diary"),
        "reminder": _l("Time to log your pain."),
    },
    # -- charts (Trends, Today, the report) --------------------------------------------------
    "charts": {
        "pain_axis": _l("Pain (0–10)"),
        "daily_pain": _l("Daily pain"),
        "rolling": _l("7-day average"),
        "back": _l("Back pain"),
        "leg": _l("Leg pain"),
        "sleep": _l("Sleep"),
        "sleep_legend": _l("Sleep (10 = very well)"),
        "interference": _l("Pain in the way of daily life"),
        "interference_legend": _l("Pain in the way of daily life (10 = completely)"),
        "took_medication": _l("Took medication"),
        "medication": _l("Medication"),
        "scale": _l("0–10"),
        # A tooltip: a series and its value ("Sleep: 7").
        "value": _l("%(name)s: %(value)s"),
        # A questionnaire's axis: "PEG (0–10)".
        "score_axis": _l("%(name)s (%(low)s–%(high)s)"),
        # A named answer and its score: "Much better (6)".
        "answer": _l("%(answer)s (%(score)s)"),
        "level_before": _l("Level before (3 days)"),
        "average_until_next": _l("Average until next session"),
        "relief_days": _l("Relief days"),
        "days_of_relief": _l("Days of relief"),
        "days": _l("Days"),
        "with_it": _l("Pain on days with it"),
        "without_it": _l("Pain on days without"),
        "average_pain": _l("Average pain (0–10)"),
    },
    # -- sharing, printing, the check-in -----------------------------------------------------
    "share": {
        "copied": _l("Copied."),
        "copy_failed": _l("Select the link and copy it."),
        "title": _l("My pain diary report"),
    },
    "checkin": {
        "needs_number": _l("This question needs an answer: tap a number from %(low)s to %(high)s."),
        "needs_yes_no": _l("This question needs an answer: tap Yes or No."),
        "needs_yes_no_none": _l("This question needs an answer: tap Yes or No (or None of these)."),
        "needs_choice": _l("This question needs an answer: choose one."),
    },
    # -- reminders and push, the account -----------------------------------------------------
    "reminders": {
        "on": _l("Notifications are on for this device."),
        "blocked": _l(
            "Notifications are blocked for this site: allow them in the browser's site settings, "
            "then tap Turn on notifications."
        ),
        "off": _l("Notifications are off on this device."),
        "ios": _l("On iPhone and iPad, add the diary to your Home Screen first (below)."),
        "unsupported": _l(
            "This browser cannot show notifications. Reminders can come by e-mail instead."
        ),
        "asking": _l("Asking…"),
        "failed": _l(
            "Notifications could not be turned on here. Try again, or use e-mail reminders."
        ),
        "test_sent": _l("Test sent: it should appear in a moment."),
        "test_failed": _l(
            "The test could not be delivered. Turn notifications off and on again on this device."
        ),
    },
}


_TRANSLATED = {}  # (locale code, names) -> the messages as text: catalogues never change


def messages(*names):
    """The messages of ``names``, keyed ``group.key``, translated for this request.

    The dict is shared by every request in the same locale: read it, never change it.
    """
    from .i18n import current  # i18n imports this module

    wanted = (current(), names)
    found = _TRANSLATED.get(wanted)
    if found is None:
        found = _TRANSLATED[wanted] = {
            f"{name}.{key}": str(text) for name in names for key, text in GROUPS[name].items()
        }
    return found


def js_messages(*names):
    """The messages of ``names`` as a JSON script element (translated for this request)."""
    body = htmlsafe_json_dumps(messages(*names))
    return Markup('<script type="application/json" data-i18n>') + body + Markup("</script>")


def register(app):
    """``js_messages`` for every template."""
    app.jinja_env.globals["js_messages"] = js_messages
