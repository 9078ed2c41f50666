"""Request logs: one structured line per request, and nothing identifying or clinical."""

import json
import logging

from helpers import entry_body, login


def test_logs_hold_no_email_note_token_or_body(caplog, api):
    caplog.set_level(logging.INFO)
    api.post("/entries", entry_body(notes="SECRET-NOTE-TEXT", medications="SECRET-MED"))
    token = api.post("/shares", {"label": "SECRET-LABEL"}).get_json()["token"]
    api.client.get(f"/s/{token}")
    api.client.get(f"/s/{token}/trends?from=2026-03-01&to=2026-03-02")
    text = caplog.text
    for secret in ("pat@example.com", "SECRET-NOTE-TEXT", "SECRET-MED", "SECRET-LABEL", token,
                   "correct horse battery", "session="):
        assert secret not in text, secret
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "diary.access"]
    assert lines and all(set(line) == {"method", "route", "status", "ms"} for line in lines)
    assert {"method": "GET", "route": "/s/<token>", "status": 200} in [
        {key: line[key] for key in ("method", "route", "status")} for line in lines
    ]


def test_failed_login_and_denials_are_logged(caplog, app, api):
    caplog.set_level(logging.INFO)
    stranger = app.test_client()
    login(stranger, password="wrong password here")
    stranger.get("/api/v1/me")
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "diary.security"]
    names = [event["event"] for event in events]
    assert "login_failed" in names and "access_denied" in names
    assert "pat@example.com" not in caplog.text
    assert "127.0.0.1" not in caplog.text  # no address either (PRODUCT.md section 3)
