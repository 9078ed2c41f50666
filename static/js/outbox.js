// The outbox: entries, sessions and questionnaire answers logged with no connection, kept in
// IndexedDB on this phone
// until the server has them. Shared by the pages (pwa.js) and the service worker (sw.js).
// Each item keeps the form's client UUID, so sending it twice can never make two entries.
// The worker shows no words: an item keeps the server's message and the pages put it in words
// (t(), in the page's language).
import { addMessages, formatDate, plural, sentence, t } from "/static/js/i18n.js";

const DB_NAME = "diary-outbox";
const STORE = "items";
// Items queued before each item carried its own endpoint, time field and form page.
const EARLIER_ITEMS = {
  entry: { endpoint: "/api/v1/entries", time_field: "recorded_at", form_page: "/entries/new" },
  session: { endpoint: "/api/v1/sessions", time_field: "started_at", form_page: "/sessions" },
};
// How a field is named to the patient: the server's label, else its path in words
// ("pain.overall" -> "Overall pain").
function fieldName(item, path) {
  const label = (item.labels || {})[path];
  if (label) return label;
  const words = path.split(".").reverse().join(" ").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const about = (item) => (item.endpoint ? item : { ...EARLIER_ITEMS[item.kind], ...item });

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const result = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

export const allItems = () => withStore("readonly", (store) => store.getAll());
export const putItem = (item) => withStore("readwrite", (store) => store.put(item));
export const removeItem = (id) => withStore("readwrite", (store) => store.delete(id));
export const clearItems = () => withStore("readwrite", (store) => store.clear());

function whole(value) {
  if (value === null || value === undefined || String(value).trim() === "") return null;
  const text = String(value).trim();
  return /^\d{1,5}$/.test(text) ? Number(text) : text; // the server names anything else
}

function text(form, name) {
  return form.get(name) || "";
}

// The plain form as the API's JSON shape, following the kind's fields as the server describes
// them (RecordKind.client_form in diary/records/kind.py, sent to the worker in sw.js).
export function bodyFromForm(spec, form, queuedAt) {
  const body = { id: form.get("id") || crypto.randomUUID(), [spec.time_field]: form.get(spec.time_field) || queuedAt };
  for (const field of spec.fields) {
    let value;
    if (field.type === "score") value = whole(form.get(field.name));
    else if (field.type === "text") value = text(form, field.name);
    else if (field.type === "keys") value = form.getAll(field.name);
    else {
      value = form.getAll(field.name).map((checked) => {
        const [region, side] = checked.split(":");
        return { region, side };
      });
    }
    if (field.group) body[field.group] = { ...body[field.group], [field.name]: value };
    else body[field.name] = value;
  }
  return body;
}

function answer(text) {
  if (text === "true" || text === "false") return text === "true";
  const value = String(text).trim();
  if (value === "") return null;
  return /^-?\d{1,7}$/.test(value) ? Number(value) : value; // the server names anything else
}

// A questionnaire form as one API body per questionnaire it asks (the check-in asks PEG and the
// red flags), read as diary/checkin.py reads it: `instruments`, `id:<key>`, `<key>.<item>` (the
// last value counts: a tick box follows its hidden "false"), and `none_of` (unanswered yes/no
// questions of that questionnaire are a no; a yes stays a yes).
export function responseBodies(spec, form, queuedAt) {
  const noneOf = form.getAll("none_of");
  const asked = [...new Set(form.getAll("instruments"))].filter((key) => spec.instruments[key]);
  return asked.map((key) => {
    const answers = {};
    for (const item of spec.instruments[key].items) {
      const given = form.getAll(`${key}.${item.key}`);
      let value = given.length ? answer(given[given.length - 1]) : null;
      if (value === null && item.type === "boolean" && noneOf.includes(key)) value = false;
      if (value !== null) answers[item.key] = value;
    }
    const time = form.get(spec.time_field) || queuedAt;
    return { id: form.get(`id:${key}`) || crypto.randomUUID(), instrument: key, [spec.time_field]: time, answers };
  });
}

// Keep a form that could not be sent: its items (one, or one per questionnaire). The time is
// fixed now: "now" must not become the time the phone finds a connection.
// implicit_time remembers that the time is the queueing time, not one the patient typed.
export async function queueForm(spec, form) {
  const queuedAt = new Date().toISOString();
  const bodies = spec.instruments ? responseBodies(spec, form, queuedAt) : [bodyFromForm(spec, form, queuedAt)];
  // Words typed under "Other:" become the patient's own items when the item is sent.
  const ownWords = spec.fields
    .filter((field) => field.category && (form.get(`new_${field.name}`) || "").trim())
    .map((field) => ({ name: field.name, category: field.category, label: form.get(`new_${field.name}`).trim() }));
  const implicit = !form.get(spec.time_field);
  const items = bodies.map((body) => {
    const instrument = spec.instruments && spec.instruments[body.instrument];
    return {
      id: body.id,
      kind: spec.kind,
      endpoint: spec.endpoint,
      time_field: spec.time_field,
      form_page: instrument ? spec.pages[body.instrument] : spec.form_page,
      labels: instrument ? { ...spec.labels, ...instrument.labels } : spec.labels,
      body,
      queued_at: queuedAt,
      implicit_time: implicit,
      own_words: ownWords,
      status: "waiting",
      error: "",
      ...(instrument && {
        title: instrument.title,
        // A warning sign answered yes: the phone says "go now" without waiting for the server.
        urgent: instrument.urgent && Object.values(body.answers).includes(true),
      }),
    };
  });
  for (const item of items) await putItem(item);
  return items;
}

let flushing = null;

// Send what waits: 2xx removes an item; 401 keeps it and asks for a login; 409/422 keep it with
// the problem for the patient to fix or discard; anything else (offline, 429, 5xx) tries later.
export function flush() {
  flushing = flushing || sendAll().finally(() => {
    flushing = null;
  });
  return flushing;
}

async function sendAll() {
  const summary = { sent: 0, waiting: 0, login: false, problems: 0 };
  const items = (await allItems()).sort((a, b) => a.queued_at.localeCompare(b.queued_at));
  const pending = items.filter((item) => item.status !== "problem");
  summary.problems = items.length - pending.length;
  if (!pending.length) return summary;
  let token;
  try {
    const me = await fetch("/api/v1/me", { credentials: "same-origin", cache: "no-store" });
    if (me.status === 401) {
      for (const item of pending) await putItem({ ...item, status: "login" });
      return { ...summary, waiting: pending.length, login: true };
    }
    if (!me.ok) return { ...summary, waiting: pending.length };
    token = (await me.json()).csrf_token; // fresh for this session
  } catch {
    return { ...summary, waiting: pending.length };
  }
  const send = (item, body) => fetch(about(item).endpoint, {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify(body),
  });
  for (const [index, item] of pending.entries()) {
    let response;
    try {
      if (item.own_words && item.own_words.length) await addOwnWords(item, token);
      response = await send(item, item.body);
      if (response.status === 409 && item.implicit_time) {
        // The form may have reached the server before the connection dropped, stored at the
        // server's own "now". Without the time, a replay matches any stored time (and a
        // different entry under this id is still a 409).
        const { [about(item).time_field]: _, ...untimed } = item.body;
        response = await send(item, untimed);
      }
    } catch {
      return { ...summary, waiting: pending.length - index };
    }
    if (response.ok) {
      await removeItem(item.id);
      summary.sent += 1;
    } else if (response.status === 401) {
      await putItem({ ...item, status: "login" });
      return { ...summary, waiting: pending.length - index, login: true };
    } else if (response.status === 409 || response.status === 422) {
      const answer = await response.json().catch(() => ({}));
      const error = answer.error || {};
      // The server's message (in the patient's language); the page says it in words.
      await putItem({ ...item, status: "problem", message: error.message || "", fields: error.fields || {} });
      summary.problems += 1;
    } else {
      if (item.status !== "waiting") await putItem({ ...item, status: "waiting" });
      return { ...summary, waiting: pending.length - index };
    }
  }
  return summary;
}

// The key of each word typed under "Other:": the list's item with that label, else a new own
// item (POST /api/v1/vocabulary/<category>); the keys join the body before it is sent.
async function addOwnWords(item, token) {
  const lookUp = async (word) => {
    const lists = await (await fetch("/api/v1/vocabulary", { credentials: "same-origin", cache: "no-store" })).json();
    return (lists[word.category] || []).find((entry) => entry.label.toLowerCase() === word.label.toLowerCase());
  };
  const body = { ...item.body };
  for (const word of item.own_words) {
    let found = await lookUp(word);
    if (!found) {
      const made = await fetch(`/api/v1/vocabulary/${word.category}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ label: word.label }),
      });
      // Refused: another sender (the page or the worker) may have just added it.
      found = made.ok ? await made.json() : await lookUp(word);
    }
    if (!found) throw new Error(`own word ${word.label} not added`); // kept, tried again later
    body[word.name] = [...(body[word.name] || []), found.key];
  }
  item.body = body;
  item.own_words = [];
  await putItem(item);
}

const STATUS_TEXT = { waiting: "outbox.waiting", login: "outbox.login" };

function describe(item) {
  const typed = item.body[about(item).time_field];
  const moment = new Date(typed || item.queued_at);
  const when = Number.isNaN(moment.getTime())
    ? String(typed)
    : formatDate(moment, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  if (item.kind === "entry") return t("outbox.entry", { score: item.body.pain.overall ?? "?", when });
  if (item.kind === "response") return t("outbox.response", { title: item.title || t("outbox.questionnaire"), when });
  return t("outbox.session", { when });
}

// "Overall pain is required." for each field the server refused, never the API's field path.
const fieldProblems = (item) =>
  Object.entries(item.fields || {}).map(([path, message]) => sentence(fieldName(item, path), message));

// What the server said of a refused item (items kept before carried it as one text).
function problem(item) {
  if (item.message === undefined) return item.error;
  return [item.message, ...fieldProblems(item)].filter(Boolean).join(" ");
}

function row(item, refresh) {
  const line = document.createElement("li");
  line.className = `outbox-item ${item.status}`;
  const title = document.createElement("strong");
  title.textContent = describe(item);
  const state = document.createElement("span");
  state.className = "outbox-state";
  state.textContent = item.status === "problem" ? t("outbox.not_sent", { problem: problem(item) }) : STATUS_TEXT[item.status] ? t(STATUS_TEXT[item.status]) : "";
  line.append(title, " ", state);
  if (item.urgent) {
    const urgent = document.createElement("p");
    urgent.className = "field-error";
    urgent.textContent = t("outbox.urgent");
    line.append(" ", urgent);
  }
  if (item.status === "problem") {
    const fix = document.createElement("a");
    fix.href = `${about(item).form_page}?outbox=${encodeURIComponent(item.id)}`;
    fix.className = "button small";
    fix.textContent = t("outbox.fix");
    line.append(" ", fix);
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button small";
    discard.textContent = t("outbox.discard");
    discard.addEventListener("click", async () => {
      await removeItem(item.id);
      refresh();
    });
    line.append(" ", discard);
  }
  if (item.status === "login") {
    const link = document.createElement("a");
    link.href = "/login";
    link.className = "inline-tap";
    link.textContent = t("outbox.log_in");
    line.append(" ", link);
  }
  return line;
}

// Show what waits in each [data-outbox] section of a page (hidden when nothing waits).
export async function render(sections) {
  let items = [];
  try {
    items = await allItems();
  } catch {
    return; // no IndexedDB (private mode): nothing can be waiting here
  }
  const refresh = () => render(sections);
  for (const section of sections) {
    section.querySelector("[data-outbox-list]").replaceChildren(...items.map((item) => row(item, refresh)));
    section.hidden = items.length === 0;
    section.querySelector("[data-outbox-status]").textContent = items.length ? plural("outbox.kept", items.length) : "";
  }
}

function localInput(value) {
  // A queued time is either what the patient typed (local) or an ISO instant: show it locally.
  if (!value || !/[zZ]|[+-]\d\d:\d\d$/.test(value)) return value || "";
  const when = new Date(value);
  if (Number.isNaN(when.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}T${pad(when.getHours())}:${pad(when.getMinutes())}`;
}

// Put a refused item back into its form, to be corrected and sent again; it leaves the outbox
// when the form is sent (if that fails offline, the worker queues the corrected one).
export async function refill(form, id) {
  const item = (await allItems()).find((candidate) => candidate.id === id);
  if (!item) return false;
  const body = item.body;
  const values = { ...body };
  for (const [name, value] of Object.entries(body)) {
    if (name === "answers" && body.instrument) {
      for (const [key, answered] of Object.entries(value)) values[`${body.instrument}.${key}`] = answered;
    } else if (value && typeof value === "object" && !Array.isArray(value)) Object.assign(values, value); // a group: pain
    else if (Array.isArray(value) && value.some((part) => part && typeof part === "object")) {
      values[name] = value.flatMap(({ region, side }) => // locations: the boxes to tick
        side === "both" ? [`${region}:left`, `${region}:right`] : [`${region}:${side}`]);
    }
  }
  const timeField = about(item).time_field;
  values[timeField] = localInput(body[timeField]);
  for (const field of form.elements) {
    if (!field.name || !(field.name in values) || field.name === "id") continue;
    const value = values[field.name];
    if (field.type === "radio") field.checked = String(value ?? "") === field.value;
    else if (field.type === "checkbox") field.checked = Array.isArray(value) ? value.includes(field.value) : String(value) === field.value;
    else if (field.type !== "hidden") field.value = value ?? "";
  }
  for (const details of form.querySelectorAll("details")) details.open = true;
  // The server's message next to each field it refused (pain.overall -> the "overall" field).
  for (const [path, message] of Object.entries(item.fields || {})) {
    // answers.pain of a PEG response is the form's peg.pain; pain.overall is overall.
    const name = body.instrument && path.startsWith("answers.") ? `${body.instrument}.${path.slice(8)}` : path.split(".").pop();
    const input = form.elements[name];
    const first = input && (input instanceof RadioNodeList ? input[0] : input);
    const field = first && first.closest("fieldset, .field");
    if (!field) continue;
    const note = document.createElement("p");
    note.className = "field-error";
    note.textContent = sentence(fieldName(item, path), message);
    field.classList.add("invalid");
    (field.querySelector("legend, label") || field).after(note);
  }
  form.addEventListener("submit", () => removeItem(id), { once: true });
  return true;
}

// Logging out forgets this phone's diary: what waits here, the kept pages, the push subscription.
// The question comes in the page's language from the offline app's words (online: logging out
// needs the server; else the copy the worker keeps).
export async function leave(logout) {
  const waiting = await allItems().catch(() => []);
  if (waiting.length) {
    addMessages(await appWords());
    if (!window.confirm(t("pwa.leave", { count: waiting.length }))) return;
  }
  await clearItems().catch(() => {});
  if (window.caches) for (const name of await caches.keys()) await caches.delete(name);
  await import("/static/js/push.js").then((p) => p.leave(logout)).catch(() => {});
  logout.submit();
}

// The offline app's words (diary/pwa.py: {lang, messages}), in the patient's language.
export const WORDS = "/offline/words.json";

export async function appWords() {
  const answer = await fetch(WORDS, { credentials: "same-origin", cache: "no-store" }).catch(() => null);
  const kept = answer && answer.ok ? answer : self.caches && (await caches.match(WORDS));
  return kept ? (await kept.json()).messages : {};
}
