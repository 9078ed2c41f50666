"""Languages in the questionnaires, the report, the practitioner's pages and the summary PDF
(PRODUCT.md section 15): questionnaire wording only from a published translation, else English
marked lang="en" with a note; everything around it translated; numbers and dates in the locale."""

import json
import re

import pytest
from helpers import login, make_app, pdf_page_texts, register
from pseudo import untranslated
from test_i18n_pages import PSEUDO, own_words

from diary.cli import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    PRACTITIONER_EMAIL,
    PRACTITIONER_PASSWORD,
    seed_demo,
    seed_practice_demo,
)
from diary.core.extensions import db
from diary.core.i18n import pseudo
from diary.instruments import InstrumentFileError, load_file

# A made-up instrument with a made-up German "published translation" (the mechanism's test).
TEST_INSTRUMENT = {
    "key": "tst",
    "title": "Test scale",
    "version": "1",
    "recall": "the past week",
    "order": 50,
    "minutes": 1,
    "instructions": "Answer both questions.",
    "items": [
        {"key": "ache", "text": "How bad is the ache?", "type": "integer", "min": 0, "max": 10,
         "options": [{"value": 0, "label": "No ache"}, {"value": 10, "label": "Worst ache"}]},
        {"key": "mood", "text": "How is your mood?", "type": "choice",
         "options": [{"value": 1, "label": "Good"}, {"value": 2, "label": "Bad"}]},
        {"key": "fever", "text": "Any fever?", "type": "boolean"},
    ],
    "scoring": {"method": "item", "item": "ache"},
    "meaningful_change": None,
    "due": None,
    "citation": "Made up for the tests.",
    "licence": "None.",
    "translations": {
        "de": {
            "source": "Erfundene Übersetzung, Testverlag 2026",
            "title": "Testskala",
            "recall": "die letzte Woche",
            "instructions": "Beantworten Sie beide Fragen.",
            "items": {
                "ache": {"text": "Wie stark ist der Schmerz?",
                         "options": {"0": "Kein Schmerz", "10": "Stärkster Schmerz"}},
                "mood": {"text": "Wie ist Ihre Stimmung?",
                         "options": {"1": "Gut", "2": "Schlecht"}},
                "fever": {"text": "Haben Sie Fieber?"},
            },
        }
    },
}


def write_instrument(folder, document=None):
    path = folder / "tst.json"
    path.write_text(json.dumps(document or TEST_INSTRUMENT), encoding="utf-8")
    return path


@pytest.fixture
def translated_app(tmp_path, database_path):
    folder = tmp_path / "instruments"
    folder.mkdir()
    write_instrument(folder)
    app = make_app(database_path, INSTRUMENTS_FOLDER=str(folder))
    yield app
    with app.app_context():
        db.engine.dispose()


