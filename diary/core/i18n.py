"""Languages (PRODUCT.md section 15): which locale a request is in, and the pseudo-locale.

The locale is the profile's ``locale``, else the browser's ``Accept-Language`` (with the explicit
Chinese matching below), else English. E-mails and pushes, sent with no request, use the
patient's profile locale (sign-up stores the language the sign-up page was shown in).

``en_XA`` is a pseudo-locale for development and the tests: every message bracketed, its letters
accented and 30 % longer. Babel knows no such locale, so it formats dates and numbers as English
and only the messages change (``PseudoTranslations``). It is chosen by ``Accept-Language: en-XA``
(Chromium's own pseudo-locale) when ``PSEUDO_LOCALE`` is on (debug and testing by default).
"""

import re
from contextlib import contextmanager

from babel.numbers import format_percent
from babel.support import NullTranslations
from flask import current_app, g, has_request_context, request
from flask_babel import Babel, Domain, force_locale, get_locale
from flask_babel import refresh as flask_babel_refresh

from . import jsmessages

# The shipped locales, in the order /account lists them, each named in its own language.
LOCALES = {
    "en": "English",
    "es": "Español",
    "de": "Deutsch",
    "fr": "Français",
    "zh_Hans": "简体中文",
    "zh_Hant": "繁體中文",
}
DEFAULT = "en"
PSEUDO = "en_XA"
# Chinese written in Traditional characters: these regions, or an explicit ``Hant`` script.
TRADITIONAL_REGIONS = {"tw", "hk", "mo"}

babel = Babel()


def match(tag, pseudo=False):
    """The shipped locale a BCP 47 language tag (``de-AT``, ``zh-Hant-TW``) asks for, or None."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    language = parts[0]
    if language == "zh":
        rest = set(parts[1:])
        if "hant" in rest or (rest & TRADITIONAL_REGIONS and "hans" not in rest):
            return "zh_Hant"
        return "zh_Hans"
    if pseudo and parts[:2] == ["en", "xa"]:
        return PSEUDO
    return language if language in LOCALES else None


def negotiate(accept_languages, pseudo=False):
    """The first shipped locale of an ``Accept-Language`` (werkzeug's parsed list, best first)."""
    for tag, quality in accept_languages:
        if quality > 0 and tag != "*":
            found = match(tag, pseudo)
            if found:
                return found
    return None


def browser_locale():
    """The locale this request's browser asks for, or None when it names none we ship."""
    if not has_request_context():
        return None
    return negotiate(request.accept_languages, current_app.config["PSEUDO_LOCALE"])


def request_locale():
    """The request's locale code: the profile's, else the browser's, else English."""
    from flask_login import current_user  # the login manager is bound after this module

    if has_request_context():
        cached = g.get("diary_locale")
        if cached:
            return cached
        user = current_user._get_current_object() if current_user else None
        chosen = (user and getattr(user, "locale", None)) or browser_locale() or DEFAULT
        g.diary_locale = chosen
        return chosen
    return DEFAULT


def refresh():
    """Choose the locale again (after the profile's changed) for the rest of this request."""
    g.pop("diary_locale", None)
    g.pop("diary_translations", None)
    g.pop("diary_current", None)
    flask_babel_refresh()


def _select():
    """Flask-Babel's locale selector: the pseudo-locale formats as English."""
    code = request_locale()
    return DEFAULT if code == PSEUDO else code


def current():
    """The code of the locale in use now (``patient_locale`` included), e.g. ``zh_Hant``.

    Kept in ``g`` for the rest of the request (``refresh`` forgets it): a page asks for it once
    per date and number it writes.
    """
    try:
        space = g._get_current_object()
    except RuntimeError:  # no app context
        return DEFAULT
    forced = getattr(space, "diary_forced", None)
    if forced:
        return forced
    code = getattr(space, "diary_current", None)
    if code is None:
        if has_request_context() and request_locale() == PSEUDO:
            code = PSEUDO
        else:
            locale = get_locale()
            code = str(locale) if locale is not None else DEFAULT
        space.diary_current = code
    return code


class Percent:
    """A percentage for a message, written the locale's way when shown (``50%``, ``50 %``).

    Lazy messages take it as a value (``_l("%(half)s or more", half=Percent(50))``): a bare
    ``%`` in a message reads as a format code to Babel, and no translation could match it.
    """

    def __init__(self, whole):
        self.whole = whole

    def __str__(self):
        code = current()
        locale = DEFAULT if code == PSEUDO else code
        return format_percent(self.whole / 100, locale=locale)

    __html__ = __str__


def html_lang(code=None):
    """``<html lang>`` in BCP 47: ``zh-Hant``, ``en-XA``, ``de``."""
    return (code or current()).replace("_", "-")


@contextmanager
def patient_locale(user):
    """Messages for ``user`` with no request of theirs (e-mails, pushes): their profile locale.

    Needs an app context. A test may store ``en_XA`` in the profile to see every message marked.
    """
    code = getattr(user, "locale", None) or DEFAULT
    if code != PSEUDO and code not in LOCALES:
        code = DEFAULT
    had = g.get("diary_forced")
    g.diary_forced = code
    try:
        with force_locale(DEFAULT if code == PSEUDO else code):
            yield code
    finally:
        g.diary_forced = had


# -- the pseudo-locale --------------------------------------------------------------------------

ACCENTED = str.maketrans(
    "aceinosuyAEIOUCNSYZz", "àçéîñöšûýÀÉÎÖÛÇÑŠÝŽž"
)
# Kept as they are: printf and format placeholders, HTML tags and entities.
PROTECTED = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr%]|%[sd%]|\{[^{}]*\}|<[^>]*>|&[#\w]+;"
)


