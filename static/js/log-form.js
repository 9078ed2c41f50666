// The log form, enhanced: the body map toggles the real checkboxes behind it.
// Without this script the checkbox list does the same job.
const map = document.querySelector("[data-body-map]");
const list = document.querySelector("[data-location-list]");

function box(value) {
  return document.querySelector(`input[name="locations"][value="${CSS.escape(value)}"]`);
}

function paint(value) {
  const input = box(value);
  for (const shape of document.querySelectorAll(`[data-location="${CSS.escape(value)}"]`)) {
    shape.classList.toggle("on", Boolean(input && input.checked));
  }
}

if (map && list) {
  list.open = false; // the map is the quick way in; the list stays one tap away
  document.body.classList.add("js");
  map.addEventListener("click", (event) => {
    const shape = event.target.closest("[data-location]");
    if (!shape) return;
    const input = box(shape.dataset.location);
    if (!input) return;
    input.checked = !input.checked;
    paint(shape.dataset.location);
  });
  list.addEventListener("change", (event) => {
    if (event.target.name === "locations") paint(event.target.value);
  });
}

// After a refused save, take the patient straight to the first field that needs attention.
const firstInvalid = document.querySelector(".invalid input, .invalid textarea, .invalid select");
if (firstInvalid) firstInvalid.focus({ preventScroll: false });

// A new-entry form opened from the offline cache must not reuse the id it was cached with.
const idField = document.querySelector('form.log-form input[name="id"]');
const isNew = document.querySelector("form.log-form:not([data-editing])");
if (idField && isNew && window.crypto && crypto.randomUUID) idField.value = crypto.randomUUID();

// "Fix" from the outbox: ?outbox=<id> fills the form with what the server refused.
const fromOutbox = new URLSearchParams(window.location.search).get("outbox");
const logForm = document.querySelector("form.log-form:not([data-editing])");
if (fromOutbox && logForm) {
  import("/static/js/outbox.js").then(async ({ refill }) => {
    if (await refill(logForm, fromOutbox)) {
      for (const input of logForm.querySelectorAll('input[name="locations"]')) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });
}
