"""Web Push (PRODUCT.md section 12) against a real local push service: the VAPID signature is
checked with the app's public key and each message decrypted with the subscription's keys."""

import os
import stat

import pytest
from helpers import Api, login, make_app, page_csrf, push_settings

from bench.push_service import PushService, b64url
from diary.core.extensions import db
from diary.models import PushSubscription
from diary.services import push


@pytest.fixture
def service():
    """A push service on 127.0.0.1 (its VAPID check learns the app's key once it exists)."""
    with PushService() as running:
        yield running


@pytest.fixture
def app(database_path, service):
    """The app allowing only the local push service."""
    app = make_app(database_path, **push_settings(service))
    with app.app_context():
        service.app_public_key = push.public_key()
    yield app
    with app.app_context():
        db.engine.dispose()


def subscriptions(app):
    """Every stored subscription as (user_id, endpoint)."""
    with app.app_context():
        rows = db.session.scalars(db.select(PushSubscription).order_by(PushSubscription.id))
        return [(row.user_id, row.endpoint) for row in rows]


def test_the_key_is_the_apps_vapid_public_key(app, api):
    key = api.get("/push/key").get_json()["public_key"]
    assert key == api.get("/push/key").get_json()["public_key"]
    raw = push._unb64url(key)
    assert len(raw) == 65 and raw[0] == 4 and "=" not in key


def test_a_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = push._instance_key(tmp_path)
    path = tmp_path / push.VAPID_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = push._instance_key(tmp_path)
    assert first.private_pem() == again.private_pem()


def test_a_key_from_the_environment_in_any_usual_form(database_path):
    key = push.Vapid()
    key.generate_keys()
    raw = b64url(key.private_key.private_numbers().private_value.to_bytes(32, "big"))
    for setting in (raw, key.private_pem().decode()):
        app = make_app(database_path, VAPID_PRIVATE_KEY=setting)
        with app.app_context():
            assert push.vapid().public_pem() == key.public_pem()


def test_subscribe_again_and_unsubscribe(app, api, service):
    body = service.subscription()
    assert api.post("/push/subscriptions", body).status_code == 201
    assert api.post("/push/subscriptions", body).status_code == 200
    assert len(subscriptions(app)) == 1
    assert api.delete("/push/subscriptions", {"endpoint": body["endpoint"]}).status_code == 204
    assert subscriptions(app) == []


def test_a_browser_that_subscribes_for_another_patient_moves_to_them(app, api, other_api, service):
    body = service.subscription()
    api.post("/push/subscriptions", body)
    assert other_api.post("/push/subscriptions", body).status_code == 200
    ((owner, _),) = subscriptions(app)
    # The first patient can no longer remove (or reach) it.
    api.delete("/push/subscriptions", {"endpoint": body["endpoint"]})
    assert subscriptions(app) == [(owner, body["endpoint"])]


def test_the_default_list_is_the_browser_vendors(database_path, service):
    app = make_app(database_path)
    with app.app_context():
        allowed = push.endpoint_allowed
        assert allowed("https://fcm.googleapis.com/fcm/send/abc")
        assert allowed("https://updates.push.services.mozilla.com/wpush/v2/abc")
        assert allowed("https://web.push.apple.com/QGx-abc")
        assert allowed("https://wns2-by3p.notify.windows.com/w/?token=abc")
        assert not allowed(service.subscription()["endpoint"])


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",  # on the default list, but the list is set
        "http://127.0.0.1:1/push/x",  # another port of the allowed host
        "https://127.0.0.1/push/x",
        "https://evil.example/push",
        "ftp://127.0.0.1/push",
        "javascript:alert(1)",
        "",
        "/push/relative",
        None,
        42,
    ],
)
def test_endpoints_off_the_list_are_refused(app, api, service, endpoint):
    body = {**service.subscription(), "endpoint": endpoint}
    response = api.post("/push/subscriptions", body)
    assert response.status_code == 422
    assert "endpoint" in response.get_json()["error"]["fields"]
    assert subscriptions(app) == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com.evil.example/x",
        "https://evilfcm.googleapis.com/x",
        "https://user@fcm.googleapis.com/x",
        "https://fcm.googleapis.com:8443/x",
        "http://fcm.googleapis.com/x",
        "https://notify.windows.com.evil.example/x",
        "https://evilnotify.windows.com/x",
        "https://push.apple.com/x",  # "*.push.apple.com" is its subdomains only
        "https://fcm.googleapis.com/" + "x" * 2048,
    ],
)
def test_look_alike_hosts_are_refused(database_path, endpoint):
    app = make_app(database_path)
    with app.app_context():
        assert not push.endpoint_allowed(endpoint) or len(endpoint) > push.ENDPOINT_MAX
        with pytest.raises(push.ValidationError) as refused:
            push.clean_subscription(
                {"endpoint": endpoint, "keys": {"p256dh": "x", "auth": "y"}}
            )
        assert "endpoint" in refused.value.fields


