// @ts-check
// Click a sentence or a quote to hear where it was said; the sentence being played is marked.
const media = document.getElementById("answer-media");
const seekers = [...document.querySelectorAll(".seek[data-start]")];

for (const button of seekers) {
  button.addEventListener("click", () => {
    if (!media) return;
    media.currentTime = Number(button.dataset.start);
    media.play().catch(() => {}); // blocked or interrupted by the next click: the controls remain
  });
}

const sentences = seekers.filter((b) => b.closest(".transcript"));
media?.addEventListener("timeupdate", () => {
  let current = null;
  for (const sentence of sentences) if (Number(sentence.dataset.start) <= media.currentTime) current = sentence;
  for (const sentence of sentences) sentence.toggleAttribute("aria-current", sentence === current);
});
