// Web Push on this device: subscribe (only ever from a tap: browsers ask for permission then),
// tell the server, and end the subscription when the patient logs out.
const worker = "serviceWorker" in navigator ? navigator.serviceWorker : null;

export function supported() {
  return Boolean(worker && "PushManager" in window && "Notification" in window);
}

async function manager() {
  const registration = worker && (await worker.getRegistration());
  return registration ? registration.pushManager : null;
}

export async function current() {
  const push = await manager().catch(() => null);
  return push ? push.getSubscription().catch(() => null) : null;
}

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}

async function api(method, path, body) {
  const me = await fetch("/api/v1/me", { credentials: "same-origin" });
  const token = (await me.json()).csrf_token;
  return fetch(`/api/v1${path}`, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

// Call from a click handler: the permission prompt needs the tap.
export async function subscribe() {
  if (!supported()) throw new Error("unsupported");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new Error(permission);
  await worker.ready;
  const push = await manager();
  const key = (await (await fetch("/api/v1/push/key", { credentials: "same-origin" })).json()).public_key;
  const subscription =
    (await push.getSubscription()) ||
    (await push.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  const response = await api("POST", "/push/subscriptions", subscription.toJSON());
  if (!response.ok) throw new Error(`server ${response.status}`);
  return subscription;
}

export async function unsubscribe() {
  const subscription = await current();
  if (!subscription) return;
  await api("DELETE", "/push/subscriptions", { endpoint: subscription.endpoint }).catch(() => {});
  await subscription.unsubscribe().catch(() => {});
}

export async function sendTest() {
  const response = await api("POST", "/push/test");
  return response.ok ? response.json() : { delivered: 0, removed: 0 };
}

// The logout form carries this device's endpoint (the server deletes that subscription).
export async function leave(form) {
  const subscription = await current();
  if (!subscription) return;
  const field = Object.assign(document.createElement("input"), { type: "hidden", name: "push_endpoint" });
  field.value = subscription.endpoint;
  form.append(field);
  await subscription.unsubscribe().catch(() => {});
}
