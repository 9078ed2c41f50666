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
    "outbox": {},
    "pwa": {},
    # -- charts (Trends, Today, the report) --------------------------------------------------
    "charts": {},
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
    "reminders": {},
    "account": {},
}


def js_messages(*names):
    """The messages of ``names`` as a JSON script element (translated for this request)."""
    messages = {}
    for name in names:
        for key, text in GROUPS[name].items():
            messages[f"{name}.{key}"] = str(text)
    body = htmlsafe_json_dumps(messages)
    return Markup('<script type="application/json" data-i18n>') + body + Markup("</script>")


def register(app):
    """``js_messages`` for every template."""
    app.jinja_env.globals["js_messages"] = js_messages
