"""Languages (PRODUCT.md section 15): which locale a request gets, and where it is kept."""

from datetime import date
from types import SimpleNamespace

import pytest
from flask import g, render_template_string
from flask_babel import gettext
from helpers import page_csrf, register
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from diary.core import i18n
from diary.core.i18n import PSEUDO, match, negotiate, pseudo


def header(value):
    return parse_accept_header(value, LanguageAccept)


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("zh", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh-SG", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("zh-Hans-CN", "zh_Hans"),
        ("zh-Hans-HK", "zh_Hans"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("zh-MO", "zh_Hant"),
        ("zh-Hant", "zh_Hant"),
        ("zh-Hant-TW", "zh_Hant"),
        ("zh_TW", "zh_Hant"),
        ("ZH-hant-hk", "zh_Hant"),
        ("de", "de"),
        ("de-AT", "de"),
        ("de-CH", "de"),
        ("es-419", "es"),
        ("es-MX", "es"),
        ("fr-CA", "fr"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("ja", None),
        ("pt-BR", None),
        ("en-XA", "en"),  # the pseudo-locale only when PSEUDO_LOCALE is on
    ],
)
def test_each_language_tag_finds_its_shipped_locale(tag, locale):
    assert match(tag) == locale


def test_the_pseudo_locale_is_matched_only_when_turned_on():
    assert match("en-XA", pseudo=True) == PSEUDO
    assert negotiate(header("en-XA,en;q=0.5"), pseudo=False) == "en"


@pytest.mark.parametrize(
    ("accept", "locale"),
    [
        ("ja, zh-TW;q=0.8, en;q=0.5", "zh_Hant"),
        ("pt-BR,pt;q=0.9,de;q=0.8,en;q=0.7", "de"),
        ("en;q=0.4, fr;q=0.9", "fr"),
        ("fr;q=0, es", "es"),
        ("*", None),
        ("", None),
        ("ja,ko", None),
    ],
)
def test_the_browser_list_is_read_best_first(accept, locale):
    assert negotiate(header(accept)) == locale


def test_pseudo_text_is_bracketed_longer_and_keeps_placeholders():
    text = "Saved %(count)s entries on <strong>%(day)s</strong> {n}"
    made = pseudo(text)
    assert made.startswith("[") and made.endswith("]")
    assert len(made) >= len(text) * 1.3
    for kept in ("%(count)s", "<strong>", "%(day)s", "</strong>", "{n}"):
        assert kept in made


def lang_of(response):
    html = response.get_data(as_text=True)
    return html.split("<html lang=\"", 1)[1].split('"', 1)[0]


def test_a_page_follows_the_browser_then_the_profile(client):
    assert lang_of(client.get("/login")) == "en"
    assert lang_of(client.get("/login", headers={"Accept-Language": "zh-TW"})) == "zh-Hant"
    assert lang_of(client.get("/login", headers={"Accept-Language": "zh-CN,en"})) == "zh-Hans"
    response = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert lang_of(response) == "de"
    assert "Accept-Language" in response.headers["Vary"]


def test_sign_up_keeps_the_language_of_its_page(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9,en;q=0.5"
    assert register(client, timezone="Europe/Berlin").status_code == 303
    assert client.get("/api/v1/me").get_json()["locale"] == "de"
    # The profile wins over the browser from now on.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert lang_of(client.get("/account")) == "de"


def test_sign_up_without_a_language_follows_the_browser_later(client):
    register(client)
    assert client.get("/api/v1/me").get_json()["locale"] is None
    assert lang_of(client.get("/account", headers={"Accept-Language": "es"})) == "es"


def test_the_api_sets_and_clears_the_locale(api):
    assert api.patch("/me", {"locale": "zh_Hant"}).get_json()["locale"] == "zh_Hant"
    assert lang_of(api.client.get("/account")) == "zh-Hant"
    assert api.patch("/me", {"locale": None}).get_json()["locale"] is None
    assert lang_of(api.client.get("/account")) == "en"


@pytest.mark.parametrize("bad", ["xx", "de-DE", "zh", "en_XA", "EN", 5, ["de"]])
def test_a_locale_we_do_not_ship_is_refused_naming_the_field(api, bad):
    api.patch("/me", {"locale": "fr"})
    response = api.patch("/me", {"locale": bad})
    assert response.status_code == 422
    assert "locale" in response.get_json()["error"]["fields"]
    assert api.get("/me").get_json()["locale"] == "fr"


def test_the_account_page_sets_the_language(client):
    register(client)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="locale"' in page and "Deutsch" in page and "繁體中文" in page
    token = page_csrf(client, "/account")
    response = client.post(
        "/account/profile",
        data={"csrf_token": token, "display_name": "", "timezone": "Europe/Berlin",
              "locale": "fr"},
    )
    assert response.status_code == 303
    assert client.get("/api/v1/me").get_json()["locale"] == "fr"
    # The confirmation is already in the language just chosen, though the page that asked was
    # English (the request's catalogue is looked up again).
    assert "Profil enregistré." in client.get(response.headers["Location"]).get_data(as_text=True)
    bad = client.post(
        "/account/profile",
        data={"csrf_token": token, "display_name": "", "timezone": "Europe/Berlin",
              "locale": "klingon"},
    )
    assert bad.status_code == 422
    assert client.get("/api/v1/me").get_json()["locale"] == "fr"


def test_messages_follow_a_forced_locale_and_a_changed_profile(app):
    """The request keeps its catalogue at hand; a forced locale and a refresh still change it."""
    user = SimpleNamespace(locale="fr", is_authenticated=True)

    def both():
        return gettext("Profile saved."), render_template_string("{{ _('Profile saved.') }}")

    def one_day():  # dates, numbers and percentages follow the same choice
        return render_template_string("{{ day|day }}", day=date(2026, 11, 25))

    with app.test_request_context(headers={"Accept-Language": "zh-TW"}):
        g._login_user = user  # noqa: SLF001 - Flask-Login's own place for the request's user
        assert both() == ("Profil enregistré.",) * 2
        assert one_day() == "mer. 25 nov. 2026"
        with i18n.patient_locale(SimpleNamespace(locale="de")):
            assert both() == ("Profil gespeichert.",) * 2
            assert one_day() == "Mi., 25. Nov. 2026"
        assert both() == ("Profil enregistré.",) * 2
        assert one_day() == "mer. 25 nov. 2026"
        user.locale = "es"
        i18n.refresh()
        assert both() == ("Perfil guardado.",) * 2
        assert one_day() == "mié, 25 nov 2026"


@pytest.mark.parametrize(
    ("accept", "day", "number", "span"),
    [
        ("en", "Wed 25 Nov 2026", "1,234.5", "Fri 28 Aug – Wed 25 Nov 2026"),
        # CLDR's own spacing: thin spaces around the dash, a narrow no-break space in French.
        ("de", "Mi., 25. Nov. 2026", "1.234,5", "Fr., 28. Aug.\u2009–\u2009Mi., 25. Nov. 2026"),
        ("fr", "mer. 25 nov. 2026", "1\u202f234,5", "ven. 28 août\u2009–\u2009mer. 25 nov. 2026"),
        ("es", "mié, 25 nov 2026", "1.234,5", "vie, 28 ago\u2009–\u2009mié, 25 nov 2026"),
        ("zh-CN", "2026年11月25日周三", "1,234.5", "2026年8月28日周五至11月25日周三"),
        ("zh-TW", "2026年11月25日 週三", "1,234.5", "2026年8月28日週五至11月25日週三"),
    ],
)
def test_dates_and_numbers_follow_the_locale(app, accept, day, number, span):
    from datetime import date

    from diary.core.templating import decimal, friendly_date, friendly_range

    with app.test_request_context(headers={"Accept-Language": accept}):
        assert friendly_date(date(2026, 11, 25)) == day
        assert decimal(1234.5) == number
        assert friendly_range(date(2026, 8, 28), date(2026, 11, 25)) == span


@pytest.mark.parametrize(
    ("accept", "words"),
    [
        ("de-DE", ["Schmerztagebuch", "Anmelden", "Passwort"]),
        ("es-ES", ["Diario del dolor", "Contraseña"]),
        ("fr-FR", ["Journal de la douleur", "Mot de passe"]),
        ("zh-CN", ["疼痛日记", "密码"]),
        ("zh-TW", ["疼痛日記", "密碼"]),
    ],
)
def test_the_login_page_is_in_each_language(client, accept, words):
    html = client.get("/login", headers={"Accept-Language": accept}).get_data(as_text=True)
    for word in words:
        assert word in html
    assert "Log in to your pain diary" not in html


def test_the_api_vocabulary_comes_in_the_profile_language_with_english_keys(api):
    english = api.get("/vocabulary").get_json()
    api.patch("/me", {"locale": "de"})
    german = api.get("/vocabulary").get_json()
    assert [item["key"] for item in german["pain_types"]] == [
        item["key"] for item in english["pain_types"]
    ]
    labels = {item["key"]: item["label"] for item in german["pain_types"]}
    assert labels["burning"] == "Brennend"


def test_a_reminder_for_a_german_patient_is_in_german(app):
    from types import SimpleNamespace

    from diary.core.i18n import patient_locale
    from diary.services import push
    from diary.services.reminder_sender import reminder_mail

    with app.app_context(), patient_locale(SimpleNamespace(locale="de")):
        assert push.payload("log")["title"] == "Schmerztagebuch"
        subject, body, headers = reminder_mail(SimpleNamespace(kind="log", user_id=1))
    assert subject == "Zeit, Ihre Schmerzen einzutragen"
    assert "Schmerztagebuch" in body and headers["Content-Language"] == "de"


@pytest.mark.parametrize(
    ("accept", "foot"), [("de-DE", "Seite 1 von 2"), ("zh-TW", "第 1 頁，共 2 頁")]
)
def test_the_summary_pdf_keeps_to_two_pages_in_a_longer_language(app, accept, foot):
    from helpers import login, pdf_page_count, pdf_page_texts, require_poppler

    from diary.cli import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

    require_poppler()
    with app.app_context():
        seed_demo()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept
    login(client, DEMO_EMAIL, DEMO_PASSWORD)
    pdf = client.get("/trends/summary.pdf?days=90").data
    assert pdf_page_count(pdf) == 2
    assert foot in pdf_page_texts(pdf)[0]