def pseudo(text):
    """``[Ŝàvé éñţrý ·····]``: accented, bracketed and about 30 % longer; placeholders kept."""
    if not text:
        return text
    pieces, last = [], 0
    for found in PROTECTED.finditer(text):
        pieces.append(text[last : found.start()].translate(ACCENTED))
        pieces.append(found.group(0))
        last = found.end()
    pieces.append(text[last:].translate(ACCENTED))
    body = "".join(pieces)
    padding = "·" * max(1, round(len(text) * 0.3) - 2)
    return f"[{body} {padding}]"


class PseudoTranslations(NullTranslations):
    """Every message through ``pseudo``: shows what is not marked for translation."""

    def ugettext(self, message):
        return pseudo(message)

    gettext = ugettext

    def ungettext(self, singular, plural, n):
        return pseudo(singular if n == 1 else plural)

    ngettext = ungettext

    def upgettext(self, context, message):
        return pseudo(message)

    pgettext = upgettext

    def unpgettext(self, context, singular, plural, n):
        return pseudo(singular if n == 1 else plural)

    npgettext = unpgettext


class DiaryDomain(Domain):
    """The message catalogues, with the pseudo-locale made on the fly."""

    _pseudo = PseudoTranslations()

    def get_translations(self):
        """The catalogue of the locale in use, looked up once per app context and locale.

        A page asks for hundreds of messages; finding the locale and its catalogue for each
        one (Flask-Babel's way) doubled the time the log page took to render. The catalogue is
        kept in ``g`` with the locale ``patient_locale`` forces, so a forced locale, and the
        end of one, look it up again; ``refresh`` forgets it.
        """
        try:
            space = g._get_current_object()  # one look through the proxy, not four
        except RuntimeError:  # no app context: Flask-Babel's answer (no translation)
            return super().get_translations()
        forced = getattr(space, "diary_forced", None)
        kept = getattr(space, "diary_translations", None)
        if kept is not None and kept[0] == forced:
            return kept[1]
        found = self._pseudo if current() == PSEUDO else super().get_translations()
        space.diary_translations = (forced, found)
        return found


def register(app):
    """Bind Flask-Babel with the locale selector and expose the locale to templates."""
    app.config.setdefault("PSEUDO_LOCALE", bool(app.debug or app.testing))
    babel.init_app(app, locale_selector=_select)
    babel.domain_instance = domain = DiaryDomain(domain="messages")
    # Templates ask the one domain straight away (Flask-Babel's own callables look it up
    # through its context for every message).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        html_lang=html_lang, current_locale=current, LOCALES=LOCALES, percent=Percent
    )
    jsmessages.register(app)

    @app.after_request
    def vary_on_language(response):
        # A page may be in the browser's language: caches keep one copy per language.
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
        return response
