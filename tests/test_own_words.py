"""A patient's own words can be renamed everywhere and removed when nothing uses them."""

import re

from helpers import entry_body, page_csrf


def own_term_id(client, label):
    """The id of an own word from the account page's rename form."""
    html = client.get("/account").get_data(as_text=True)
    pattern = r'/account/terms/(\d+)/rename"[^>]*>.*?value="' + re.escape(label)
    match = re.search(pattern, html, re.S)
    return match.group(1)


def post(client, path, **fields):
    """A form post with the account page's CSRF token."""
    return client.post(path, data={"csrf_token": page_csrf(client, "/account"), **fields})


def test_renaming_changes_the_words_in_past_entries(api):
    key = api.post("/vocabulary/triggers", {"label": "Gardnening"}).get_json()["key"]
    api.post("/entries", entry_body(triggers=[key], notes=""))
    term = own_term_id(api.client, "Gardnening")
    answer = post(api.client, f"/account/terms/{term}/rename", label="Gardening")
    assert answer.status_code == 303
    assert "Renamed “Gardnening” to “Gardening”" in api.client.get("/account").get_data(True)
    history = api.client.get("/entries?until=2026-03-10").get_data(as_text=True)
    assert "Gardening" in history and "Gardnening" not in history
    [entry] = api.get("/entries").get_json()["entries"]
    assert entry["triggers"] == [key], "the key never changes: exports and backups stay stable"


def test_a_rename_to_a_name_already_in_the_list_is_refused_by_the_field(api):
    api.post("/vocabulary/triggers", {"label": "Gardening"})
    term = own_term_id(api.client, "Gardening")
    answer = post(api.client, f"/account/terms/{term}/rename", label="sitting")
    assert answer.status_code == 422
    assert f'id="term-{term}-error"' in answer.get_data(as_text=True)
    assert "already in the list" in answer.get_data(as_text=True)


def test_a_word_in_use_is_not_removed_and_the_patient_is_told(api):
    key = api.post("/vocabulary/relievers", {"label": "Hot bath"}).get_json()["key"]
    api.post("/entries", entry_body(relievers=[key], notes=""))
    api.post("/entries", entry_body(recorded_at="2026-03-03T08:00:00Z", relievers=[key]))
    term = own_term_id(api.client, "Hot bath")
    answer = post(api.client, f"/account/terms/{term}/delete")
    assert answer.status_code == 422
    assert "is used by 2 entries" in answer.get_data(as_text=True)
    labels = [item["label"] for item in api.get("/vocabulary").get_json()["relievers"]]
    assert "Hot bath" in labels


def test_an_unused_word_is_removed(api, other_api):
    api.post("/vocabulary/techniques", {"label": "Gua sha"})
    term = own_term_id(api.client, "Gua sha")
    assert post(other_api.client, f"/account/terms/{term}/delete").status_code == 404
    assert post(api.client, f"/account/terms/{term}/delete").status_code == 303
    labels = [item["label"] for item in api.get("/vocabulary").get_json()["techniques"]]
    assert "Gua sha" not in labels


def log_form(client, **fields):
    """Post the log form with overall pain 5 and ``fields``."""
    data = {"csrf_token": page_csrf(client, "/entries/new"), "overall": "5", **fields}
    return client.post("/entries/new", data=data)


def test_other_on_the_log_form_adds_an_own_word_to_the_entry(api):
    assert 'name="new_triggers"' in api.client.get("/entries/new").get_data(as_text=True)
    answer = log_form(api.client, triggers=["sitting"], new_triggers="  Gardening ")
    assert answer.status_code == 303
    again = log_form(api.client, new_triggers="gardening", new_relievers="Heat")
    assert again.status_code == 303, "a word already in a list is reused, never added twice"
    first, second = api.get("/entries").get_json()["entries"]
    assert first["triggers"] == ["sitting", "gardening"]
    assert second["triggers"] == ["gardening"] and second["relievers"] == ["heat"]
    own = [item for item in api.get("/vocabulary").get_json()["triggers"] if item["custom"]]
    assert own == [{"key": "gardening", "label": "Gardening", "custom": True}]


def test_a_bad_own_word_on_the_log_form_names_the_list_and_saves_nothing(api):
    answer = log_form(api.client, new_pain_types="x" * 61)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="pain_types-error"' in html and "must be at most 60 characters" in html
    assert api.get("/entries").get_json()["entries"] == []
