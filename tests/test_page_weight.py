"""The log page stays light: its own HTML, CSS and JavaScript within the bench's 40 KB budget."""

import pytest
from helpers import entry_body, session_body

from bench.pages import page_weight
from bench.targets import LOG_PAGE_LIMIT


class _Answer:
    """What ``bench.pages.page_weight`` reads from an answer: the body, as bytes and text."""

    def __init__(self, response):
        self.body = response.get_data()
        self.text = response.get_data(as_text=True)


class _Visitor:
    """A Flask test client that answers like the bench's client."""

    def __init__(self, client):
        self.client = client

    def get(self, path):
        """GET ``path``."""
        response = self.client.get(path)
        assert response.status_code == 200, path
        return _Answer(response)


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "zh-CN", "zh-TW"])
def test_log_page_weight_is_within_the_budget(client, api, language):
    """Measured as the bench does, for a patient with an entry ("Same as last entry" shows),
    in every shipped language (German and French run longest)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert api.post("/entries", entry_body()).status_code == 201
    weight = page_weight(_Visitor(client), "/entries/new")
    assert weight["other_sites"] == []
    assert weight["total_bytes"] <= LOG_PAGE_LIMIT, weight["files"]


def test_check_in_page_weight_is_within_the_budget(client, api):
    """The check-in (PEG and the red flags, PRODUCT.md section 16) keeps the log form's budget,
    with PGIC on it too (after two sessions) and a session logged."""
    for day in (3, 10):
        assert api.post("/sessions", session_body(started_at=f"2026-03-{day:02d}T10:00:00Z"))
    weight = page_weight(_Visitor(client), "/check-in")
    assert "pgic.change" in client.get("/check-in").get_data(as_text=True)
    assert weight["other_sites"] == []
    assert weight["total_bytes"] <= LOG_PAGE_LIMIT, weight["files"]
