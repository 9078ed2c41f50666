// The questionnaire forms, enhanced (they work without it): fresh ids for each form opened (a
// copy kept offline must not reuse the ids it was kept with), "None of these" answers No to every
// warning sign at once (a Yes takes it back), Enter ticks an answer, and a question left without
// an answer is named before the form leaves the page (offline, the outbox would otherwise keep
// answers the server can only refuse).
import { formatNumber, t } from "/static/js/i18n.js";

const form = document.querySelector("form.questionnaire-form");

// What an unanswered question needs, as a whole sentence in the page's language.
function needs(field) {
  if (field.classList.contains("scale")) {
    const values = [...field.querySelectorAll("input")].map((input) => Number(input.value));
    return t("checkin.needs_number", {
      low: formatNumber(values[0]),
      high: formatNumber(values[values.length - 1]),
    });
  }
  if (field.classList.contains("yesno")) {
    return field.closest(".warning-signs") ? t("checkin.needs_yes_no_none") : t("checkin.needs_yes_no");
  }
  return t("checkin.needs_choice");
}

function unanswered(field) {
  if (field.querySelector(":checked")) return false;
  const noneOf = field.closest("[data-instrument]").querySelector('input[name="none_of"]');
  return !(noneOf && noneOf.checked && field.classList.contains("yesno"));
}

if (form) {
  if (!form.hasAttribute("data-editing") && window.crypto && crypto.randomUUID) {
    for (const id of form.querySelectorAll('input[name^="id:"]')) id.value = crypto.randomUUID();
  }
  for (const noneOf of form.querySelectorAll('input[name="none_of"]')) {
    const section = noneOf.closest("[data-instrument]");
    noneOf.addEventListener("change", () => {
      if (!noneOf.checked) return;
      for (const no of section.querySelectorAll('.yesno input[value="false"]')) no.checked = true;
    });
    section.addEventListener("change", ({ target }) => {
      if (target.type === "radio" && target.value === "true") noneOf.checked = false;
    });
  }
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && /checkbox|radio/.test(event.target.type)) {
      event.preventDefault();
      event.target.click();
    }
  });
  form.addEventListener("submit", (event) => {
    for (const old of form.querySelectorAll("[data-unanswered]")) old.remove();
    const missing = [...form.querySelectorAll("fieldset.scale, fieldset.yesno, fieldset.choices")].filter(unanswered);
    if (!missing.length) return;
    event.preventDefault();
    for (const field of missing) {
      const message = document.createElement("p");
      message.className = "field-error";
      message.dataset.unanswered = "";
      message.id = `${field.id}-unanswered`;
      message.textContent = needs(field);
      field.classList.add("invalid");
      field.setAttribute("aria-describedby", message.id);
      field.querySelector("legend").after(message);
    }
    missing[0].querySelector("input").focus();
  });
  for (const field of form.querySelectorAll("fieldset")) {
    field.addEventListener("change", () => {
      if (!field.querySelector("[data-unanswered]")) return;
      field.querySelector("[data-unanswered]").remove();
      field.classList.remove("invalid");
      field.removeAttribute("aria-describedby");
    });
  }
  // "Fix" from the outbox: ?outbox=<id> fills the form with what the server refused.
  const fromOutbox = new URLSearchParams(window.location.search).get("outbox");
  if (fromOutbox) import("/static/js/outbox.js").then(({ refill }) => refill(form, fromOutbox));
  // After a refused save, straight to the first question that needs attention.
  const firstInvalid = form.querySelector(".invalid input");
  if (firstInvalid) firstInvalid.focus();
}
