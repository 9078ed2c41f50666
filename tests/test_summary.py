"""The course-summary PDF (PRODUCT.md section 14): every number the trends give, two A4 pages at
most, nothing fetched but the app's own static files, notes only where a link allows them."""

import re
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from helpers import (
    PEG_ANSWERS,
    RED_FLAGS_NO,
    Api,
    entry_body,
    login,
    pdf_page_count,
    pdf_page_texts,
    pdf_raw_text,
    require_poppler,
    response_body,
    session_body,
)
from sqlalchemy import select

import diary
from bench import dataset
from diary.charts import chart_context
from diary.cli import seed_demo
from diary.core.extensions import db
from diary.models import ShareLink, User
from diary.services import summary
from diary.services.questionnaires import verdicts
from diary.vocabulary import location_label

STATIC = Path(diary.__file__).parent.parent / "static"


@pytest.fixture(autouse=True)
def _poppler():
    require_poppler()


@pytest.fixture
def demo(app):
    """The demo patient (`flask seed-demo`: ten weeks, eight sessions), logged in just now."""
    with app.app_context():
        seed_demo()
    client = app.test_client()
    assert login(client, email="demo@example.com", password="sciatica-demo").status_code == 303
    return Api(client)


def shown(value):
    """A trends number as a page shows it: the API's value, no trailing zeros (6.5, 6, -2.25);
    a dash for none."""
    return "–" if value is None else f"{value:g}"


def signed(value):
    """A change with its sign, as the summary shows it."""
    return ("+" if value > 0 else "") + shown(value)


def count(number, one, many=None):
    """``1 day``, ``2 days``."""
    return f"{number} {one if number == 1 else many or one + 's'}"


def text_of(pdf):
    """The PDF's text, every page, laid out as printed."""
    return "\n".join(pdf_page_texts(pdf))


def cell_then(name, pattern):
    """``name`` in a table cell, then ``pattern``: a long name may wrap in its cell, leaving the
    rest of the line to the cells after its first line."""
    words = [re.escape(word) for word in name.split()]
    starts = [r"\s+".join(words[:count]) for count in range(len(words), 0, -1)]
    return rf"(?:{'|'.join(starts)})\s+{pattern}"


def assert_holds_the_trends(text, trends, labels):
    """Every number of the trends document the summary shows is in the PDF's text."""
    entry_days = [day for day in trends["days"] if day["entries"]]
    entries = sum(day["entries"] for day in entry_days)
    flat = " ".join(text.split())  # phrases may wrap
    assert f"{count(entries, 'entry', 'entries')} on {count(len(entry_days), 'day')}" in flat
    assert f"{count(len(trends['sessions']), 'session')} in this period" in flat
    for measure, name in (("overall", "Overall pain"), ("back", "Back pain"), ("leg", "Leg pain")):
        result = trends["progress"][measure]
        if result is None:
            continue
        baseline, current = shown(result["baseline"]["mean"]), shown(result["current"]["mean"])
        if result["category"] == "too_early":
            assert re.search(rf"{name}\s+{baseline}\s+{current}\s+–", text), name
            continue
        assert re.search(
            rf"{name}\s+{baseline}\s+{current}\s+{re.escape(signed(result['absolute']))}\s", text
        ), name
        assert f"{signed(result['percent'])}%" in text
    left_out = re.search(r"leaves out sessions #(\d+)–(\d+)", text)
    hidden = range(int(left_out[1]), int(left_out[2]) + 1) if left_out else range(0)
    for session, interval in zip(trends["sessions"], trends["intervals"], strict=True):
        if session["number"] in hidden:
            continue
        row = (
            rf"(?<!\S){session['number']}\s+\w{{3}} \d+ \w{{3}} \d{{4}}\s+"
            rf"{shown(session['pain_before'])}\s*→\s*{shown(session['pain_after'])}\s+"
            rf"{shown(interval['pre_session'])}\s+{shown(interval['mean_overall'])}\s+"
            rf"{shown(interval['relief_days'])}(?!\S)"
        )
        assert re.search(row, text), f"session {session['number']}: {row}"
    for item in trends["triggers"][:5]:
        name = labels["triggers"][item["key"]]
        means = rf"{shown(item['mean_with'])}\s+{shown(item['mean_without'])}"
        assert re.search(cell_then(name, rf"{item['days']}\s+{means}(?!\S)"), text), name
    for name, days in [
        *((location_label(i["region"], i["side"]), i["days"]) for i in trends["locations"][:5]),
        *((labels["pain_types"][i["key"]], i["days"]) for i in trends["pain_types"][:5]),
    ]:
        assert re.search(cell_then(name, rf"{days}(?!\S)"), text), name


