// The reminders page: notifications on this device. Permission is asked only from a tap on
// "Turn on notifications"; iPhone and iPad need the app on the Home Screen first.
import { current, sendTest, subscribe, supported, unsubscribe } from "/static/js/push.js";

const status = document.querySelector("[data-push-status]");
const on = document.querySelector("[data-push-on]");
const test = document.querySelector("[data-push-test]");
const off = document.querySelector("[data-push-off]");
const guide = document.querySelector("[data-ios-guide]");
const iOS = /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
const installed = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;

function show(subscribed) {
  on.hidden = subscribed;
  test.hidden = !subscribed;
  off.hidden = !subscribed;
  status.textContent = subscribed
    ? "Notifications are on for this device."
    : Notification.permission === "denied"
      ? "Notifications are blocked for this site: allow them in the browser's site settings, then tap Turn on notifications."
      : "Notifications are off on this device.";
}

async function start() {
  if (iOS && !installed) {
    guide.open = true;
    status.textContent = "On iPhone and iPad, add the diary to your Home Screen first (below).";
    if (!supported()) return;
  }
  if (!supported()) {
    status.textContent = "This browser cannot show notifications. Reminders can come by e-mail instead.";
    return;
  }
  show(Boolean(await current()));
}

on.addEventListener("click", async () => {
  status.textContent = "Asking…";
  try {
    await subscribe();
    show(true);
  } catch (error) {
    show(false);
    if (error.message === "denied" || error.message === "default") return;
    status.textContent = "Notifications could not be turned on here. Try again, or use e-mail reminders.";
  }
});

test.addEventListener("click", async () => {
  const result = await sendTest().catch(() => ({ delivered: 0 }));
  status.textContent = result.delivered
    ? "Test sent: it should appear in a moment."
    : "The test could not be delivered. Turn notifications off and on again on this device.";
});

off.addEventListener("click", async () => {
  await unsubscribe();
  show(false);
});

start();
