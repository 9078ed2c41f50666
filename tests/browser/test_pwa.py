"""The installable app on a phone with no signal: the worker, the outbox, sync, privacy."""

import logging
import re
import struct
import uuid

import pytest
from helpers import PASSWORD, make_app
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from diary.core.extensions import db
from diary.models import User
from diary.services import accounts

from .patient import wait_until

IMPORT_OUTBOX = "import('/static/js/outbox.js')"


@pytest.fixture
def phone(new_context, live_server):
    """A phone-sized context without request routing (it would bypass the service worker)."""
    return new_context(base_url=live_server)  # 390 x 844 from browser_context_args


def sign_up(page, email=None):
    """Create a diary and land on today's view, controlled by the service worker."""
    page.goto("/register")
    page.locator("#email").fill(email or f"pat-{uuid.uuid4().hex[:8]}@example.com")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Create my diary").click()
    expect(page).to_have_url(re.compile(r"/$"))
    wait_for_worker(page)


SHELL_CACHE = r"diary-shell-[0-9a-f]{12}"  # named after the digest of every static file
EMPTY_OUTBOX = f"{IMPORT_OUTBOX}.then(async (o) => (await o.allItems()).length === 0)"


def wait_for_worker(page):
    """Until the worker controls the page and keeps the log forms for offline use."""
    wait_until(
        page, "navigator.serviceWorker.getRegistration().then((r) => Boolean(r && r.active))"
    )
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")
    wait_until(
        page,
        """async () => {
          const name = (await caches.keys()).find((key) => key.startsWith("diary-shell-"));
          if (!name) return false;
          const cache = await caches.open(name);
          const forms = ["/entries/new", "/sessions/new"];
          const kept = await Promise.all(forms.map((p) => cache.match(p)));
          return kept.every(Boolean);
        }""",
    )


def within(seconds, promise):
    """A page expression that fails after ``seconds`` instead of waiting forever."""
    return (
        f"Promise.race([{promise}, new Promise((_, reject) => setTimeout("
        f"() => reject(new Error('no answer in {seconds} s')), {seconds * 1000}))])"
    )


def outbox(page):
    """What waits on this phone."""
    return page.evaluate(within(15, f"{IMPORT_OUTBOX}.then((outbox) => outbox.allItems())"))


def put(page, item):
    """Place ``item`` in the phone's outbox directly."""
    page.evaluate(
        f"(item) => {within(15, f'{IMPORT_OUTBOX}.then((outbox) => outbox.putItem(item))')}", item
    )


def flush(page):
    """Send the outbox now (as the worker does on load, online and visibility)."""
    return page.evaluate(within(15, f"{IMPORT_OUTBOX}.then((outbox) => outbox.flush())"))


def server(page, kind, expect_count=None):
    """The patient's entries or sessions on the server (waiting up to 10 s for ``expect_count``)."""
    for _ in range(40):
        response = page.request.get(f"/api/v1/{kind}")
        assert response.ok, response.text()
        found = response.json()[kind]
        if expect_count is None or len(found) >= expect_count:
            return found
        page.wait_for_timeout(250)
    return found


def log_pain_offline(page, pain, note):
    """Log an entry through the cached form while offline; it lands in the outbox."""
    page.goto("/entries/new")
    expect(page).to_have_title(re.compile("Log pain"))
    page.locator(f"#field-overall label.s{pain}").click()
    page.locator("details.more", has_text="Sleep, daily life").locator("summary").click()
    page.locator("#notes").fill(note)
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/offline\?queued=1$"))
    expect(page.locator("[data-queued-notice]")).to_be_visible()


def log_session_offline(page):
    """Log an acupuncture session through the cached session form while offline."""
    page.goto("/sessions/new")
    page.locator("#practitioner").fill("Dr Lee")
    page.locator("#field-pain_before label.s6").click()
    page.locator("#field-pain_after label.s3").click()
    page.get_by_role("button", name="Save session").click()
    expect(page).to_have_url(re.compile(r"/offline\?queued=1$"))


def end_every_login(database, email):
    """Log the patient out everywhere, as a logout on another device does (nonce rotated)."""
    app = make_app(database)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        accounts.end_all_logins(user)
        db.engine.dispose()