def patient_in(app, language, email):
    """A patient who signed up with a browser in ``language`` (their profile's locale)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert register(client, email=email).status_code in (302, 303)
    return client


def test_a_published_translation_is_shown_in_its_language(translated_app):
    client = patient_in(translated_app, "de", "de@example.com")
    html = client.get("/questionnaires/tst").get_data(as_text=True)
    for words in ("Testskala", "Wie stark ist der Schmerz?", "Kein Schmerz", "Stärkster Schmerz",
                  "Wie ist Ihre Stimmung?", "Schlecht", "Beantworten Sie beide Fragen.",
                  "Erfundene Übersetzung, Testverlag 2026"):
        assert words in html
    assert "How bad is the ache?" not in html
    assert 'lang="en">Testskala' not in html and "english-note" not in html
    # The translated instrument in the API too; the others stay English (no translation).
    listed = {i["key"]: i for i in client.get("/api/v1/instruments").get_json()["instruments"]}
    assert listed["tst"]["title"] == "Testskala"
    assert listed["tst"]["items"][1]["options"][1]["label"] == "Schlecht"
    assert listed["peg"]["title"].startswith("PEG: pain")


def test_without_a_translation_the_wording_is_english_marked_and_noted(translated_app):
    client = patient_in(translated_app, "fr", "fr@example.com")
    html = client.get("/questionnaires/tst").get_data(as_text=True)
    assert '<h1 id="page-title" lang="en">Test scale</h1>' in html
    assert '<legend lang="en">How bad is the ache?</legend>' in html
    assert '<label lang="en"><input type="radio" name="tst.mood" value="2">Bad</label>' in html
    # The note is in the page's language.
    assert "english-note" in html and "aucune traduction validée" in html
    # The app's own Yes and No are not instrument wording: not marked English.
    assert re.search(r'<label><input type="radio" name="tst.fever" value="true">', html)
    listed = {i["key"]: i for i in client.get("/api/v1/instruments").get_json()["instruments"]}
    assert listed["tst"]["title"] == "Test scale"


def test_in_english_nothing_is_marked(translated_app):
    client = patient_in(translated_app, "en", "en@example.com")
    html = client.get("/questionnaires/tst").get_data(as_text=True)
    assert '<h1 id="page-title">Test scale</h1>' in html and "english-note" not in html


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"translations": {"xx": {}}}, "translations: 'xx' is not one of es, de, fr"),
        ({"translations": {"de": {**TEST_INSTRUMENT["translations"]["de"], "items": {}}}},
         "translations.de.items.ache: must be an object with text"),
        ({"translations": {"de": {k: v for k, v in TEST_INSTRUMENT["translations"]["de"].items()
                                  if k != "source"}}}, "translations.de.source: must be non-empty"),
        ({"translations": {"de": {**TEST_INSTRUMENT["translations"]["de"],
                                  "items": {**TEST_INSTRUMENT["translations"]["de"]["items"],
                                            "mood": {"text": "Stimmung?"}}}}},
         "translations.de.items.mood.options.1: must be non-empty text"),
    ],
)
def test_the_loader_checks_a_translation(tmp_path, change, problem):
    path = write_instrument(tmp_path, {**TEST_INSTRUMENT, **change})
    with pytest.raises(InstrumentFileError, match=re.escape(problem)):
        load_file(path)


# -- the pseudo-locale: every page of this area marked ----------------------------------------


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo()
        seed_practice_demo()
    return app


def pseudo_login(app, email, password):
    client = app.test_client()
    login(client, email, password)
    client.environ_base.update(PSEUDO)
    return client


INLINE = re.compile(r"<(a|strong|em|code)\b([^>]*)>(.*?)</\1>", re.DOTALL)


def problems(client, paths, own):
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        # The page's own content: the chrome around it (base.html) is another area's.
        html = response.get_data(as_text=True)
        main = re.search(r"<main\b.*?</main>", html, re.DOTALL)
        # Inline markup inside one message (a link, <strong>) splits its bracketed text in two
        # for tests/pseudo.py; joined again here (the tags are kept in the message).
        main = INLINE.sub(
            lambda m: m.group(0) if re.search(r"\b(lang|translate)=", m.group(2)) else m.group(3),
            main.group(0) if main else html,
        )
        left = untranslated(main, own)
        if left:
            found[path] = left
    return found


def test_the_questionnaire_pages_are_marked(demo):
    client = pseudo_login(demo, DEMO_EMAIL, DEMO_PASSWORD)
    with demo.app_context():
        from diary.models import User

        db.session.query(User).filter_by(email=DEMO_EMAIL).update({"locale": None})
        db.session.commit()
    paths = ["/check-in", "/questionnaires/peg", "/questionnaires/rmdq", "/questionnaires/pgic",
             "/check-in/urgent", "/shares"]
    assert problems(client, paths, own_words(demo)) == {}
    html = client.get("/questionnaires/peg").get_data(as_text=True)
    assert 'lang="en"' in html
    assert pseudo("This questionnaire is shown in English: no validated translation of it is "
                  "available here.") in html


def test_the_practitioner_pages_and_the_report_are_marked(demo):
    client = pseudo_login(demo, PRACTITIONER_EMAIL, PRACTITIONER_PASSWORD)
    html = client.get("/practice").get_data(as_text=True)
    patient = re.search(r'href="(/practice/patients/[^"/]+)"', html).group(1)
    paths = ["/practice", "/practice/code", patient, f"{patient}/sessions/new",
             f"{patient}/disconnect"]
    # Other areas' words on these pages: the techniques (the vocabulary) and the shared form
    # macros' (templates/_macros.html).
    others = ["Manual acupuncture", "Electroacupuncture", "Dry needling", "Cupping",
              "Moxibustion", "Distal points", "Auricular (ear)", "Not recorded",
              "Up to 2,000 characters."]
    found = problems(client, paths, own_words(demo) + others)
    # The trends partials the report includes are another area's: only ours here.
    assert {path: left for path, left in found.items() if path != patient} == {}
    # The status words are labels (translated); their keys, the CSS classes, are not.
    words = ("Red flag", "Worse", "Not logging", "Check-in due")
    assert any(pseudo(word) in html for word in words)
    assert 'class="flag flag-' in html


# -- numbers, and the summary PDF -------------------------------------------------------------


def test_a_verdict_in_german_writes_its_numbers_the_german_way(app):
    from diary.services.questionnaires import verdicts

    trend = {"baseline": 20 / 3, "latest": 3, "percent": -55.0, "meaningful": True}
    with app.test_request_context(headers={"Accept-Language": "de"}):
        words = verdicts({"peg": trend})[0]["words"]
    assert "6,67" in words and "\u221255" in words
    with app.test_request_context(headers={"Accept-Language": "en"}):
        words = verdicts({"peg": trend})[0]["words"]
    assert words == "PEG 6.67 \u2192 3, \u221255 %: a meaningful improvement"


def test_the_questionnaire_scores_on_trends_are_written_the_german_way(demo):
    client = demo.test_client()
    login(client, DEMO_EMAIL, DEMO_PASSWORD)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    html = client.get("/trends?days=all").get_data(as_text=True)
    peg = html.split('id="q-peg-heading"', 1)[1].split("</article>", 1)[0]
    scores = re.findall(r"</th><td>([^<]*)</td></tr>", peg)
    assert scores and any("," in score for score in scores)
    assert not any("." in score for score in scores)
    baseline = re.search(r"\(([^()]*: [0-9.,]+)\)\.</p>", peg)
    assert baseline and "." not in baseline.group(1).rsplit(" ", 1)[1]


def pdf_text(pdf, _tmp_path):
    return "\n".join(pdf_page_texts(pdf))


def test_the_summary_pdf_follows_the_locale(demo, tmp_path):
    from diary.models import User

    client = demo.test_client()
    login(client, DEMO_EMAIL, DEMO_PASSWORD)
    with demo.app_context():
        user = db.session.query(User).filter_by(email=DEMO_EMAIL).one()
        user.locale, user.display_name = "en_XA", "陳大文"
        db.session.commit()
    response = client.get("/api/v1/export/summary.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = pdf_text(response.data, tmp_path)
    heading = pseudo("Pain and acupuncture: course summary").replace(" ", "")
    assert heading[:20] in text.replace(" ", "")
    with demo.app_context():
        user = db.session.query(User).filter_by(email=DEMO_EMAIL).one()
        user.locale = "zh_Hant"
        db.session.commit()
    text = pdf_text(client.get("/api/v1/export/summary.pdf").data, tmp_path)
    assert "陳大文" in text  # a CJK font is found (Noto CJK)
    assert re.search(r"\d+月\d+日", text)  # dates in the Chinese way
