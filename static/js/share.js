// The new share link: copy it, or hand it to the phone's share sheet.
import { t } from "/static/js/i18n.js";

const field = document.querySelector("[data-share-url]");
const copyButton = document.querySelector("[data-copy]");
const shareButton = document.querySelector("[data-share]");
const status = document.querySelector("[data-copy-status]");

if (field && copyButton && navigator.clipboard) {
  copyButton.hidden = false;
  copyButton.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = t("share.copied");
    } catch {
      field.select();
      status.textContent = t("share.copy_failed");
    }
  });
}

if (field && shareButton && navigator.share) {
  shareButton.hidden = false;
  shareButton.addEventListener("click", () => {
    navigator.share({ title: t("share.title"), url: field.value }).catch(() => {});
  });
}
