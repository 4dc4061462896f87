// @ts-check
// Camera and microphone: the devices chosen on the check page, and the recording format.
// A one-way interview has no far-end sound to cancel, and call-style noise suppression smears
// consonants that speech recognition needs; automatic gain stays on for quiet voices.
const VOICE = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };

export function savedConstraints(mode) {
  const camera = localStorage.getItem("coach.cameraId");
  const microphone = localStorage.getItem("coach.microphoneId");
  return {
    audio: microphone ? { ...VOICE, deviceId: { exact: microphone } } : VOICE,
    video: mode === "video" ? (camera ? { deviceId: { exact: camera } } : { width: 640, height: 480 }) : false,
  };
}

export async function openStream(mode) {
  try {
    return await navigator.mediaDevices.getUserMedia(savedConstraints(mode));
  } catch (error) {
    if (error.name === "OverconstrainedError" || error.name === "NotFoundError") {
      localStorage.removeItem("coach.cameraId"); // a saved device was unplugged: fall back to any
      localStorage.removeItem("coach.microphoneId");
      return navigator.mediaDevices.getUserMedia(savedConstraints(mode));
    }
    throw error;
  }
}

// WebM (VP8/Opus) where the browser can record it, MP4 otherwise (Safari).
export function recordingType(mode) {
  const candidates =
    mode === "video"
      ? ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"]
      : ["audio/webm;codecs=opus", "audio/webm", "audio/mp4"];
  const mimeType = candidates.find((type) => MediaRecorder.isTypeSupported(type));
  if (!mimeType) throw new Error("This browser cannot record; use typed answers instead.");
  return mimeType;
}

export const baseType = (mimeType) => mimeType.split(";")[0];

export function explainMediaError(error) {
  switch (error.name) {
    case "NotAllowedError":
      return "The browser was not allowed to use your camera or microphone. Click the camera icon in the address bar, allow access, and reload. Or choose audio-only or typed answers.";
    case "NotFoundError":
      return "No camera or microphone was found. Plug one in and reload, or choose typed answers.";
    case "NotReadableError":
      return "Your camera or microphone is in use by another application. Close it and reload.";
    default:
      return `The camera or microphone could not start (${error.message}).`;
  }
}

// Calls onLevel (0..1) every animation frame with the microphone's loudness; returns a function
// that stops the loop and releases the audio context.
export function watchLevel(stream, onLevel) {
  const audioContext = new AudioContext();
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 1024;
  audioContext.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let frame = 0;
  const update = () => {
    analyser.getFloatTimeDomainData(samples);
    const rms = Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
    onLevel(Math.min(1, rms * 4));
    frame = requestAnimationFrame(update);
  };
  update();
  return () => {
    cancelAnimationFrame(frame);
    audioContext.close();
  };
}
