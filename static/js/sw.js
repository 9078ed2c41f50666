// The service worker (a module, served at /sw.js so that it controls every page).
// - app shell precached: styles, scripts, icons, the offline page, the log forms, the check-in
//   and its urgent page;
// - pages network-first (only the log forms are kept for offline use);
// - static files and the pinned Chart.js files cache-first (the page still checks integrity);
// - never the API: answers with health data are never cached;
// - a log form posted with no connection goes to the outbox instead of failing;
// - the kept pages are in the patient's language: each page says its language (pwa.js) and the
//   worker fetches them again when it is not the one they were kept in.
import { WORDS, flush, queueForm } from "/static/js/outbox.js";

const VERSION = "v1";
const SHELL = `diary-shell-${VERSION}`;
const SHELL_FILES = [
  "/offline",
  "/static/css/app.css",
  "/static/css/pages.css",
  "/static/js/pwa.js",
  "/static/js/outbox.js",
  "/static/js/i18n.js",
  "/static/js/log-form.js",
  "/static/css/questionnaires.css",
  "/static/js/checkin.js",
  "/static/icons/icon.svg",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
];
// Filled in by the server (diary/pwa.py): each log form's page -> how to queue that form.
const RECORD_FORMS = {};
// Pages posting a form the outbox can queue: the form pages, and each questionnaire's own page.
const POSTED_FORMS = {};
for (const spec of Object.values(RECORD_FORMS)) {
  for (const page of [spec.form_page, ...Object.values(spec.pages || {})]) POSTED_FORMS[page] = spec;
}
// Kept as data-free shells: the form pages, and the urgent page a queued red flag answered yes
// opens at once.
const OFFLINE_PAGES = [
  ...Object.keys(RECORD_FORMS),
  ...Object.values(RECORD_FORMS).flatMap((spec) => (spec.urgent_page ? [spec.urgent_page] : [])),
];
const CDN = "https://cdn.jsdelivr.net/npm/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      // One file failing (a flaky connection) must not cost the whole worker: keep the rest,
      // and the missing ones are cached on first use.
      await Promise.all(SHELL_FILES.map((path) => cache.add(path).catch(() => {})));
      await Promise.all(OFFLINE_PAGES.map((path) => keepPage(cache, path)));
      await keepPage(cache, WORDS);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== SHELL) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

// The log forms are kept as data-free shells: asked for with X-Diary-Shell, the server sends
// them blank (nothing carried from the diary, no list, no messages) and, logged out, a bare 401.
async function keepPage(cache, path) {
  try {
    // Never follow a redirect to /login: that page sets a fresh session cookie, and landing after
    // a sign-up or login that is still in flight it would log the patient straight out again.
    const response = await fetch(path, {
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
      headers: path.startsWith("/offline") ? {} : { "X-Diary-Shell": "1" },
    });
    if (response.ok && !response.redirected) await cache.put(path, response);
  } catch {
    // not logged in yet, or offline: kept the next time the page is opened
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  const local = url.origin === self.location.origin;
  if (local && url.pathname.startsWith("/api/")) return; // network only, never cached
  if (request.method === "POST" && request.mode === "navigate" && local && POSTED_FORMS[url.pathname]) {
    event.respondWith(sendOrQueue(request, POSTED_FORMS[url.pathname]));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate" && local) {
    event.respondWith(networkFirst(request, url));
  } else if ((local && url.pathname.startsWith("/static/")) || request.url.startsWith(CDN)) {
    event.respondWith(cacheFirst(request));
  }
});

async function sendOrQueue(request, spec) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch {
    const items = await queueForm(spec, await copy.formData());
    await tellPages();
    if (self.registration.sync) self.registration.sync.register("outbox").catch(() => {});
    const urgent = spec.urgent_page && items.some((item) => item.urgent);
    return Response.redirect(urgent ? `${spec.urgent_page}?queued=1` : "/offline?queued=1", 303);
  }
}

async function networkFirst(request, url) {
  try {
    const response = await fetch(request);
    // Pages seen online are never kept (they hold health data); when the server says the login
    // is gone (a page sends to /login), the kept shells go too, to be fetched again after login.
    if (response.redirected && new URL(response.url).pathname === "/login") await forgetShells();
    return response;
  } catch {
    const cache = await caches.open(SHELL);
    const kept = (await cache.match(url.pathname)) || (await cache.match("/offline"));
    const words = await keptWords(cache);
    return kept || new Response(words["pwa.not_kept"] || "No connection, and this page is not kept on this phone.", {
      status: 503,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
}

// Versioned static URLs (?v=digest) never change, so the cached copy is always right. Offline,
// a version not seen yet falls back to the copy precached under the plain path: this worker's
// cache name carries the digest of every static file, so that copy is the same file.
async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(request);
  if (cached) return cached;
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const plain = await cache.match(request, { ignoreSearch: true });
    if (plain) return plain;
    throw error;
  }
}

async function forgetShells() {
  const cache = await caches.open(SHELL);
  await Promise.all(OFFLINE_PAGES.map((path) => cache.delete(path)));
}

async function tellPages(summary = {}) {
  const sent = summary.sent || 0;
  for (const client of await self.clients.matchAll()) client.postMessage({ type: "outbox-changed", sent });
}

self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(flush().then(tellPages));
});

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "flush") event.waitUntil(flush().then(tellPages));
  if (type === "keep-pages") event.waitUntil(keepPages(event.data.lang));
});

// The offline app's words as kept with the pages ({lang, messages}), or none yet.
async function keptWords(cache) {
  const kept = await cache.match(WORDS);
  return kept ? (await kept.json()).messages || {} : {};
}

// After a login the log forms can be kept for offline use (at install time there may be none).
// A page in another language than the kept ones (the patient chose one on /account) has them
// all fetched again; the words come last, so their lang names the language of the kept pages.
async function keepPages(lang) {
  const cache = await caches.open(SHELL);
  const words = await cache.match(WORDS);
  const keptLang = words ? (await words.json()).lang : null;
  const changed = Boolean(lang) && lang !== keptLang;
  for (const path of ["/offline", ...OFFLINE_PAGES, WORDS]) {
    if (changed || !(await cache.match(path))) await keepPage(cache, path);
  }
}

// Web Push: reminders arrive as {title, body, url} with generic words only (no pain value, note
// or name ever reaches the lock screen); a tap opens the page named, on this site only.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  const url = typeof message.url === "string" && message.url.startsWith("/") && !message.url.startsWith("//") ? message.url : "/";
  event.waitUntil(
    (async () => {
      const words = await keptWords(await caches.open(SHELL));
      await self.registration.showNotification(message.title || words["pwa.name"] || "Pain diary", {
        body: message.body || words["pwa.reminder"] || "Time to log your pain.",
        icon: "/static/icons/icon-192.png",
        badge: "/static/icons/icon-192.png",
        tag: "diary-reminder",
        data: { url },
      });
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  event.waitUntil(
    (async () => {
      for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
        if (new URL(client.url).origin === url.origin && "navigate" in client) {
          await client.focus();
          return client.navigate(url.href);
        }
      }
      return self.clients.openWindow(url.href);
    })(),
  );
});