def raw_flat(pdf):
    """The PDF's text in drawing order, on one line: side-by-side cells stay apart."""
    return " ".join(pdf_raw_text(pdf).split())


def minus(text):
    """A change as the questionnaire cells write it, with a real minus sign."""
    return text.replace("-", "\u2212")


def assert_holds_the_questionnaires(flat, found):
    """Each questionnaire's verdict in words, and its numbers as the API gives them."""
    for verdict in verdicts(found, None):
        trend = found[verdict["key"]]
        assert verdict["words"] in flat, verdict["words"]
        if trend["baseline"] is None:
            assert f"Latest answer {shown(trend['latest'])}." in flat
            continue
        numbers = (
            f"First {shown(trend['baseline'])}, latest {shown(trend['latest'])}, "
            f"change {minus(signed(trend['change']))}"
        )
        if trend["percent"] is not None:
            numbers += f" ({minus(signed(trend['percent']))}%)"
        assert numbers in flat, numbers
        if verdict["threshold"] is not None:
            assert f"(dashed line, {shown(verdict['threshold'])})" in flat
        assert f"{count(len(trend['points']), 'answer')} in this period" in flat


def vocabulary_labels(api):
    """key -> label per category, from GET /api/v1/vocabulary."""
    vocabulary = api.get("/vocabulary").get_json()
    return {name: {t["key"]: t["label"] for t in terms} for name, terms in vocabulary.items()}


def test_the_demos_summary_holds_every_number_of_its_trends_on_two_pages(demo):
    response = demo.get("/export/summary.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    trends = demo.get("/trends").get_json()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="pain-summary-{trends["range"]["from"]}-to-'
        f'{trends["range"]["to"]}.pdf"'
    )
    pages = pdf_page_texts(response.data)
    assert pdf_page_count(response.data) == len(pages) <= 2
    assert_holds_the_trends("\n".join(pages), trends, vocabulary_labels(demo))
    assert_holds_the_questionnaires(raw_flat(response.data), trends["questionnaires"])
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Alex Demo" in page


def test_the_summary_is_for_the_range_asked(demo):
    today = date.fromisoformat(demo.get("/trends").get_json()["range"]["to"])
    query = f"?from={today - timedelta(days=29)}&to={today}"
    trends = demo.get("/trends" + query).get_json()
    pdf = demo.get("/export/summary.pdf" + query).data
    assert_holds_the_trends(text_of(pdf), trends, vocabulary_labels(demo))
    assert_holds_the_questionnaires(raw_flat(pdf), trends["questionnaires"])
    assert demo.get("/export/summary.pdf?from=2026-02-30").status_code == 422
    assert demo.get("/export/summary.pdf?from=2026-03-02&to=2026-03-01").status_code == 422


def test_a_dense_year_fits_two_pages_with_its_numbers(app, api, monkeypatch):
    """Two entries a day with a long note each, a session twice a week, the weekly PEG with the
    red flags (six of them yes), the RMDQ every four weeks and the PGIC after each session, for
    a year."""
    entries, sessions, first, last = dataset.diary(365, 104)
    for entry in entries:
        entry["notes"] = "Sat too long at work, then the drive home; burning down the leg. " * 20
    responses = dataset.questionnaires(sessions, first, last, red_flag_weeks=(5, 9, 20, 30, 40, 50))
    document = dataset.backup_document(entries, sessions, responses=responses)
    restored = api.post("/import/backup", document)
    assert restored.status_code == 200 and restored.get_json()["responses"] == len(responses)
    api.patch("/me", {"display_name": "Alexandra Demonstration-Longname"})
    query = "?" + dataset.date_range(first, last)
    drawn = []

    class Counted(summary.HTML):
        def render(self, *args, **kwargs):
            drawn.append(super().render(*args, **kwargs))
            return drawn[-1]

    monkeypatch.setattr(summary, "HTML", Counted)
    response = api.get("/export/summary.pdf" + query)
    assert pdf_page_count(response.data) <= 2
    # Too long with every row, then at once the level that fits: the ones between could not
    # have removed enough, measured on the first drawing.
    assert [len(document.pages) for document in drawn] == [3, 2]
    text = text_of(response.data)
    trends = api.get("/trends" + query).get_json()
    assert_holds_the_trends(text, trends, vocabulary_labels(api))
    assert_holds_the_questionnaires(raw_flat(response.data), trends["questionnaires"])
    assert "leaves out sessions #1–" in text and "the chart shows every session" in text
    assert "Warning signs reported: 6 of 53 red-flag checks in this period answered yes." in (
        " ".join(pdf_page_texts(response.data)[0].split())
    )


