// The reminders page: notifications on this device. Permission is asked only from a tap on
// "Turn on notifications"; iPhone and iPad need the app on the Home Screen first.
import { t } from "/static/js/i18n.js";
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
    ? t("reminders.on")
    : Notification.permission === "denied"
      ? t("reminders.blocked")
      : t("reminders.off");
}

async function start() {
  if (iOS && !installed) {
    guide.open = true;
    status.textContent = t("reminders.ios");
    if (!supported()) return;
  }
  if (!supported()) {
    status.textContent = t("reminders.unsupported");
    return;
  }
  show(Boolean(await current()));
}

on.addEventListener("click", async () => {
  status.textContent = t("reminders.asking");
  try {
    await subscribe();
    show(true);
  } catch (error) {
    show(false);
    if (error.message === "denied" || error.message === "default") return;
    status.textContent = t("reminders.failed");
  }
});

test.addEventListener("click", async () => {
  const result = await sendTest().catch(() => ({ delivered: 0 }));
  status.textContent = result.delivered
    ? t("reminders.test_sent")
    : t("reminders.test_failed");
});

off.addEventListener("click", async () => {
  await unsubscribe();
  show(false);
});

start();
