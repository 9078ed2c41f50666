"""The installable app: web app manifest, service worker and the offline page."""

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _

from .core.assets import service_worker_source
from .core.i18n import html_lang
from .core.jsmessages import messages as js_words
from .records import KINDS

bp = Blueprint("pwa", __name__)
THEME = "#0f5c63"
BACKGROUND = "#f2f6f7"


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: name, icons (with a maskable one), colours, standalone display;
    its words in the request's language (``lang``)."""

    def icon(filename, size, purpose="any"):
        return {
            "src": url_for("static", filename=f"icons/{filename}"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": purpose,
        }

    response = jsonify(
        {
            "id": "/",
            "name": _("Pain diary"),
            "short_name": _("Pain diary"),
            "description": _("Log sciatica and back pain in seconds and see if acupuncture helps."),
            "lang": html_lang(),
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "orientation": "portrait",
            "theme_color": THEME,
            "background_color": BACKGROUND,
            "icons": [
                icon("icon-192.png", 192),
                icon("icon-512.png", 512),
                icon("maskable-512.png", 512, "maskable"),
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Language")
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that it controls every page."""
    record_forms = {}
    for kind in KINDS:
        if kind.form_page is None:
            continue
        page = url_for(kind.form_page)
        spec = {**kind.client_form(url_for(f"api.create_{kind.name}")), "form_page": page}
        if "instruments" in spec:
            # Each questionnaire's own page posts the same form; a red flag answered yes while
            # offline goes straight to the urgent page (kept on the phone, data-free).
            spec["pages"] = {
                key: url_for("checkin.questionnaire", key=key) for key in spec["instruments"]
            }
            spec["urgent_page"] = url_for("checkin.urgent")
        record_forms[page] = spec
    response = current_app.response_class(
        service_worker_source(current_app, record_forms), mimetype="text/javascript"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline/words.json")
def offline_words():
    """The offline app's words in the request's language (the service worker keeps them with
    the log forms, and knows by ``lang`` when the patient's language changed)."""
    response = jsonify({"lang": html_lang(), "messages": js_words("pwa")})
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


@bp.get("/offline")
def offline():
    """Shown when a page cannot be reached; lists what waits on this phone (no health data)."""
    return render_template("pwa/offline.html")