def test_a_diary_without_entries_gets_a_one_page_summary(api):
    response = api.get("/export/summary.pdf")
    assert response.status_code == 200
    text = text_of(response.data)
    assert pdf_page_count(response.data) == 1
    assert "No entries in this period" in text and "0 entries on 0 days" in text


def test_too_early_says_not_enough_data_yet_and_why(api):
    api.post("/entries", entry_body(recorded_at="2026-03-02T08:30:00Z"))
    query = "?from=2026-03-01&to=2026-03-05"
    text = text_of(api.get("/export/summary.pdf" + query).data)
    assert_holds_the_trends(text, api.get("/trends" + query).get_json(), vocabulary_labels(api))
    assert text.count("Not enough data yet") == 3 and "overlap" in text


def test_the_fetcher_is_asked_only_for_the_apps_static_files(demo, monkeypatch):
    asked = []
    fetch = summary.StaticFilesOnly.fetch

    def recording(self, url, headers=None):
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(summary.StaticFilesOnly, "fetch", recording)
    assert demo.get("/export/summary.pdf").status_code == 200
    root = STATIC.resolve().as_uri() + "/"
    assert asked and all(url.startswith(root) for url in asked), asked
    assert root + "css/summary.css" in asked


class _CountingHandler(BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        """Quiet."""


def test_rendering_fetches_nothing_else_whatever_the_html_names(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    outside = tmp_path / "outside.css"
    outside.write_text("body { color: red }")
    base = f"http://127.0.0.1:{server.server_port}"
    html = (
        f'<html><head><link rel="stylesheet" href="{base}/style.css">'
        f'<link rel="stylesheet" href="{outside.as_uri()}">'
        '<link rel="stylesheet" href="../../../../../../etc/passwd">'
        '<link rel="stylesheet" href="css/summary.css"></head>'
        f'<body><img src="{base}/image.png"><p>Hello</p></body></html>'
    )
    try:
        pdf = summary.render_pdf(lambda level: html, STATIC)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert _CountingHandler.hits == []
    assert pdf.startswith(b"%PDF") and "Hello" in text_of(pdf)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/static/css/summary.css",
        "https://cdn.jsdelivr.net/npm/chart.js",
        "data:text/css,body{}",
        "file:///etc/passwd",
        (STATIC / "css" / ".." / ".." / "pyproject.toml").as_uri(),
        (STATIC / "css" / "missing.css").as_uri(),
        "file://otherhost" + (STATIC / "css" / "summary.css").as_posix(),
    ],
)
def test_the_fetcher_refuses_anything_but_a_static_file(url):
    fetcher = summary.StaticFilesOnly(STATIC)
    assert fetcher.local_path(url) is None
    with pytest.raises(ValueError, match="only the app's own static files"):
        fetcher.fetch(url)


def test_the_fetcher_serves_a_static_file():
    fetcher = summary.StaticFilesOnly(STATIC)
    response = fetcher.fetch((STATIC / "css" / "summary.css").as_uri())
    assert response.content_type == "text/css" and b"@page" in response.read()


# --- who may download it --------------------------------------------------------------------


def _age_login(client, seconds=16 * 60):
    with client.session_transaction() as session:
        session["auth_at"] -= seconds


def test_the_patients_summary_needs_a_login_and_a_recent_password(app, api):
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/export/summary.pdf").status_code == 401
    assert anonymous.get("/trends/summary.pdf").headers["Location"].startswith("/login")
    _age_login(api.client)
    stale = api.get("/export/summary.pdf")
    assert stale.status_code == 401
    assert "/api/v1/me/confirm" in stale.get_json()["error"]["message"]
    page = api.client.get("/trends/summary.pdf?from=2026-03-01&to=2026-03-31")
    assert page.status_code == 302
    assert page.headers["Location"] == (
        "/confirm-password?next=/trends/summary.pdf?from%3D2026-03-01%26to%3D2026-03-31"
    )
    assert api.post("/me/confirm", {"password": "correct horse battery"}).status_code == 204
    assert api.get("/export/summary.pdf").status_code == 200
    fresh = api.client.get("/trends/summary.pdf?from=2026-03-01&to=2026-03-31")
    assert fresh.status_code == 200 and fresh.mimetype == "application/pdf"
    assert (
        'filename="pain-summary-2026-03-01-to-2026-03-31.pdf"'
        in (fresh.headers["Content-Disposition"])
    )


