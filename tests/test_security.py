"""Security headers on each kind of page, and the cookie flags."""

import pytest
from helpers import make_app, register

from diary.core.cdn import CHART_SCRIPTS, script_url


def test_csp_is_strict_and_pins_the_cdn_files(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    scripts = directives["script-src"].split()
    assert scripts[0] == "'self'"
    assert sorted(scripts[1:]) == sorted(script_url(script) for script in CHART_SCRIPTS)


@pytest.mark.parametrize("path", ["/login", "/register", "/healthz", "/static/css/app.css"])
def test_public_answers_have_the_basic_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers, "plain HTTP gets no HSTS"


def test_authenticated_pages_and_api_are_not_cached(api):
    for path in ("/", "/entries/new", "/entries", "/sessions", "/trends", "/account", "/shares"):
        assert api.client.get(path).headers["Cache-Control"] == "no-store", path
    assert api.get("/me").headers["Cache-Control"] == "no-store"


def test_static_files_stay_cacheable(api):
    assert api.client.get("/static/css/app.css").headers.get("Cache-Control") != "no-store"


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://diary.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags_in_production_defaults(database_path):
    app = make_app(database_path)
    app.config.update(SESSION_COOKIE_SECURE=True)  # the default outside tests
    client = app.test_client()
    response = register(client)
    cookie = next(
        value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_secure_cookies_are_the_default(database_path):
    from diary import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}", "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_behind_a_trusted_proxy_https_is_recognised(database_path):
    app = make_app(database_path, PROXY_COUNT=1)
    client = app.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    response = client.get("/login", headers=headers)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = make_app(database_path).test_client().get("/login", headers=headers)
    assert "Strict-Transport-Security" not in plain.headers, "headers are not trusted by default"


def test_workers_starting_together_share_one_instance_secret_key(tmp_path):
    """Without FLASK_SECRET_KEY the first worker's key is kept (owner-only) and all agree."""
    from concurrent.futures import ThreadPoolExecutor

    from diary import _instance_secret_key

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: _instance_secret_key(tmp_path), range(32)))
    [key] = keys
    assert len(key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no drafts left behind
