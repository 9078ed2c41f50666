"""Static files: versioned URLs with a year-long lifetime, and a service worker that changes
whenever any static file does."""

import re

from diary.core.assets import IMMUTABLE, StaticVersions


def test_pages_link_versioned_static_files_kept_for_a_year(client):
    html = client.get("/login").get_data(as_text=True)
    urls = re.findall(r'(/static/[^"?]+)\?v=([0-9a-f]{12})"', html)
    assert {path for path, _ in urls} >= {"/static/css/app.css", "/static/js/pwa.js"}
    for path, version in urls:
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == IMMUTABLE


def test_plain_or_old_versions_are_revalidated(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_version_and_a_new_worker_cache(tmp_path):
    (tmp_path / "css").mkdir()
    style = tmp_path / "css" / "app.css"
    style.write_text("body { color: black; }")
    versions = StaticVersions(tmp_path)
    before, everything = versions.digest("css/app.css"), versions.all_files()
    style.write_text("body { color: navy; }")
    assert versions.digest("css/app.css") != before
    assert versions.all_files() != everything
    assert versions.digest("css/missing.css") is None
    assert versions.digest("../outside.txt") is None


def test_the_service_worker_cache_is_named_after_the_static_files(app, client):
    source = client.get("/sw.js").get_data(as_text=True)
    digest = app.extensions["diary.static_versions"].all_files()
    assert f'const VERSION = "{digest}";' in source
    assert 'const VERSION = "v1";' not in source
