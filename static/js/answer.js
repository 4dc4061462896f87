// @ts-check
// One question, following the server's state machine: the page asks the server where the
// question stands (new, preparing, answering, interrupted, answered, expired, skipped) and shows
// exactly that, so a reload, Back or a late return never starts or burns a take by itself.
// Recording is uploaded in timeslices while it is made; the server's clock is the authority.
import { api } from "./api.js";
import { chunkStore } from "./chunk-store.js";
import { baseType, explainMediaError, openStream, recordingType, watchLevel } from "./media.js";
import { Uploader } from "./uploader.js";

const TIMESLICE_MS = 2000;
const WARNINGS = [30, 10]; // seconds left at which a screen reader hears the time
const app = document.getElementById("answer-app");
const { session: sessionId, position, mode } = app.dataset;
const questionUrl = `/api/sessions/${sessionId}/questions/${position}`;
const el = (id) => document.getElementById(id);
const show = (id, visible = true) => (el(id).hidden = !visible);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let clockOffset = 0; // server time minus browser time
const serverNow = () => Date.now() + clockOffset;
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function say(message) {
  el("status").textContent = message;
}

function announce(message) {
  el("announcer").textContent = message;
}

function formatSeconds(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// Counts down to `deadline` (server time) in the visible timer; calls onEnd once when it passes
// (never synchronously, so the caller's stop function always exists first).
function countdown(label, deadline, onEnd, warn = false) {
  show("timer");
  el("phase").textContent = label;
  let warned = WARNINGS.filter((s) => (deadline - serverNow()) / 1000 <= s);
  let done = false;
  const tick = () => {
    const left = (deadline - serverNow()) / 1000;
    el("clock").textContent = formatSeconds(left);
    el("clock").classList.toggle("urgent", left <= 10);
    const due = WARNINGS.find((s) => left <= s && !warned.includes(s));
    if (warn && due !== undefined && left > 0) announce(`${plural(due, "second")} left.`);
    warned = WARNINGS.filter((s) => left <= s);
    if (left <= 0 && !done) {
      done = true;
      clearInterval(timer);
      setTimeout(onEnd, 0);
    }
  };
  const timer = setInterval(tick, 250);
  tick();
  return () => {
    done = true;
    clearInterval(timer);
  };
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

// --- what the server says -----------------------------------------------------------------------

async function loadStatus() {
  const status = await api.get(questionUrl);
  if (status.take) clockOffset = Date.parse(status.take.server_now) - Date.now();
  return status;
}

function reset() {
  for (const id of ["timer", "start", "stop", "typed-answer", "outcome", "recording", "keep", "retake", "skip", "next", "keep-choice", "reload"]) {
    show(id, false);
  }
  if (el("preview")) show("preview", false);
  releaseDevices(); // the camera light goes off whenever nothing is being recorded
  el("submit-typed").disabled = false;
  say("");
}

// Shows the question as the server has it; `notice` says what just happened.
async function render(status, notice = "") {
  reset();
  const view = {
    new: () => beginTake(false),
    preparing: () => prepare(status.take),
    answering: () => answerLate(status.take),
    interrupted: () => offerInterrupted(status),
    answered: () => offerAnswered(status, notice),
    expired: () => offerExpired(status, notice),
    skipped: () => offerSkipped(status),
  }[status.phase];
  el("takes-left").textContent = `Takes left for this question: ${status.takes_left}.`;
  await view();
}

async function refresh(notice = "") {
  await render(await loadStatus(), notice);
}

// The next step after this question: the next one waiting, or the session when none is.
function offerNext(status) {
  const link = el("next");
  if (status.next_position) {
    link.href = `/sessions/${sessionId}/questions/${status.next_position}`;
    link.textContent = status.next_position > status.position ? "Next question" : `Go to question ${status.next_position}`;
  } else {
    link.href = status.session_url;
    link.textContent = status.finish_label;
  }
  show("next");
}

function outcome(text, focusId) {
  el("outcome-text").textContent = text;
  show("outcome");
  el(focusId).focus();
}

function offerRetake(status, label = "Record again") {
  if (status.takes_left < 1) return false;
  el("retake").textContent = `${label} (${plural(status.takes_left, "take")} left)`;
  el("retake").onclick = () => act(() => beginTake(true));
  show("retake");
  return true;
}

function offerSkip(stopClock = () => {}) {
  el("skip").onclick = () => act(async () => {
    stopClock();
    releaseDevices();
    await render(await api.post(`${questionUrl}/skip`));
  });
  show("skip");
}

function offerKeepChoice(status) {
  if (status.submitted.length < 2) return;
  const buttons = status.submitted.map((take) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = take.kept ? "" : "secondary";
    button.textContent = take.kept ? `Take ${take.number} is kept` : `Keep take ${take.number}`;
    button.disabled = take.kept;
    button.onclick = () => act(async () => {
      const kept = await api.post(`${questionUrl}/keep`, { take_id: take.take_id });
      await render(kept, `Take ${take.number} is kept.`);
    });
    return button;
  });
  el("keep-buttons").replaceChildren(...buttons);
  show("keep-choice");
}

function offerAnswered(status, notice) {
  const kept = status.submitted.find((take) => take.kept);
  const lastExpired = status.take?.state === "expired" ? ` Take ${status.take.number} ran out of time with nothing saved.` : "";
  offerKeepChoice(status);
  offerRetake(status);
  offerNext(status);
  const summary = kept ? `Take ${kept.number} is kept for this question.` : "";
  outcome(`${notice || "You have answered this question."}${lastExpired} ${summary}`.trim(), "next");
}

function offerExpired(status, notice) {
  const nothing = mode === "typed" ? "no answer was submitted" : "nothing was recorded";
  const canRetake = offerRetake(status);
  offerSkip();
  outcome(`${notice || "Time ran out"}: ${nothing}, so nothing was saved for take ${status.take.number}.${canRetake ? "" : " You have no takes left; skip this question to go on."}`, canRetake ? "retake" : "skip");
}

function offerSkipped(status) {
  offerRetake(status, "Answer it after all");
  offerNext(status);
  outcome("You skipped this question.", "next");
}

// Runs a step started by a button; a failure says what happened and offers a way on.
async function act(step) {
  try {
    await step();
  } catch (error) {
    fail(error);
  }
}

function fail(error) {
  say(error.message);
  show("reload");
  el("reload").focus();
}

// --- a take --------------------------------------------------------------------------------------

async function beginTake(retake) {
  const take = await api.post(`/api/sessions/${sessionId}/questions/${position}/takes`, { retake });
  clockOffset = Date.parse(take.server_now) - Date.now();
  reset();
  el("takes-left").textContent = `Takes left for this question: ${take.takes_left}.`;
  await prepare(take);
}

let openStreamed = null;

function releaseDevices() {
  openStreamed?.getTracks().forEach((track) => track.stop());
  openStreamed = null;
}

async function openDevices() {
  if (mode === "typed") return null;
  try {
    const stream = await openStream(mode);
    openStreamed = stream;
    if (mode === "video") {
      el("preview").srcObject = stream;
      show("preview");
    }
    return stream;
  } catch (error) {
    say(explainMediaError(error));
    offerSkip();
    return undefined;
  }
}

async function prepare(take) {
  const stream = await openDevices();
  if (stream === undefined) return;
  let started = false;
  const begin = () => {
    if (started) return;
    started = true;
    stopPrep();
    act(() => answer(take, stream));
  };
  const prepEnd = Date.parse(take.prep_started_at) + take.prep_seconds * 1000;
  const stopPrep = countdown("Preparation", prepEnd, begin);
  el("start").onclick = begin;
  show("start");
  offerSkip(stopPrep);
  el("start").focus();
  const opens = mode === "typed" ? "The answer box opens" : "Recording starts";
  say(`Read the question and plan your answer. ${opens} when the countdown ends, or when you are ready.`);
}

// The candidate came back after preparation ran out: the answer clock is running.
async function answerLate(take) {
  if (mode === "typed") return typed(take); // the answer box with the saved draft is the way on
  const stream = await openDevices();
  if (stream === undefined) return;
  const stopClock = countdown("Time left", Date.parse(take.deadline), () => act(() => refresh("Time ran out")), true);
  el("start").onclick = () => {
    stopClock();
    act(() => answer(take, stream));
  };
  show("start");
  offerSkip(stopClock);
  el("start").focus();
  say("Your preparation time ran out while you were away, and the answer clock is running. Start answering now.");
}

function answer(take, stream) {
  return mode === "typed" ? typed(take) : record(take, stream);
}

async function record(take, stream) {
  const mimeType = recordingType(mode);
  const status = await api.post(`/api/takes/${take.take_id}/start`);
  await chunkStore.putTake({ takeId: take.take_id, mimeType });
  // Clear audio matters more to the transcript than video detail does to the presence check.
  const recorder = new MediaRecorder(stream, { mimeType, audioBitsPerSecond: 128_000, videoBitsPerSecond: 1_000_000 });
  let seq = 0;
  const stored = [];
  recorder.ondataavailable = (event) => {
    if (event.data.size === 0) return;
    const mine = seq++;
    const saved = chunkStore.putChunk(take.take_id, mine, event.data);
    saved.then(() => uploader.drain(take.take_id)).catch(() => {}); // retried by the drain at the end
    stored.push(saved); // a chunk that could not be stored fails `end` below, which says so
  };
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  recorder.start(TIMESLICE_MS);
  const stopMeter = watchLevel(stream, (level) => (el("recording-level").value = level));
  show("start", false);
  show("skip", false);
  show("recording");
  show("stop");
  el("stop").focus();
  say("Recording. Answer out loud; the timer shows the time left.");
  let ending = false;
  const end = async (timeUp) => {
    if (ending) return;
    ending = true;
    stopClock();
    show("stop", false);
    if (timeUp) announce("Time's up.");
    say(timeUp ? "Time's up. Saving your answer…" : "Saving your answer…");
    stopMeter();
    try {
      if (recorder.state !== "inactive") {
        recorder.stop();
        await stopped;
      }
    } finally {
      stream.getTracks().forEach((track) => track.stop()); // even if the recorder failed
      show("recording", false);
    }
    await Promise.all(stored); // every chunk is in IndexedDB before the upload is drained
    await api.post(`/api/takes/${take.take_id}/stop`).catch(() => {}); // the server's clock, best effort
    await uploader.drain(take.take_id);
    await submitRecording(take, seq, mimeType, timeUp);
  };
  const stopClock = countdown("Time left", Date.parse(status.deadline), () => act(() => end(true)), true);
  el("stop").onclick = () => act(() => end(false));
}

async function submitRecording(take, count, mimeType, timeUp) {
  if (count === 0) {
    await sleep(1000); // past the server's deadline, so it settles the take as expired
    return refresh(timeUp ? "Time's up" : "The recording stopped");
  }
  await finish(take, count, mimeType);
  await refresh(timeUp ? "Time's up — your answer was saved." : "Your answer was saved.");
}

async function finish(take, count, mimeType, interrupted = false) {
  await api.post(`/api/takes/${take.take_id}/finish`, { chunks: count, media_type: baseType(mimeType), interrupted });
  await chunkStore.deleteTake(take.take_id);
}

async function typed(take) {
  const status = await api.post(`/api/takes/${take.take_id}/start`);
  show("start", false);
  show("skip", false);
  show("typed-answer");
  const draftKey = `coach.draft.${take.take_id}`;
  el("typed").value = localStorage.getItem(draftKey) || "";
  el("typed").oninput = () => localStorage.setItem(draftKey, el("typed").value);
  el("typed").focus();
  say("Type your answer; the timer shows the time left.");
  const submit = async (timeUp) => {
    if (timeUp) announce("Time's up.");
    if (!el("typed").value.trim() && timeUp) {
      stopClock();
      await sleep(1000); // past the server's deadline, so it settles the take as expired
      return refresh("Time's up");
    }
    el("submit-typed").disabled = true;
    try {
      await api.post(`/api/takes/${take.take_id}/typed`, { text: el("typed").value });
    } catch (error) {
      el("submit-typed").disabled = false;
      throw error;
    }
    stopClock();
    localStorage.removeItem(draftKey);
    await refresh(timeUp ? "Time's up — your answer was saved." : "Your answer was saved.");
  };
  const stopClock = countdown("Time left", Date.parse(status.deadline), () => act(() => submit(true)), true);
  el("submit-typed").onclick = () => act(() => submit(false));
}

// Part of a recording reached the server, then the page went away (reload, closed tab, Back).
async function offerInterrupted(status) {
  const take = status.take;
  const meta = await chunkStore.getTake(take.take_id);
  const mimeType = meta?.mimeType || (mode === "video" ? "video/webm" : "audio/webm");
  const count = contiguous(take.received);
  const kept = formatSeconds((count * TIMESLICE_MS) / 1000);
  const why = Date.parse(take.deadline) <= serverNow() ? "Time ran out while you were away." : "The page was reloaded while you were recording.";
  el("keep").onclick = () => act(async () => {
    await finish(take, count, mimeType, true);
    await refresh(`Your answer was saved (the first ${kept}).`);
  });
  show("keep");
  if (offerRetake(status)) {
    el("retake").onclick = () => act(async () => {
      await finish(take, count, mimeType, true); // the recorded part stays a take you can keep
      await beginTake(true);
    });
  }
  offerSkip();
  outcome(`${why} We kept the first ${kept} of your answer. Keep it, or record again.`, "keep");
}

async function main() {
  el("reload").onclick = () => window.location.reload();
  // Back/forward may restore this page from memory with stale timers: ask the server again.
  window.addEventListener("pageshow", (event) => event.persisted && window.location.reload());
  await uploadLeftovers();
  await refresh();
}

act(main);
