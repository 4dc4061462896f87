// @ts-check
// Live preview for textareas marked data-preview="<id of the preview element>".
// The server renders and sanitises (nh3), so the preview is exactly what candidates will see.
import { api } from "./api.js";

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

async function renderPreview(textarea, target) {
  try {
    target.innerHTML = await api.html("/editor/preview", { text: textarea.value });
  } catch {
    target.innerHTML = "<p>(preview unavailable)</p>"; // offline or refused: the form still works
  }
}

for (const textarea of document.querySelectorAll("textarea[data-preview]")) {
  const target = document.getElementById(textarea.dataset.preview);
  const update = debounce(() => renderPreview(textarea, target), 250);
  textarea.addEventListener("input", update);
  renderPreview(textarea, target);
}
