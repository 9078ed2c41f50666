"""Set up to serve fast: JSON from orjson saying exactly what Flask would, and the collector
kept off what lives as long as the worker."""

import gc
import json
from datetime import UTC, date, datetime

import pytest
from flask.json.provider import DefaultJSONProvider

from diary.core.fastjson import FastJSONProvider


def test_the_same_json_as_flasks_encoder(app):
    document = {
        "text": 'Crème brûlée, 痛み, \u2028 and "quotes"',
        "numbers": [0, -3, 2.5, 0.1 + 0.2, 1e-7, 123456789.25, None, True],
        "nested": {"days": [{"date": "2026-03-01", "overall": 4.33}]},
        1: "an integer key",
        "when": datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
        "day": date(2026, 3, 1),
    }
    fast, standard = FastJSONProvider(app), DefaultJSONProvider(app)
    standard.sort_keys = False  # as the app had it
    assert json.loads(fast.dumps(document)) == json.loads(standard.dumps(document))
    assert json.loads(fast.dumps(document))["when"] == "Sun, 01 Mar 2026 08:30:00 GMT"


def test_integers_beyond_64_bits_fall_back_to_the_standard_encoder(app):
    assert json.loads(FastJSONProvider(app).dumps({"big": 2**70})) == {"big": 2**70}


@pytest.mark.parametrize("path", ["/me", "/vocabulary"])
def test_the_app_answers_with_it(app, api, path):
    """The bytes served are what orjson writes: unsorted keys and raw UTF-8, where Flask's
    own encoder would sort the keys and escape "痛み" as \\u75db\\u307f."""
    assert isinstance(app.json, FastJSONProvider)
    assert api.patch("/me", {"display_name": "Crème 痛み"}).status_code == 200
    assert api.post("/vocabulary/triggers", {"label": "Stairs ↑ 階段"}).status_code == 201
    response = api.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_data(as_text=True)
    assert body == FastJSONProvider(app).dumps(response.get_json()) + "\n"
    assert {"/me": "痛み", "/vocabulary": "階段"}[path] in body
    standard = DefaultJSONProvider(app)
    assert body != standard.dumps(response.get_json()) + "\n"


def test_a_served_app_freezes_what_it_made_out_of_the_collectors_way(database_path):
    from helpers import make_app

    gc.unfreeze()
    try:
        make_app(database_path)
        assert gc.get_freeze_count() == 0  # tests create apps by the hundred: left alone
        make_app(database_path, TESTING=False)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
