// The page's messages for its scripts, written by the server in the page's language
// (<script type="application/json" data-i18n>, from diary/core/jsmessages.py), and dates and
// numbers in the page's language (<html lang>).

let catalogue = null;

function messages() {
  if (catalogue === null) {
    catalogue = {};
    if (typeof document !== "undefined") {
      for (const element of document.querySelectorAll("script[data-i18n]")) {
        Object.assign(catalogue, JSON.parse(element.textContent));
      }
    }
  }
  return catalogue;
}

// t("outbox.saved", { count: 2 }): the message with its %(name)s placeholders filled in; the
// key itself when the page carries no such message (a mistake the pseudo-locale crawl shows).
export function t(key, values = {}) {
  const text = messages()[key] ?? key;
  return text.replace(/%\((\w+)\)[sd]/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// Messages from elsewhere than the page (the offline app's words, fetched by outbox.js).
export function addMessages(more) {
  Object.assign(messages(), more);
}

// plural("outbox.kept", 3): the message "outbox.kept_one" or "outbox.kept_other" by the page
// language's plural rules (French says "0 élément"; Chinese has one form, "_other"), with
// %(count)s filled in.
export function plural(key, count, values = {}) {
  const form = new Intl.PluralRules(lang()).select(count) === "one" ? "one" : "other";
  return t(`${key}_${form}`, { ...values, count: formatNumber(count) });
}

// "The time" + "is required" as one sentence with its full stop: Chinese writes the two
// together and ends with its own full stop, as the pages do (templates/_macros.html error()).
export function sentence(subject, message) {
  return lang().startsWith("zh") ? `${subject}${message}。` : `${subject} ${message}.`;
}

export function lang() {
  return (typeof document !== "undefined" && document.documentElement.lang) || "en";
}

// Making an Intl format costs far more than using one, and a chart asks for hundreds of labels:
// each kind of format is made once per language and options.
const formats = new Map();

function format(Kind, options) {
  const key = `${Kind.name} ${lang()} ${JSON.stringify(options || {})}`;
  let found = formats.get(key);
  if (!found) formats.set(key, (found = new Kind(lang(), options)));
  return found;
}

export function formatDate(date, options) {
  return format(Intl.DateTimeFormat, options).format(date);
}

export function formatNumber(number, options) {
  return format(Intl.NumberFormat, options).format(number);
}
