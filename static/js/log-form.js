// The log form, enhanced: body map, chips, keyboard, note count. Terse: the log page has a byte budget (PRODUCT.md section 9).
document.body.classList.add("js");
const lang = document.documentElement.lang;
const words = Object.assign({}, ...[...document.querySelectorAll("[data-i18n]")].map((s) => JSON.parse(s.textContent)));
const t = (key, values) => (words["logform." + key] ?? key).replace(/%\((\w+)\)s/g, (all, name) => values[name]);
const map = document.querySelector("[data-body-map]");
const list = document.querySelector("[data-location-list]");
const chooser = document.querySelector("[data-chooser]");
const box = (value) => list.querySelector(`[value="${value}"]`);
const place = (input) => input.closest("tr").firstElementChild.textContent;

function paint() {
  for (const shape of map.querySelectorAll("[data-location]")) {
    shape.classList.toggle("on", shape.dataset.location.split(" ").some((v) => box(v).checked));
  }
  for (const option of chooser.querySelectorAll("[data-value]")) {
    option.ariaPressed = box(option.dataset.value).checked;
  }
  const sides = new Map(); // "Calf" -> "left", "right" or "both"
  for (const input of list.querySelectorAll(":checked")) {
    const name = place(input);
    sides.set(name, sides.has(name) ? "both" : input.value.split(":")[1]);
  }
  const places = [...sides].map(([place, side]) => t(side, { place })).join(t("sep"));
  document.querySelector("[data-chosen]").textContent = places ? t("chosen", { places }) : t("none");
}

function choose(shape) {
  const values = shape.dataset.location.split(" ");
  if (!values[1]) {
    box(values[0]).checked ^= 1;
    chooser.hidden = true;
  } else if (chooser.hidden || chooser.dataset.for !== shape.dataset.location) {
    chooser.dataset.for = shape.dataset.location;
    chooser.innerHTML = `<p id="chooser-title"></p>`;
    chooser.firstChild.textContent = t("which", { place: shape.dataset.label });
    for (const value of [...values, ""]) {
      const option = chooser.appendChild(document.createElement("button"));
      option.type = "button";
      option.className = "button small";
      if (value) option.dataset.value = value;
      option.textContent = value ? place(box(value)) : t("done");
    }
    chooser.hidden = false;
    chooser.scrollIntoView({ block: "nearest" });
  } else chooser.hidden = true;
  paint();
}

if (map) {
  list.open = false; // the map is the quick way in
  map.onclick = (event) => event.target.dataset.location && choose(event.target);
  chooser.onclick = ({ target }) => {
    if (target.dataset.value) box(target.dataset.value).checked ^= 1;
    else if (target.type) chooser.hidden = true;
    paint();
  };
  list.onchange = paint;
  paint();
}

const form = document.querySelector("form.log-form");
form?.addEventListener("keydown", (event) => {
  const input = event.target;
  if (event.key === "Enter" && /checkbox|radio/.test(input.type)) {
    event.preventDefault();
    input.click();
  }
});
for (const group of document.querySelectorAll(".chip-list")) {
  const chips = [...group.querySelectorAll("input")];
  const rove = (current) => chips.forEach((chip) => (chip.tabIndex = chip === current ? 0 : -1));
  rove(chips.find((chip) => chip.checked) || chips[0]);
  group.onfocusin = (event) => rove(event.target);
  group.onkeydown = (event) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    chips.at((chips.indexOf(event.target) + step) % chips.length).focus();
  };
}

for (const count of document.querySelectorAll("[data-count]")) {
  const note = count.previousElementSibling;
  const limit = +count.dataset.count;
  (note.oninput = () => {
    const used = [...note.value].length;
    count.textContent = t("count", { used: used.toLocaleString(lang), limit: limit.toLocaleString(lang) });
    count.ariaLive = limit - used < 100 ? "polite" : "off";
  })();
}

document.querySelector(".invalid input, .invalid textarea, .invalid select")?.focus();

const logForm = document.querySelector("form.log-form:not([data-editing])");
const idField = logForm?.querySelector('input[name="id"]');
if (idField && window.crypto?.randomUUID) idField.value = crypto.randomUUID();

const fromOutbox = new URLSearchParams(location.search).get("outbox");
if (fromOutbox && logForm) {
  import("/static/js/outbox.js").then(async ({ refill }) => {
    if (await refill(logForm, fromOutbox)) {
      list?.dispatchEvent(new Event("change"));
    }
  });
}

form?.addEventListener("submit", (event) => {
  const unanswered = [...form.querySelectorAll("input[required]")].filter((input) =>
    input.type === "radio"
      ? !form.querySelector(`input[name="${CSS.escape(input.name)}"]:checked`)
      : !input.value.trim());
  if (!unanswered.length) return;
  event.preventDefault();
  const field = unanswered[0].closest("fieldset, .field");
  if (field && !field.querySelector("[data-unanswered]")) {
    const title = field.querySelector("legend, label");
    const name = title ? title.firstChild.textContent.trim() : "";
    const message = document.createElement("p");
    message.className = "field-error";
    message.dataset.unanswered = "";
    message.setAttribute("role", "alert");
    message.textContent = t("required", { name });
    field.classList.add("invalid");
    (title || field).after(message);
  }
  unanswered[0].focus();
});
