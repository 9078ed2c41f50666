// Sign-up: send the browser's IANA time zone, so "today" means the patient's today.
const field = document.querySelector("[data-timezone]");
if (field && !field.value) {
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    field.value = "";
  }
}
