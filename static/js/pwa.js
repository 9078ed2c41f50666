// Every page: the service worker, the outbox, logging out. Terse: the log page has a byte budget.
const worker = "serviceWorker" in navigator ? navigator.serviceWorker : null;
const loggedIn = document.body.dataset.loggedIn !== undefined;
const sections = document.querySelectorAll("[data-outbox]");
const outbox = () => import("/static/js/outbox.js");

async function send() {
  if (!navigator.onLine) return;
  if (worker) {
    (await worker.ready).active.postMessage({ type: "flush" }); // the worker is the one sender
  } else {
    const { flush } = await outbox(); // a browser without workers: this page sends it itself
    if ((await flush()).sent) changed(true);
  }
}

function changed(sent) {
  // A page listing the diary shows what arrived (the outbox is empty then: no loop).
  if (sent && sections.length && loggedIn) window.location.reload();
  else if (sections.length) outbox().then(({ render }) => render(sections));
}

if (worker) {
  worker.register("/sw.js", { type: "module", scope: "/" }).catch(() => {});
  const lang = document.documentElement.lang;
  if (loggedIn) worker.ready.then((registration) => registration.active.postMessage({ type: "keep-pages", lang }));
  worker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "outbox-changed") changed(event.data.sent > 0);
  });
}

const queuedNotice = document.querySelector("[data-queued-notice]");
if (queuedNotice && new URLSearchParams(window.location.search).get("queued")) queuedNotice.hidden = false;

const logout = document.querySelector("form.logout");
logout?.addEventListener("submit", (event) => {
  event.preventDefault();
  outbox().then((o) => o.leave(logout));
});

window.addEventListener("online", send);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") send();
});
if (sections.length) changed(false);
send();