def png_size(data):
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_manifest_is_valid_and_its_icons_load(phone):
    page = phone.new_page()
    page.goto("/login")
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    response = page.request.get(href)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] and manifest["short_name"]
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
    sizes = {}
    for icon in manifest["icons"]:
        image = page.request.get(icon["src"])
        assert image.ok and image.headers["content-type"] == "image/png"
        width, height = png_size(image.body())
        assert f"{width}x{height}" == icon["sizes"]
        sizes.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert {192, 512} <= sizes["any"] and 512 in sizes["maskable"]
    touch = page.locator('link[rel="apple-touch-icon"]').get_attribute("href")
    assert png_size(page.request.get(touch).body()) == (180, 180)


def test_the_worker_installs_and_pages_open_offline(phone):
    page = phone.new_page()
    sign_up(page)
    phone.set_offline(True)
    page.goto("/entries/new")
    expect(page).to_have_title(re.compile("Log pain"))
    expect(page.locator("#field-overall")).to_be_visible()
    page.goto("/trends")
    expect(page.locator("h1")).to_have_text("No connection right now")
    cached = page.evaluate(
        """async () => {
          const paths = {};
          for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            paths[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
          }
          return paths;
        }"""
    )
    assert cached and any(cached.values()), "the worker cached the pages it opened offline"
    for name, paths in cached.items():
        assert not any(path.startswith("/api/") for path in paths), (name, paths)


def test_three_entries_and_a_session_offline_arrive_exactly_once(phone):
    page = phone.new_page()
    sign_up(page)
    phone.set_offline(True)
    for pain, note in ((7, "bus"), (5, "basement clinic"), (3, "3 a.m.")):
        log_pain_offline(page, pain, note)
    log_session_offline(page)
    items = outbox(page)
    assert sorted(item["kind"] for item in items) == ["entry", "entry", "entry", "session"]
    assert all(item["status"] == "waiting" for item in items)
    assert len({item["id"] for item in items}) == 4, "each form had its own id"
    expect(page.locator("[data-outbox-list] li")).to_have_count(4)
    page.goto("/")  # offline: the offline page, still listing what waits
    expect(page.locator("[data-outbox-list] li")).to_have_count(4)

    phone.set_offline(False)
    page.goto("/")
    wait_until(page, EMPTY_OUTBOX)
    expect(page.locator("[data-outbox]")).to_be_hidden()
    stored = server(page, "entries")
    assert sorted(entry["notes"] for entry in stored) == ["3 a.m.", "basement clinic", "bus"]
    assert sorted(entry["pain"]["overall"] for entry in stored) == [3, 5, 7]
    assert {entry["id"] for entry in stored} == {i["id"] for i in items if i["kind"] == "entry"}
    [session] = server(page, "sessions")
    assert session["practitioner"] == "Dr Lee" and session["pain_after"] == 3
    expect(page.get_by_text("Pain 7/10").first).to_be_visible()


def test_reloads_toggling_and_replays_never_duplicate(phone):
    page = phone.new_page()
    sign_up(page)
    phone.set_offline(True)
    log_pain_offline(page, 6, "once only")
    queued = outbox(page)
    for _ in range(3):  # on a page without the outbox list, which would reload itself once sent
        phone.set_offline(False)
        page.goto("/account")
        phone.set_offline(True)
        page.goto("/account")
    phone.set_offline(False)
    page.evaluate(  # every trigger at once: load, online, visibility, the worker's sync
        within(
            15,
            f"""{IMPORT_OUTBOX}.then((outbox) => Promise.all([outbox.flush(), outbox.flush(),
            navigator.serviceWorker.ready.then((r) => r.active.postMessage({{type: "flush"}}))
            ]))""",
        )
    )
    wait_until(page, EMPTY_OUTBOX)
    # the same item again (a replay after a lost answer) is answered 200 and stored once
    put(page, queued[0])
    assert flush(page)["sent"] == 1
    stored = server(page, "entries")
    assert [entry["id"] for entry in stored] == [queued[0]["id"]]


def test_an_outbox_sent_after_the_session_expired_waits_for_login(phone, database_path):
    page = phone.new_page()
    email = f"pat-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(page, email)
    phone.set_offline(True)
    log_pain_offline(page, 4, "while logged out elsewhere")
    end_every_login(database_path, email)  # as a logout on another device does
    phone.set_offline(False)  # the page sends the outbox as soon as it is online
    wait_until(
        page,
        f"{IMPORT_OUTBOX}.then(async (o) => {{ const items = await o.allItems();"
        " return items.length === 1 && items[0].status === 'login'; })",
    )
    summary = flush(page)
    assert summary["login"] is True and summary["sent"] == 0
    [item] = outbox(page)
    assert item["status"] == "login"
    page.goto("/login")
    expect(page.locator("[data-outbox]")).to_be_hidden()  # no list on the login page
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    wait_until(page, EMPTY_OUTBOX)
    [entry] = server(page, "entries", expect_count=1)
    assert entry["notes"] == "while logged out elsewhere"
    # End on a settled page: the list page reloads itself once the outbox is sent, and closing
    # the context mid-navigation (with the worker running) has hung Chromium in CI.
    for _ in range(5):  # the page's own reload may interrupt the first tries
        try:
            page.goto("/account")
            break
        except PlaywrightError:
            page.wait_for_timeout(200)
    expect(page.locator("h1")).to_have_text("Account")
    page.close()


