"""Web Push in Chromium: the /reminders page subscribes from a tap, the server's test push
reaches a real push service, and a push delivered to the real service worker (DevTools
protocol) shows a notification whose tap opens the log form.

``pushManager.subscribe()`` cannot reach a push service here (no network), so that one browser
call is stubbed with a subscription whose keys the test's push service made."""

import json
import re

import pytest
from helpers import make_app, push_settings, serving
from playwright.sync_api import expect

from bench.push_service import PushService
from diary.core.extensions import db
from diary.models import PushSubscription
from diary.services import push

from .patient import sign_up

# Replaces PushManager's subscribe/getSubscription in the page (not in the worker).
STUB = """
(() => {
  const fake = %s;
  let current = null;
  const subscription = {
    endpoint: fake.endpoint,
    toJSON: () => ({ endpoint: fake.endpoint, expirationTime: null, keys: fake.keys }),
    unsubscribe: async () => { current = null; return true; },
  };
  PushManager.prototype.subscribe = async function (options) {
    const key = options && options.applicationServerKey;
    window.subscribedWith = key && key.byteLength;
    current = subscription;
    return subscription;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();
"""
NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const shown = await registration.getNotifications();
  return shown.map((n) => ({ title: n.title, body: n.body, data: n.data }));
}"""


@pytest.fixture
def service():
    """The local push service."""
    with PushService() as running:
        yield running


@pytest.fixture
def push_app(database_path, service):
    """The app allowing only the local push service, served on 127.0.0.1."""
    app = make_app(database_path, WTF_CSRF_SSL_STRICT=False, **push_settings(service))
    with app.app_context():
        service.app_public_key = push.public_key()
    with serving(app) as url:
        yield app, url
    with app.app_context():
        db.engine.dispose()


def stored_endpoints(app):
    """The endpoints the server keeps."""
    with app.app_context():
        return list(db.session.scalars(db.select(PushSubscription.endpoint)))


def registration_id(cdp, page):
    """The service worker's registration id, from the DevTools protocol's ServiceWorker domain."""
    found = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(r["registrationId"] for r in event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.wait_for_function(
        "navigator.serviceWorker.getRegistration().then((r) => Boolean(r && r.active))"
    )
    for _ in range(50):
        if found:
            return found[-1]
        page.wait_for_timeout(100)
    raise AssertionError("no service worker registration reported")


def shown_notifications(page, seconds=10):
    """The service worker's notifications, once there are any (polled: the push is async)."""
    for _ in range(seconds * 10):
        shown = page.evaluate(NOTIFICATIONS)
        if shown:
            return shown
        page.wait_for_timeout(100)
    return []


def test_subscribe_from_a_tap_get_a_notification_and_forget_it_on_logout(
    new_context, push_app, service
):
    app, url = push_app
    context = new_context(base_url=url)
    context.grant_permissions(["notifications"], origin=url)
    subscription = service.subscription()
    context.add_init_script(STUB % json.dumps(subscription))
    page = context.new_page()
    sign_up(page)
    page.goto("/reminders")
    status = page.locator("[data-push-status]")
    expect(status).to_have_text("Notifications are off on this device.")
    page.get_by_role("button", name="Turn on notifications").click()
    expect(status).to_have_text("Notifications are on for this device.")
    assert page.evaluate("window.subscribedWith") == 65  # the server's VAPID key, decoded
    assert stored_endpoints(app) == [subscription["endpoint"]]

    # "Send a test": the server pushes through the real protocol to the push service.
    page.get_by_role("button", name="Send a test").click()
    expect(status).to_have_text("Test sent: it should appear in a moment.")
    (message,) = service.for_endpoint(subscription["endpoint"])
    assert service.errors == []
    assert message.payload["body"] == "Reminders work on this device."

    # A reminder arrives at the real service worker: a notification with generic words.
    cdp = context.new_cdp_session(page)
    payload = {"title": "Pain diary", "body": "Time to log your pain.", "url": "/entries/new"}
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": url, "registrationId": registration_id(cdp, page), "data": json.dumps(payload)},
    )
    (shown,) = shown_notifications(page)
    assert shown == {
        "title": "Pain diary",
        "body": "Time to log your pain.",
        "data": {"url": "/entries/new"},
    }

    # Logging out sends this device's endpoint: the server forgets the subscription.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert stored_endpoints(app) == []