@pytest.fixture
def noted(api):
    """A patient with a display name, a session and an entry with a note in March 2026."""
    api.patch("/me", {"display_name": "Sam Patient"})
    api.post("/sessions", session_body(started_at="2026-03-03T10:00:00Z"))
    api.post("/entries", entry_body(recorded_at="2026-03-02T08:00:00Z", notes="Secret note."))
    api.post("/entries", entry_body(recorded_at="2026-03-04T08:00:00Z", notes=""))
    return api


def _share(api, include_notes):
    created = api.post("/shares", {"label": "Dr Lee", "include_notes": include_notes})
    assert created.status_code == 201
    return created.get_json()


MARCH = "?from=2026-03-01&to=2026-03-31"


def _without_made_line(text):
    return re.sub(r"made \w{3} \d+ \w{3} \d{4}, \d\d:\d\d", "made", text)


def test_a_share_links_summary_is_the_patients_with_notes_only_if_allowed(client, noted):
    own = text_of(noted.get("/export/summary.pdf" + MARCH).data)
    assert "Secret note." in own and "Sam Patient" in own
    with_notes = client.get(f"/s/{_share(noted, True)['token']}/summary.pdf{MARCH}")
    assert with_notes.status_code == 200 and with_notes.mimetype == "application/pdf"
    assert _without_made_line(text_of(with_notes.data)) == _without_made_line(own)
    without = client.get(f"/s/{_share(noted, False)['token']}/summary.pdf{MARCH}")
    text = text_of(without.data)
    assert "Secret note." not in text and "Patient's notes" not in text
    assert "Sam Patient" in text and "1 sessions" not in text and "1 session in" in text
    for response in (with_notes, without):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Content-Disposition"].startswith("attachment;")


def test_a_share_links_summary_holds_no_other_patients_data(client, noted, other_api):
    other_api.patch("/me", {"display_name": "Other Person"})
    other_api.post("/entries", entry_body(recorded_at="2026-03-02T09:00:00Z", notes="Not hers."))
    text = text_of(client.get(f"/s/{_share(noted, True)['token']}/summary.pdf{MARCH}").data)
    assert "Other Person" not in text and "Not hers." not in text
    assert "1 entry on 1 day" not in text and "2 entries on 2 days" in text


def test_a_revoked_or_expired_link_gives_no_summary(app, client, noted):
    revoked, expired = _share(noted, True), _share(noted, True)
    assert noted.delete(f"/shares/{revoked['id']}").status_code == 204
    with app.app_context():
        db.session.get(ShareLink, expired["id"]).expires_at -= timedelta(days=31)
        db.session.commit()
    unknown = client.get("/s/" + "A" * 43 + "/summary.pdf")
    assert unknown.status_code == 404
    for created in (revoked, expired):
        gone = client.get(f"/s/{created['token']}/summary.pdf")
        assert gone.status_code == 404 and gone.get_data() == unknown.get_data()
        assert gone.mimetype == "text/html"


def test_downloading_the_summary_is_not_a_view(client, noted):
    created = _share(noted, False)
    assert client.get(f"/s/{created['token']}/summary.pdf").status_code == 200
    listed = noted.get("/shares").get_json()["shares"]
    assert listed[0]["view_count"] == 0


def test_the_report_and_trends_offer_the_pdf_for_the_range_shown(client, noted):
    created = _share(noted, False)
    report = client.get(f"/s/{created['token']}{MARCH}").get_data(as_text=True)
    assert f'href="/s/{created["token"]}/summary.pdf?from=2026-03-01&amp;to=2026-03-31"' in report
    trends = noted.client.get("/trends" + MARCH).get_data(as_text=True)
    assert 'href="/trends/summary.pdf?from=2026-03-01&amp;to=2026-03-31">Download PDF' in trends


# --- questionnaires (PRODUCT.md section 11), when the trends document has them -------------