@pytest.mark.parametrize(
    ("keys", "field"),
    [
        ({"p256dh": "AAAA", "auth": b64url(os.urandom(16))}, "keys.p256dh"),
        ({"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": b64url(os.urandom(16))}, "keys.p256dh"),
        ({"auth": b64url(os.urandom(16))}, "keys.p256dh"),
        ({"p256dh": None, "auth": b64url(os.urandom(16))}, "keys.p256dh"),
        (None, "keys"),
        ("keys", "keys"),
    ],
)
def test_malformed_keys_are_refused(app, api, service, keys, field):
    good = service.subscription()
    response = api.post("/push/subscriptions", {"endpoint": good["endpoint"], "keys": keys})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_a_bad_auth_secret_is_refused(app, api, service):
    good = service.subscription()
    for auth in ("short", b64url(os.urandom(15)), "ü" * 22):
        keys = {**good["keys"], "auth": auth}
        response = api.post("/push/subscriptions", {"endpoint": good["endpoint"], "keys": keys})
        assert response.status_code == 422
        assert "keys.auth" in response.get_json()["error"]["fields"]


def test_a_test_push_is_signed_encrypted_and_generic(app, api, service):
    body = service.subscription()
    assert api.post("/push/subscriptions", body).status_code == 201
    response = api.post("/push/test")
    assert response.get_json() == {"delivered": 1, "removed": 0}
    assert service.errors == []
    (message,) = service.for_endpoint(body["endpoint"])
    assert message.payload == {
        "title": "Pain diary",
        "body": "Reminders work on this device.",
        "url": "/",
    }
    assert message.headers["ttl"] == str(push.TTL_SECONDS)


def test_a_push_signed_with_another_key_is_refused_by_the_service(app, api, service):
    body = service.subscription()
    api.post("/push/subscriptions", body)
    service.app_public_key = b64url(b"\x04" + os.urandom(64))
    assert api.post("/push/test").get_json() == {"delivered": 0, "removed": 0}
    assert service.errors == ["signed with another key"]


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_service_calls_gone_is_deleted(app, api, service, status):
    gone, kept = service.subscription(status=status), service.subscription()
    api.post("/push/subscriptions", gone)
    api.post("/push/subscriptions", kept)
    assert api.post("/push/test").get_json() == {"delivered": 1, "removed": 1}
    assert [endpoint for _, endpoint in subscriptions(app)] == [kept["endpoint"]]


def test_a_failing_service_keeps_the_subscription(app, api, service):
    body = service.subscription(status=500)
    api.post("/push/subscriptions", body)
    assert api.post("/push/test").get_json() == {"delivered": 0, "removed": 0}
    assert len(subscriptions(app)) == 1


def test_logging_out_deletes_this_devices_subscription(app, api, client, service):
    phone, laptop = service.subscription(), service.subscription()
    api.post("/push/subscriptions", phone)
    api.post("/push/subscriptions", laptop)
    token = page_csrf(client, "/account")
    response = client.post(
        "/logout", data={"csrf_token": token, "push_endpoint": phone["endpoint"]}
    )
    assert response.status_code == 303
    assert [endpoint for _, endpoint in subscriptions(app)] == [laptop["endpoint"]]


def test_logging_out_cannot_delete_another_patients_subscription(app, api, other_api, service):
    theirs = service.subscription()
    other_api.post("/push/subscriptions", theirs)
    client = api.client
    token = page_csrf(client, "/account")
    client.post("/logout", data={"csrf_token": token, "push_endpoint": theirs["endpoint"]})
    assert len(subscriptions(app)) == 1


def test_deleting_the_account_deletes_its_subscriptions(app, api, other_api, service):
    api.post("/push/subscriptions", service.subscription())
    other_api.post("/push/subscriptions", service.subscription())
    assert api.delete("/me", {"password": "correct horse battery"}).status_code == 204
    assert len(subscriptions(app)) == 1
    assert login(app.test_client()).status_code == 422
    assert Api(other_api.client).get("/me").status_code == 200
