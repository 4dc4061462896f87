// One question: preparation countdown, recording in timeslices uploaded as they are made, and
// recovery after a reload. The server's clock and deadlines are the authority.
import { api } from "./api.js";
import { chunkStore } from "./chunk-store.js";
import { baseType, explainMediaError, openStream, recordingType } from "./media.js";
import { Uploader } from "./uploader.js";

const TIMESLICE_MS = 2000;
const app = document.getElementById("answer-app");
const { session: sessionId, position, mode } = app.dataset;
const el = (id) => document.getElementById(id);
const show = (id, visible = true) => (el(id).hidden = !visible);
let clockOffset = 0; // server time minus browser time
const serverNow = () => Date.now() + clockOffset;

function say(message) {
  el("status").textContent = message;
}

function formatSeconds(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// Counts down to `deadline` (server time); calls onEnd once when it passes.
function countdown(label, deadline, onEnd) {
  el("phase").textContent = label;
  const tick = () => {
    const left = (deadline - serverNow()) / 1000;
    el("clock").textContent = formatSeconds(left);
    el("clock").classList.toggle("urgent", left <= 10);
    if (left <= 0) {
      clearInterval(timer);
      onEnd();
    }
  };
  const timer = setInterval(tick, 250);
  tick();
  return () => clearInterval(timer);
}

const uploader = new Uploader((state) => {
  const messages = {
    uploading: "Saving your answer…",
    waiting: "Connection lost. Your answer is kept in this browser and will upload when you are back online.",
    idle: "",
  };
  el("upload-state").textContent = state in messages ? messages[state] : state;
});

async function uploadLeftovers() {
  const takeIds = new Set((await chunkStore.allChunks()).map((chunk) => chunk.takeId));
  for (const takeId of takeIds) await uploader.drain(takeId).catch(() => {});
}

function contiguous(seqs) {
  const have = new Set(seqs);
  let count = 0;
  while (have.has(count)) count += 1;
  return count;
}

async function finish(take, count, mimeType, interrupted = false) {
  const result = await api.post(`/api/takes/${take.take_id}/finish`, {
    chunks: count,
    media_type: baseType(mimeType),
    interrupted,
  });
  await chunkStore.deleteTake(take.take_id);
  window.location.assign(result.next_url);
}

async function record(take, stream) {
  const mimeType = recordingType(mode);
  const status = await api.post(`/api/takes/${take.take_id}/start`);
  await chunkStore.putTake({ takeId: take.take_id, mimeType });
  // Clear audio matters more to the transcript than video detail does to the presence check.
  const recorder = new MediaRecorder(stream, { mimeType, audioBitsPerSecond: 128_000, videoBitsPerSecond: 1_000_000 });
  let seq = 0;
  recorder.ondataavailable = async (event) => {
    if (event.data.size === 0) return;
    const mine = seq++;
    await chunkStore.putChunk(take.take_id, mine, event.data);
    uploader.drain(take.take_id).catch(() => {});
  };
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  recorder.start(TIMESLICE_MS);
  show("start", false);
  show("stop");
  say("Recording. Answer out loud; the timer shows the time left.");
  let ending = false;
  const end = async () => {
    if (ending) return;
    ending = true;
    stopClock();
    show("stop", false);
    say("Saving your answer…");
    recorder.stop();
    stream.getTracks().forEach((track) => track.stop());
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the last chunk be stored
    api.post(`/api/takes/${take.take_id}/stop`).catch(() => {});
    await uploader.drain(take.take_id);
    await finish(take, seq, mimeType);
  };
  const stopClock = countdown("Time left", Date.parse(status.deadline), end);
  el("stop").onclick = end;
}

async function prepare(take) {
  let stream = null;
  if (mode !== "typed") {
    try {
      stream = await openStream(mode);
    } catch (error) {
      say(explainMediaError(error));
      return;
    }
    if (mode === "video") el("preview").srcObject = stream;
  }
  const prepEnd = Date.parse(take.prep_started_at) + take.prep_seconds * 1000;
  let started = false;
  const begin = () => {
    if (started) return;
    started = true;
    stopPrep();
    if (mode === "typed") typed(take);
    else record(take, stream).catch((error) => say(error.message));
  };
  const stopPrep = countdown("Preparation", prepEnd, begin);
  show("start");
  el("start").onclick = begin;
  say("Read the question and plan your answer. Recording starts when the countdown ends, or when you are ready.");
}

async function typed(take) {
  const status = await api.post(`/api/takes/${take.take_id}/start`);
  show("start", false);
  show("typed-answer");
  const draftKey = `coach.draft.${take.take_id}`;
  el("typed").value = localStorage.getItem(draftKey) || "";
  el("typed").oninput = () => localStorage.setItem(draftKey, el("typed").value);
  el("typed").focus();
  say("Type your answer; the timer shows the time left.");
  const submit = async () => {
    stopClock();
    el("submit-typed").disabled = true;
    const result = await api.post(`/api/takes/${take.take_id}/typed`, { text: el("typed").value });
    localStorage.removeItem(draftKey);
    window.location.assign(result.next_url);
  };
  const stopClock = countdown("Time left", Date.parse(status.deadline), submit);
  el("submit-typed").onclick = submit;
}

// The page was reloaded (or the browser closed) while this take was recording.
async function recover(take) {
  const meta = await chunkStore.getTake(take.take_id);
  const mimeType = meta?.mimeType || (mode === "video" ? "video/webm" : "audio/webm");
  const status = await api.get(`/api/takes/${take.take_id}`);
  const count = contiguous(status.received);
  if (count === 0) {
    await api.post(`/api/takes/${take.take_id}/restart`);
    return prepare(await api.get(`/api/takes/${take.take_id}`));
  }
  show("interrupted");
  el("saved-seconds").textContent = formatSeconds((count * TIMESLICE_MS) / 1000);
  show("retake", take.takes_left > 1);
  el("keep").onclick = () => finish(take, count, mimeType, true);
  el("retake").onclick = async () => {
    await api.post(`/api/takes/${take.take_id}/finish`, { chunks: count, media_type: baseType(mimeType), interrupted: true });
    await chunkStore.deleteTake(take.take_id);
    window.location.reload();
  };
  say("");
}

async function main() {
  await uploadLeftovers();
  const take = await api.post(`/api/sessions/${sessionId}/questions/${position}/takes`);
  clockOffset = Date.parse(take.server_now) - Date.now();
  if (take.state === "recording" && take.mode !== "typed") return recover(take);
  return prepare(take);
}

main().catch((error) => say(error.message));