def test_a_refused_item_is_shown_and_can_be_discarded(phone):
    page = phone.new_page()
    sign_up(page)
    bad = {
        "id": str(uuid.uuid4()),
        "kind": "entry",
        "body": {"id": None, "pain": {"overall": 11}},
        "queued_at": "2026-01-01T00:00:00Z",
        "status": "waiting",
        "error": "",
    }
    bad["body"]["id"] = bad["id"]
    put(page, bad)
    summary = flush(page)
    assert summary["problems"] == 1 and summary["sent"] == 0
    page.goto("/entries")
    row = page.locator("[data-outbox-list] li")
    expect(row).to_contain_text("Not sent")
    expect(row).to_contain_text("Overall pain must be a whole number from 0 to 10.")
    expect(row).not_to_contain_text("pain.overall")  # plain words, never an API path
    assert flush(page)["sent"] == 0, "a refused item waits for the patient, not for a retry"
    row.get_by_role("button", name="Discard").click()
    expect(page.locator("[data-outbox]")).to_be_hidden()
    assert outbox(page) == [] and server(page, "entries") == []


def test_logout_empties_the_outbox_and_caches(phone):
    page = phone.new_page()
    sign_up(page)
    item = {
        "id": str(uuid.uuid4()),
        "kind": "entry",
        "body": {"pain": {"overall": 11}},
        "queued_at": "2026-01-01T00:00:00Z",
        "status": "problem",
        "error": "kept",
    }
    put(page, item)
    page.goto("/")
    expect(page.locator("[data-outbox-list] li")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert outbox(page) == []
    names = page.evaluate("caches.keys()")
    assert names == [] or (len(names) == 1 and re.fullmatch(SHELL_CACHE, names[0])), names
    if names:
        kept = page.evaluate(
            """async (name) => (await (await caches.open(name)).keys())
                 .map((request) => new URL(request.url).pathname)""",
            names[0],
        )
        assert "/entries/new" not in kept and "/sessions" not in kept, kept


def test_chromium_reports_the_app_installable(
    browser_type, browser_type_launch_args, live_server, tmp_path
):
    # A real profile: Chromium never offers to install from an incognito context.
    profile = browser_type.launch_persistent_context(
        tmp_path / "profile", **browser_type_launch_args, base_url=live_server
    )
    try:
        page = profile.new_page()
        sign_up(page)
        answer = profile.new_cdp_session(page).send("Page.getInstallabilityErrors")
        assert answer["installabilityErrors"] == []
    finally:
        profile.close()


def test_a_refused_item_can_be_fixed_in_its_form(phone):
    page = phone.new_page()
    sign_up(page)
    refused = {
        "id": str(uuid.uuid4()),
        "kind": "entry",
        "body": {
            "pain": {"overall": 11, "back": None, "leg": 7},
            "locations": [{"region": "calf", "side": "both"}],
            "triggers": ["sitting"],
            "notes": "typed on the bus",
            "recorded_at": "2026-03-02T08:15",
        },
        "queued_at": "2026-03-02T08:15:00Z",
        "status": "waiting",
        "error": "",
    }
    refused["body"]["id"] = refused["id"]
    put(page, refused)
    assert flush(page)["problems"] == 1
    page.goto("/entries")
    page.locator("[data-outbox-list] li").get_by_role("link", name="Fix").click()
    expect(page.locator("#notes")).to_have_value("typed on the bus")
    expect(page.locator('input[name="leg"][value="7"]')).to_be_checked()
    expect(page.locator('input[name="locations"][value="calf:right"]')).to_be_checked()
    expect(page.locator('input[name="triggers"][value="sitting"]')).to_be_checked()
    expect(page.locator("#recorded_at")).to_have_value("2026-03-02T08:15")
    page.locator("#field-overall label.s4").click()
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/$"))
    [entry] = server(page, "entries", expect_count=1)
    assert entry["pain"] == {"overall": 4, "back": None, "leg": 7}
    assert entry["notes"] == "typed on the bus"
    assert entry["locations"] == [{"region": "calf", "side": "both"}]
    assert outbox(page) == []


def test_a_form_that_reached_the_server_before_the_connection_dropped_is_sent_once(phone):
    """The form was saved at the server's "now" but the answer was lost, so the phone queued it
    at its own "now": that must count as sent, not as "id is taken", and not become two."""
    page = phone.new_page()
    sign_up(page)
    entry_id = str(uuid.uuid4())
    body = {"id": entry_id, "pain": {"overall": 5}, "notes": "the answer was lost"}
    token = page.evaluate("fetch('/api/v1/me').then((r) => r.json()).then((me) => me.csrf_token)")
    stored = page.evaluate(
        """([body, token]) => fetch('/api/v1/entries', {method: 'POST', body: JSON.stringify(body),
             headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}})
             .then((r) => r.status)""",
        [body, token],
    )
    assert stored == 201
    queued = {**body, "recorded_at": "2026-01-01T00:00:00Z"}  # the phone's own queueing time
    put(
        page,
        {
            "id": entry_id,
            "kind": "entry",
            "body": queued,
            "queued_at": "2026-01-01T00:00:00Z",
            "implicit_time": True,
            "status": "waiting",
            "error": "",
        },
    )
    summary = flush(page)
    assert summary["sent"] == 1 and summary["problems"] == 0, summary
    assert [entry["id"] for entry in server(page, "entries")] == [entry_id]
    typed = {**body, "id": str(uuid.uuid4())}
    page.evaluate(
        """([body, token]) => fetch('/api/v1/entries', {method: 'POST', body: JSON.stringify(body),
             headers: {'Content-Type': 'application/json', 'X-CSRFToken': token}})""",
        [typed, token],
    )
    # A time the patient typed is kept: a different stored time is still a conflict to show.
    put(
        page,
        {
            "id": typed["id"],
            "kind": "entry",
            "body": {**typed, "recorded_at": "2026-01-01T00:00:00Z"},
            "queued_at": "2026-01-01T00:00:00Z",
            "implicit_time": False,
            "status": "waiting",
            "error": "",
        },
    )
    assert flush(page)["problems"] == 1
    page.goto("/account")
    page.close()


def test_the_worker_never_follows_a_redirect_to_the_login_page(phone, caplog):
    """Installed while logged out, the worker's attempt to keep the log forms stops at their
    redirect: following it to /login would set a fresh session cookie, which logged a patient
    who was signing up at that moment straight out again."""
    caplog.set_level(logging.INFO, logger="werkzeug")
    page = phone.new_page()
    page.goto("/register")
    wait_until(
        page, "() => navigator.serviceWorker.getRegistration().then((r) => Boolean(r && r.active))"
    )
    for _ in range(50):  # the server logs a request once it has answered it
        if (
            sum("GET /entries/new" in line or "GET /sessions" in line for line in caplog.messages)
            >= 2
        ):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the worker never tried to keep the log forms")
    page.wait_for_timeout(300)  # time for a followed redirect to show up, if there were one
    assert not [line for line in caplog.messages if "GET /login" in line], caplog.messages
    page.close()


KEPT_FORM_LANG = """async () => {
  const name = (await caches.keys()).find((key) => key.startsWith("diary-shell-"));
  const kept = name && (await (await caches.open(name)).match("/entries/new"));
  if (!kept) return null;
  return new DOMParser().parseFromString(await kept.text(), "text/html").documentElement.lang;
}"""


def test_the_kept_log_forms_follow_the_patients_language(phone):
    """PRODUCT.md section 15: a new language on the profile, and the next page online has the
    worker keep the log forms in it; offline, the log form opens in that language."""
    page = phone.new_page()
    sign_up(page)
    assert page.evaluate(KEPT_FORM_LANG) == "en"
    token = page.request.get("/api/v1/me").json()["csrf_token"]
    changed = page.request.patch(
        "/api/v1/me", data={"locale": "de"}, headers={"X-CSRFToken": token}
    )
    assert changed.ok, changed.text()
    page.goto("/")
    assert page.evaluate("document.documentElement.lang") == "de"
    wait_until(page, f"({KEPT_FORM_LANG})().then((lang) => lang === 'de')")
    phone.set_offline(True)
    page.goto("/entries/new")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#field-overall")).to_be_visible()
