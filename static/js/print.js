// @ts-check
// The report's print button (no inline handlers under our Content-Security-Policy).
for (const button of document.querySelectorAll("[data-print]")) button.addEventListener("click", () => window.print());
