"""/api/v1/push: the server's VAPID key and this browser's Web Push subscription (section 12)."""

from flask_login import current_user

from ..core.extensions import limiter
from ..core.logs import log_success
from ..http import account_key, json_body
from ..services import push
from . import bp


@bp.get("/push/key")
def push_key():
    """The application server key to subscribe with (base64url)."""
    return {"public_key": push.public_key()}


@bp.post("/push/subscriptions")
def subscribe():
    """Keep this browser's subscription: 201 when new, 200 when known (keys refreshed)."""
    cleaned = push.clean_subscription(json_body())
    created = push.subscribe(current_user.id, cleaned)
    if created:
        log_success("push_subscribed")
    return {"endpoint": cleaned["endpoint"]}, 201 if created else 200


@bp.delete("/push/subscriptions")
def unsubscribe():
    """Forget this browser's subscription (204 whether or not it was known)."""
    body = json_body()
    push.unsubscribe(current_user.id, body.get("endpoint") if isinstance(body, dict) else None)
    return "", 204


@bp.post("/push/test")
@limiter.limit("10 per hour", key_func=account_key)
def test_push():
    """Send a test notification to each of the patient's devices now."""
    delivered, removed = push.send_to_user(current_user.id, "test")
    return {"delivered": delivered, "removed": removed}
