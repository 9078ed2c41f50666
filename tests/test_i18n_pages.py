"""Every page in the pseudo-locale: no text that was never marked for translation.

The server-rendered half of the crawl (PRODUCT.md section 15); tests/browser/test_i18n.py walks
the same pages in Chromium, with the text scripts write. Each role follows every link it sees.
"""

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from helpers import login, page_csrf
from pseudo import untranslated

from diary.cli import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    PRACTITIONER_EMAIL,
    PRACTITIONER_PASSWORD,
    seed_demo,
    seed_practice_demo,
)
from diary.core.extensions import db
from diary.models import AcupunctureSession, CustomTerm, Entry, ShareLink, User

PSEUDO = {"HTTP_ACCEPT_LANGUAGE": "en-XA,en;q=0.5"}
# Links a crawl does not follow: they log out, download, or are the API.
NOT_FOLLOWED = re.compile(r"logout|/api/|/static/|\.(csv|pdf|json|webmanifest)$|export|download")
MAX_PAGES = 150
# One page of each kind: /entries/<id>/edit once, not once per entry.
IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<=/)\d+(?=/|$)")


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo()
        seed_practice_demo()
    return app


def pseudo_client(app):
    """A browser asking for the pseudo-locale."""
    client = app.test_client()
    client.environ_base.update(PSEUDO)
    return client


def own_words(app):
    """Everything the people in the database typed: shown as they typed it."""
    with app.app_context():
        words = set()
        for model, columns in (
            (Entry, ("notes", "medications")),
            (AcupunctureSession, ("notes", "practitioner", "points", "recorded_by")),
            (CustomTerm, ("label",)),
            (ShareLink, ("label",)),
            (User, ("display_name", "practice", "email")),
        ):
            for column in columns:
                words.update(v for (v,) in db.session.query(getattr(model, column)) if v)
    return sorted(words, key=len, reverse=True)


def crawl(client, start, own):
    """``{path: [untranslated text]}`` for every page reachable from ``start``."""
    seen, queue, problems = set(), list(start), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        kind = IDS.sub("{id}", path)
        if kind in seen:
            continue
        seen.add(kind)
        response = client.get(path)
        if response.status_code in (301, 302, 303):
            queue.append(urlsplit(response.headers["Location"]).path)
            continue
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        found = untranslated(html, own)
        if found:
            problems[path] = found
        for href in re.findall(r'href="([^"]+)"', html):
            href = urldefrag(href)[0]
            if href.startswith("/") and not NOT_FOLLOWED.search(href):
                queue.append(href)
    assert len(seen) > 5, seen
    return problems


def test_a_logged_out_visitor_sees_no_untranslated_text(app):
    client = pseudo_client(app)
    start = ["/login", "/register", "/password/forgot", "/offline"]
    assert crawl(client, start, []) == {}


def test_a_patient_sees_no_untranslated_text(demo):
    client = pseudo_client(demo)
    login(client, DEMO_EMAIL, DEMO_PASSWORD)
    start = ["/", "/entries/new", "/history", "/trends", "/sessions", "/check-in", "/account",
             "/shares", "/reminders", "/care-team", "/account/password", "/account/totp"]
    assert crawl(client, start, own_words(demo)) == {}


def test_a_practitioner_sees_no_untranslated_text(demo):
    client = pseudo_client(demo)
    login(client, PRACTITIONER_EMAIL, PRACTITIONER_PASSWORD)
    assert crawl(client, ["/practice", "/practice/code", "/account"], own_words(demo)) == {}


def test_the_report_a_link_opens_has_no_untranslated_text(demo):
    patient = demo.test_client()
    login(patient, DEMO_EMAIL, DEMO_PASSWORD)
    patient.post("/api/v1/me/confirm", json={"password": DEMO_PASSWORD},
                 headers={"X-CSRFToken": page_csrf(patient, "/shares")})
    made = patient.post("/api/v1/shares", json={"label": "[Dr]", "days": 90},
                        headers={"X-CSRFToken": page_csrf(patient, "/shares")})
    assert made.status_code == 201, made.get_data(as_text=True)
    reader = pseudo_client(demo)
    path = urlsplit(made.get_json()["url"]).path
    assert crawl(reader, [path], own_words(demo)) == {}
