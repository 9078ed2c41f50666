"""What the phone keeps: data-free log forms only, no stray messages, no form it cannot send."""

import re
import uuid

from playwright.sync_api import expect

from .conftest import CHROMIUM_ARGS
from .patient import wait_until
from .test_pwa import IMPORT_OUTBOX, sign_up, wait_for_worker, within

SECRETS = ("entry-secret-4711", "session-secret-0815", "Dr Secretworth")


def cached_text(page):
    """Every cached response body, as text, from every cache of this origin."""
    return page.evaluate(
        """async () => {
          let text = "";
          for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
              text += (await (await cache.match(request)).text()) + "\\n";
            }
          }
          return text;
        }"""
    )


def test_closing_the_browser_without_logout_leaves_no_health_data_offline(
    browser_type, browser_type_launch_args, live_server, tmp_path
):
    profile = tmp_path / "profile"
    launch = {
        **browser_type_launch_args,
        "args": CHROMIUM_ARGS,
        "base_url": live_server,
        "viewport": {"width": 390, "height": 844},
    }
    context = browser_type.launch_persistent_context(str(profile), **launch)
    page = context.new_page()
    sign_up(page)
    page.goto("/entries/new")
    page.locator("#field-overall label.s6").click()
    page.locator("details.more", has_text="Sleep, daily life").locator("summary").click()
    page.locator("#notes").fill(SECRETS[0])
    page.get_by_role("button", name="Save entry").click()
    page.goto("/sessions/new")
    page.locator("#practitioner").fill(SECRETS[2])
    page.locator("#notes").fill(SECRETS[1])
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_text("Saved: session 1")).to_be_visible()
    for path in ("/", "/entries", "/sessions", "/sessions/new", "/entries/new?copy=last"):
        page.goto(path)  # seen online, with the diary on them
    page.evaluate(
        "navigator.serviceWorker.ready.then((r) => r.active.postMessage({type: 'keep-pages'}))"
    )
    page.wait_for_timeout(500)
    context.close()  # closed, not logged out

    context = browser_type.launch_persistent_context(str(profile), **launch)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/offline")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    try:
        for path in ("/", "/entries", "/sessions", "/sessions/new", "/entries/new"):
            page.goto(path)
            html = page.content()
            for secret in SECRETS:
                assert secret not in html, (path, secret)
        expect(page.locator("#field-overall")).to_be_visible()  # the form still works offline
        kept = cached_text(page)
        assert "Log pain" in kept, "the blank forms are kept"
        for secret in SECRETS:
            assert secret not in kept, secret
    finally:
        context.close()


def test_a_first_visit_never_shows_a_login_message_left_by_the_worker(new_context, live_server):
    context = new_context(base_url=live_server)
    page = context.new_page()
    page.goto("/register")
    wait_until(
        page, "navigator.serviceWorker.getRegistration().then((r) => Boolean(r && r.active))"
    )
    # The worker tried to keep the log forms while logged out: that must leave nothing behind.
    wait_until(
        page,
        """async () => {
          const name = (await caches.keys()).find((key) => key.startsWith("diary-shell-"));
          return Boolean(name && await (await caches.open(name)).match("/offline"));
        }""",
    )
    page.reload()
    expect(page.locator("h1")).to_have_text("Start your pain diary")
    assert "Log in to see your diary" not in page.content()
    page.goto("/login")
    assert "Log in to see your diary" not in page.content()


def test_an_entry_without_overall_pain_is_not_kept_offline(new_context, live_server):
    context = new_context(base_url=live_server)
    page = context.new_page()
    sign_up(page, f"pat-{uuid.uuid4().hex[:8]}@example.com")
    wait_for_worker(page)
    context.set_offline(True)
    page.goto("/entries/new")
    page.get_by_role("button", name="Save entry").click()
    alert = page.locator("#field-overall [data-unanswered]")
    expect(alert).to_have_text(re.compile(r"^Overall pain.* is required"))
    expect(page).to_have_url(re.compile(r"/entries/new$"))
    assert page.evaluate(within(15, f"{IMPORT_OUTBOX}.then((o) => o.allItems())")) == []
    context.set_offline(False)


def test_an_own_word_typed_offline_arrives_with_the_entry(new_context, live_server):
    context = new_context(base_url=live_server)
    page = context.new_page()
    sign_up(page, f"pat-{uuid.uuid4().hex[:8]}@example.com")
    context.set_offline(True)
    page.goto("/entries/new")
    page.locator("#field-overall label.s4").click()
    page.locator('input[name="new_triggers"]').fill("Gardening")
    page.get_by_role("button", name="Save entry").click()
    expect(page).to_have_url(re.compile(r"/offline\?queued=1$"))
    context.set_offline(False)
    page.evaluate(within(20, f"{IMPORT_OUTBOX}.then((o) => o.flush())"))
    [entry] = page.request.get("/api/v1/entries").json()["entries"]
    assert entry["triggers"] == ["gardening"] and entry["pain"]["overall"] == 4
    triggers = page.request.get("/api/v1/vocabulary").json()["triggers"]
    assert {"key": "gardening", "label": "Gardening", "custom": True} in triggers
