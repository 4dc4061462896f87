// @ts-check
// Live preview for textareas marked data-preview="<id of the preview element>".
// The server renders and sanitises (nh3), so the preview is exactly what candidates will see.
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

async function renderPreview(textarea, target) {
  const response = await fetch("/editor/preview", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
    body: JSON.stringify({ text: textarea.value }),
  });
  target.innerHTML = response.ok ? await response.text() : "<p>(preview unavailable)</p>";
}

for (const textarea of document.querySelectorAll("textarea[data-preview]")) {
  const target = document.getElementById(textarea.dataset.preview);
  const update = debounce(() => renderPreview(textarea, target), 250);
  textarea.addEventListener("input", update);
  renderPreview(textarea, target);
}
