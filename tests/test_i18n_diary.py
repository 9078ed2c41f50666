"""The patient's diary pages, their scripts' words and the offline app in other languages
(PRODUCT.md section 15): marked for translation, dates in the locale, words for the worker."""

import json
import re

from flask import render_template_string
from helpers import entry_body, session_body
from pseudo import untranslated

PSEUDO = {"Accept-Language": "en-XA"}


def catalogue(html):
    """The messages a page carries for its scripts (``js_messages``)."""
    found = re.search(r"<script type=\"application/json\" data-i18n>(.*?)</script>", html, re.S)
    return json.loads(found.group(1)) if found else {}


def test_the_log_form_is_marked_and_carries_only_its_scripts_words(client, api):
    html = client.get("/entries/new", headers=PSEUDO).get_data(as_text=True)
    for english in ("How is your pain?", "Save entry", "Where does it hurt?", "Skip to Save"):
        assert english not in html
    assert "[Šàvé éñtrý" in html and "<title>[Lög pàîñ" in html
    words = catalogue(html)
    assert set(words) == {
        f"logform.{key}"
        for key in ("left", "right", "both", "sep", "chosen", "none", "which", "done", "count",
                    "required")
    }
    assert words["logform.chosen"].startswith("[Çhöšéñ: %(places)s.")


# Words these pages show from elsewhere: the questionnaires' titles, the vocabulary, the trends
# summary and measure names (diary/charts.py), each marked by its own module.
ELSEWHERE = re.compile(
    r"check-in|Questionnaire|Manual acupuncture|Electroacupuncture|Dry needling|Cupping|Moxib"
    r"|Distal points|Auricular|Sessions|in this period \(numbers|Sleep quality|on average"
    r"|Interference|^Medication$|days with entries|Based on|entry on|Overall pain|Back pain"
    r"|Leg pain|Dr Lee|BL23"
)


def test_the_diary_pages_show_no_unmarked_words_of_their_own(client, api):
    """Everything but the words that come from elsewhere (the vocabulary, the questionnaires)."""
    assert api.post("/entries", entry_body(pain_types=[], triggers=[], relievers=[],
                                           locations=[])).status_code == 201
    assert api.post("/sessions", session_body(techniques=[])).status_code == 201
    client.get("/")  # the welcome after signing up (the account's words)
    for path in ("/", "/entries", "/sessions", "/sessions/new", "/offline", "/trends?days=all"):
        html = client.get(path, headers=PSEUDO).get_data(as_text=True)
        found = untranslated(html, ["Long drive.", "Ibuprofen 400 mg"])
        assert [text for text in found if not ELSEWHERE.search(text)] == [], path


def test_dates_on_the_diary_pages_follow_the_locale(client, api):
    assert api.post("/entries", entry_body(recorded_at="2026-03-02T08:30:00Z")).status_code == 201
    english = client.get("/entries?until=2026-03-02").get_data(as_text=True)
    assert "Monday 02 March" in english
    german = client.get("/entries?until=2026-03-02", headers={"Accept-Language": "de"})
    html = german.get_data(as_text=True)
    assert '<html lang="de">' in html
    assert ">Mo., 2. März</h2>" in html and "Monday" not in html
    assert "08:30" in html


def test_the_manifest_and_the_workers_words_are_in_the_request_language(client):
    manifest = client.get("/manifest.webmanifest", headers={"Accept-Language": "fr"})
    assert manifest.get_json()["lang"] == "fr" and "Accept-Language" in manifest.vary
    assert client.get("/manifest.webmanifest").get_json()["lang"] == "en"
    words = client.get("/offline/words.json", headers=PSEUDO).get_json()
    assert words["lang"] == "en-XA"
    assert words["messages"]["pwa.reminder"].startswith("[Tîmé tö lög ýöûr pàîñ.")
    assert set(words["messages"]) == {"pwa.leave", "pwa.not_kept", "pwa.name", "pwa.reminder"}


def test_the_chart_pages_carry_the_charts_words(client, api):
    assert api.post("/entries", entry_body()).status_code == 201
    words = catalogue(client.get("/trends?days=all", headers=PSEUDO).get_data(as_text=True))
    assert words["charts.daily_pain"].startswith("[Ðàîlý pàîñ") or "Daily" not in str(words)
    assert all(key.startswith("charts.") for key in words)


ERROR = (
    '{% from "_macros.html" import error %}'
    "{{ error({'recorded_at': 'is required'}, 'recorded_at', 'The time') }}"
)


def test_an_error_reads_as_one_sentence_in_each_language(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = render_template_string(ERROR)
    assert ">The time is required.</p>" in english
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = render_template_string(ERROR)
    assert ">The timeis required。</p>" in chinese  # Chinese: no space, its own full stop
