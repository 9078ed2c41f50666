// The new share link: copy it, or hand it to the phone's share sheet.
const field = document.querySelector("[data-share-url]");
const copyButton = document.querySelector("[data-copy]");
const shareButton = document.querySelector("[data-share]");
const status = document.querySelector("[data-copy-status]");

if (field && copyButton && navigator.clipboard) {
  copyButton.hidden = false;
  copyButton.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied.";
    } catch {
      field.select();
      status.textContent = "Select the link and copy it.";
    }
  });
}

if (field && shareButton && navigator.share) {
  shareButton.hidden = false;
  shareButton.addEventListener("click", () => {
    navigator.share({ title: "My pain diary report", url: field.value }).catch(() => {});
  });
}
