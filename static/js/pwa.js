// Every page: install the service worker, send the outbox when there is a connection, show what
// is still waiting, and forget everything on this phone at logout.
import { allItems, clearItems, flush, removeItem } from "/static/js/outbox.js";

const STATUS_TEXT = {
  waiting: "Waiting for a connection.",
  login: "Log in to send it.",
};

function describe(item) {
  const when = new Date(item.body.recorded_at || item.body.started_at || item.queued_at);
  const time = Number.isNaN(when.getTime())
    ? String(item.body.recorded_at || item.body.started_at)
    : when.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  if (item.kind === "entry") return `Pain ${item.body.pain.overall ?? "?"}/10 · ${time}`;
  return `Acupuncture session · ${time}`;
}

async function render() {
  const sections = document.querySelectorAll("[data-outbox]");
  if (!sections.length) return;
  let items = [];
  try {
    items = await allItems();
  } catch {
    return; // no IndexedDB (private mode): nothing can be waiting here
  }
  for (const section of sections) {
    const list = section.querySelector("[data-outbox-list]");
    list.replaceChildren();
    for (const item of items) {
      const row = document.createElement("li");
      row.className = `outbox-item ${item.status}`;
      row.dataset.outboxId = item.id;
      const title = document.createElement("strong");
      title.textContent = describe(item);
      const state = document.createElement("span");
      state.className = "outbox-state";
      state.textContent = item.status === "problem" ? `Not sent: ${item.error}` : STATUS_TEXT[item.status] || "";
      row.append(title, " ", state);
      if (item.status === "problem") {
        const discard = document.createElement("button");
        discard.type = "button";
        discard.className = "button small";
        discard.textContent = "Discard";
        discard.addEventListener("click", async () => {
          await removeItem(item.id);
          render();
        });
        row.append(" ", discard);
      }
      if (item.status === "login") {
        const link = document.createElement("a");
        link.href = "/login";
        link.className = "inline-tap";
        link.textContent = "Log in";
        row.append(" ", link);
      }
      list.append(row);
    }
    section.hidden = items.length === 0;
    section.querySelector("[data-outbox-status]").textContent = items.length
      ? `${items.length} item${items.length === 1 ? "" : "s"} kept on this phone.`
      : "";
  }
}

async function send() {
  if (!navigator.onLine) return render();
  try {
    const summary = await flush();
    // A page that lists the diary shows what just arrived (the outbox is empty now: no loop).
    if (summary.sent && document.querySelector("[data-outbox]") && document.body.dataset.loggedIn !== undefined) {
      window.location.reload();
    }
  } finally {
    await render();
  }
}

// Logging out forgets the outbox and the caches here too (the server also sends Clear-Site-Data).
function guardLogout() {
  const form = document.querySelector("form.logout");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const waiting = await allItems().catch(() => []);
    if (waiting.length && !window.confirm(`${waiting.length} item(s) have not been sent yet and will be deleted from this phone. Log out anyway?`)) {
      return;
    }
    await clearItems().catch(() => {});
    if (window.caches) for (const name of await caches.keys()) await caches.delete(name);
    form.submit();
  });
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" }).catch(() => {});
  if (document.body.dataset.loggedIn !== undefined) {
    navigator.serviceWorker.ready.then((registration) => registration.active.postMessage({ type: "keep-pages" }));
  }
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "outbox-changed") render();
  });
}

const params = new URLSearchParams(window.location.search);
const queuedNotice = document.querySelector("[data-queued-notice]");
if (queuedNotice && params.get("queued")) queuedNotice.hidden = false;

window.addEventListener("online", send);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") send();
});
guardLogout();
send();
