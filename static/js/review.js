// @ts-check
// Reviewing a candidate: a sentence or a quote plays its answer's recording from where it was
// said; each recording has a speed control; keys: k play or pause, [ slower, ] faster,
// n next question, p previous question (ignored while typing in a field).
const SPEEDS = [0.75, 1, 1.25, 1.5, 2];
const sections = /** @type {HTMLElement[]} */ ([...document.querySelectorAll("[data-answer]")]);
let current = 0;

/** @param {Element} element @returns {HTMLMediaElement | null} */
function mediaIn(element) {
  return element.querySelector("video, audio");
}

/** @param {HTMLElement} section @param {number} speed */
function setSpeed(section, speed) {
  const media = mediaIn(section);
  const select = /** @type {HTMLSelectElement | null} */ (section.querySelector(".speed-control"));
  if (media) media.playbackRate = speed;
  if (select) select.value = String(speed);
}

/** @param {number} index */
function goTo(index) {
  if (index < 0 || index >= sections.length) return;
  mediaIn(sections[current])?.pause();
  current = index;
  sections[current].scrollIntoView({ block: "start" });
  /** @type {HTMLElement | null} */ (sections[current].querySelector("h2"))?.focus({ preventScroll: true });
}

sections.forEach((section, index) => {
  section.addEventListener("focusin", () => (current = index));
  section.addEventListener("click", () => (current = index));
  section.querySelector(".speed-control")?.addEventListener("change", (event) => {
    setSpeed(section, Number(/** @type {HTMLSelectElement} */ (event.target).value));
  });
  for (const button of section.querySelectorAll(".seek[data-start]")) {
    button.addEventListener("click", () => {
      const media = mediaIn(section);
      if (!media) return;
      media.currentTime = Number(/** @type {HTMLElement} */ (button).dataset.start);
      media.play().catch(() => {}); // blocked by the browser: the controls remain
    });
  }
});

document.addEventListener("keydown", (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  if (event.ctrlKey || event.metaKey || event.altKey || target.closest("input, textarea, select, [contenteditable]")) {
    return;
  }
  const section = sections[current];
  const media = section ? mediaIn(section) : null;
  if (event.key === "k" && media) {
    if (media.paused) media.play().catch(() => {});
    else media.pause();
  } else if ((event.key === "]" || event.key === "[") && media) {
    const at = SPEEDS.indexOf(media.playbackRate);
    const next = SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, (at < 0 ? 1 : at) + (event.key === "]" ? 1 : -1)))];
    setSpeed(section, next);
  } else if (event.key === "n") {
    goTo(current + 1);
  } else if (event.key === "p") {
    goTo(current - 1);
  } else {
    return;
  }
  event.preventDefault();
});
