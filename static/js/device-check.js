// @ts-check
// Device check: camera preview, microphone level, device pickers and plain-language help.
import { explainMediaError, openStream, watchLevel } from "./media.js";

const root = document.getElementById("device-check");
const mode = root.dataset.mode;
const el = (id) => document.getElementById(id);
let stream = null;
let stopLevel = () => {};

function fail(error) {
  el("device-error").textContent = explainMediaError(error);
  el("device-error").hidden = false;
  el("fallbacks").hidden = false;
}

async function fillPickers() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  const current = (kind) => stream.getTracks().find((t) => t.kind === kind)?.getSettings().deviceId;
  for (const [selectId, kind, trackKind] of [["camera", "videoinput", "video"], ["microphone", "audioinput", "audio"]]) {
    const select = el(selectId);
    if (!select) continue;
    select.replaceChildren(
      ...devices
        .filter((d) => d.kind === kind)
        .map((d, i) => new Option(d.label || `${selectId} ${i + 1}`, d.deviceId, false, d.deviceId === current(trackKind))),
    );
    select.disabled = false;
  }
}

function showLevel(level) {
  el("level").value = level;
  el("level").textContent = level < 0.02 ? "silent" : "sound";
  el("level-hint").textContent = level < 0.02 ? "We hear nothing yet: say something." : "We can hear you.";
}

// (Re)opens the chosen devices. The meter of the previous stream stops with it, so changing
// devices never leaves a level loop or an audio context running; every failure is shown.
async function start() {
  el("device-error").hidden = true;
  stopLevel();
  stopLevel = () => {};
  stream?.getTracks().forEach((track) => track.stop());
  stream = null;
  try {
    stream = await openStream(mode);
    if (mode === "video") el("preview").srcObject = stream;
    stopLevel = watchLevel(stream, showLevel);
    await fillPickers();
  } catch (error) {
    fail(error);
  }
}

for (const [selectId, key] of [["camera", "coach.cameraId"], ["microphone", "coach.microphoneId"]]) {
  el(selectId)?.addEventListener("change", (event) => {
    localStorage.setItem(key, event.target.value);
    start();
  });
}
el("allow").addEventListener("click", start);
if (!navigator.mediaDevices?.getUserMedia) fail({ name: "NotFoundError", message: "" });