def test_questionnaires_get_their_verdicts_and_charts_when_the_trends_have_them(app, noted):
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == "pat@example.com"))
        chart = chart_context(user, date(2026, 3, 1), date(2026, 3, 31))
        chart["data"]["questionnaires"] = {"peg": None, "rmdq": None, "pgic": None}
        assert summary.summary_context(chart, "Sam")["questionnaires"] == []
        chart["data"]["questionnaires"] = {
            "peg": {"points": [{"date": "2026-03-02", "score": 4.0}], "baseline": 6.67,
                    "latest": 4.0, "change": -2.67, "percent": -40.03, "meaningful": True},
            "rmdq": None,
            "pgic": {"points": [], "baseline": None, "latest": 2, "change": None,
                     "percent": None, "meaningful": True},
        }  # fmt: skip
        cells = summary.summary_context(chart, "Sam")["questionnaires"]
    assert [(c["verdict"], c["details"], c["meaningful"], c["answers"]) for c in cells] == [
        (
            "PEG 6.67 \u2192 4, \u221240.03 %: a meaningful improvement",
            "First 6.67, latest 4, change \u22122.67 (\u221240.03%). Meaningful: 30% lower "
            "than the first (dashed line, 4.67).",
            True,
            1,
        ),
        (
            "PGIC: much improved (a meaningful improvement)",
            "Latest answer 2. Meaningful: 1 very much or 2 much improved (shaded).",
            True,
            0,
        ),
    ]
    assert 'class="threshold"' in cells[0]["chart"] and "4.67</text>" in cells[0]["chart"]
    assert (
        'class="responders"' in cells[1]["chart"]
        and "No answers in this period" in (cells[1]["chart"])
    )


def _red_flags(api, answered_at, **yes):
    body = response_body(instrument="red_flags", answers={**RED_FLAGS_NO, **yes})
    body["answered_at"] = answered_at
    assert api.post("/responses", body).status_code == 201


def test_a_red_flag_answered_yes_leads_page_one_with_its_date_and_signs(client, noted):
    noted.post("/responses", response_body(answered_at="2026-03-05T08:59:00Z"))
    _red_flags(noted, "2026-03-05T09:00:00Z", bladder=True, both_legs=True)
    _red_flags(noted, "2026-03-12T09:00:00Z")
    _red_flags(noted, "2026-03-19T09:00:00Z", saddle_numbness=True)
    _red_flags(noted, "2026-04-02T09:00:00Z", bowel=True)  # after the range
    pdf = noted.get("/export/summary.pdf" + MARCH).data
    first_page = " ".join(pdf_page_texts(pdf)[0].split())
    alert = first_page.split("Pain is self-reported")[0]  # above everything else but the name
    assert "Warning signs reported: 2 of 3 red-flag checks in this period answered yes." in alert
    assert "cauda equina syndrome, a medical emergency" in alert
    assert "Thu 5 Mar 2026: bladder trouble; symptoms in both legs" in alert
    assert "Thu 19 Mar 2026: saddle numbness" in alert
    assert "bowel" not in alert.split("answered yes.")[1] and "Thu 2 Apr" not in alert
    flat = raw_flat(pdf)
    assert "No warning signs reported" not in flat
    assert "asked with each PEG: reported on 2 of 3 checks" in flat
    shared = client.get(f"/s/{_share(noted, False)['token']}/summary.pdf{MARCH}").data
    assert alert in " ".join(pdf_page_texts(shared)[0].split())


def test_without_a_yes_the_summary_says_no_warning_signs_with_the_checks_counted(demo):
    trends = demo.get("/trends").get_json()
    query = f"?instrument=red_flags&from={trends['range']['from']}&to={trends['range']['to']}"
    checks = len(demo.get("/responses" + query).get_json()["responses"])
    assert checks >= 8
    flat = raw_flat(demo.get("/export/summary.pdf").data)
    assert f"No warning signs reported ({checks} checks)." in flat
    assert "Warning signs reported:" not in flat


def test_the_questionnaires_numbers_are_those_of_the_trends_for_a_range_with_answers(noted):
    for day, pain in (("02", 8), ("09", 6), ("16", 5), ("23", 4)):
        answers = {**PEG_ANSWERS, "pain": pain}
        body = response_body(answered_at=f"2026-03-{day}T09:00:00Z", answers=answers)
        assert noted.post("/responses", body).status_code == 201
    pgic = response_body(instrument="pgic", answers={"change": 3})
    pgic["answered_at"] = "2026-03-03T18:00:00Z"
    assert noted.post("/responses", pgic).status_code == 201
    found = noted.get("/trends" + MARCH).get_json()["questionnaires"]
    assert found["peg"]["meaningful"] is False and found["rmdq"] is None
    flat = raw_flat(noted.get("/export/summary.pdf" + MARCH).data)
    assert_holds_the_questionnaires(flat, found)
    assert "PGIC: minimally improved (not a responder)" in flat
    assert "not a meaningful change yet" in flat and "RMDQ" not in flat


