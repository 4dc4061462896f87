// @ts-check
// "Copy link" beside a read-only link (no inline handlers under our Content-Security-Policy).
for (const button of document.querySelectorAll("[data-copy]")) {
  const field = document.querySelector(button.dataset.copy);
  const status = document.getElementById(button.getAttribute("aria-describedby"));
  button.hidden = false;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied.";
    } catch {
      status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected link.";
    }
  });
}