class _Page:
    def __init__(self, anchors):
        self.anchors = anchors


class _Drawn:
    """A drawn document as ``next_level`` sees it: pages with their anchors (x1, y1, x2, y2)."""

    def __init__(
        self, end_page, end_mm, sessions=0, per_line=1, notes=0, note_mm=5.0, room_mm=None
    ):
        mm = summary.MM
        pages = [{} for _ in range(end_page + 1)]
        top = summary.CONTENT_TOP
        for index in range(sessions):  # 4.5 mm lines from the top of page 2
            line = index // per_line
            y = top + line * 4.5 * mm
            pages[1][f"session-{index + 1}"] = (0, y, 10, y + 4.5 * mm)
        for index in range(notes):
            y = top + index * note_mm * mm
            pages[end_page][f"note-{index + 1}"] = (0, y, 10, y + note_mm * mm)
        if room_mm is not None:  # the sessions end room_mm above the foot of page 2
            y = top + summary.CONTENT_HEIGHT - room_mm * mm
            pages[1]["after-sessions"] = (0, y, 10, y)
            pages[2]["frequent"] = (0, top, 10, top + 40 * mm)
        y = top + end_mm * mm
        pages[end_page]["summary-end"] = (0, y, 10, y)
        self.pages = [_Page(anchors) for anchors in pages]


@pytest.mark.parametrize(
    ("drawn", "level", "chosen"),
    [
        # 20 mm over: fewer, shorter notes are enough (10 notes of 5 mm: 6 out, 4 shortened).
        (_Drawn(2, 20, sessions=52, per_line=2, notes=10), 0, 1),
        # 100 mm over: notes alone (at most 50 mm) cannot do it; 14 lines fewer can.
        (_Drawn(2, 100, sessions=52, per_line=2, notes=10), 0, 2),
        # 150 mm over, notes already gone: fewer sessions are not enough; the last level (the
        # smaller type, whose gain is not measured) all the same.
        (_Drawn(2, 150, sessions=24, per_line=2), 2, len(summary.LEVELS) - 1),
        # More than anything can remove: the last level all the same.
        (_Drawn(3, 200, sessions=52, per_line=2, notes=10), 0, len(summary.LEVELS) - 1),
        # One session a line: every left-out session is a line.
        (_Drawn(2, 60, sessions=52, per_line=1), 1, 2),
        # 80 mm over: 14 lines fewer (63 mm) are enough only if the next section, pushed to
        # page 3, moves up into the 30 mm left at the foot of page 2.
        (_Drawn(2, 80, sessions=52, per_line=2, room_mm=30), 0, 2),
        (_Drawn(2, 80, sessions=52, per_line=2), 0, 3),
        # Notes come after that section: leaving them out frees no such room.
        (_Drawn(2, 40, sessions=52, per_line=2, notes=10, room_mm=30), 0, 2),
    ],
)
def test_a_summary_too_long_is_drawn_next_at_the_first_level_that_could_fit(drawn, level, chosen):
    assert summary.next_level(drawn, level) == chosen


@pytest.mark.parametrize("include_notes", [True, False])
def test_a_connected_practitioners_summary_is_the_patients_and_is_logged(
    app, noted, include_notes
):
    from helpers import connect, register_practitioner

    practitioner = app.test_client()
    assert register_practitioner(practitioner).status_code == 303
    lee = Api(practitioner)
    connection = connect(noted, lee, include_notes=include_notes)
    own = text_of(noted.get("/export/summary.pdf" + MARCH).data)
    path = f"/practice/patients/{connection['id']}/summary.pdf{MARCH}"
    answer = practitioner.get(path)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Cache-Control"] == "no-store"
    text = text_of(answer.data)
    if include_notes:
        assert _without_made_line(text) == _without_made_line(own)
    else:
        assert "Secret note." not in text and "Sam Patient" in text
    [shown] = noted.get("/care-team").get_json()["care_team"]
    assert [item["what"] for item in shown["access_log"]] == ["summary_pdf"]
    assert noted.delete(f"/care-team/{connection['id']}").status_code == 204
    assert practitioner.get(path).status_code == 404
