// @ts-check
// Sends stored chunks in order, each with its SHA-256, retrying with back-off until the server
// has them. The server's answer lists every chunk it holds, so repeats are harmless.
import { api, ApiError } from "./api.js";
import { chunkStore } from "./chunk-store.js";

async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Uploader {
  constructor(onState) {
    this.onState = onState; // called with "uploading" | "waiting" | "idle" | an error message
    this.running = null;
  }

  // Upload everything stored for takeId; resolves when the store holds nothing for it. Drains run
  // one after another; one that failed (a refused chunk) does not fail the ones queued after it.
  drain(takeId) {
    const previous = (this.running || Promise.resolve()).catch(() => {});
    this.running = previous.then(() => this.#drain(takeId));
    return this.running;
  }

  async #drain(takeId) {
    let delay = 1000;
    for (;;) {
      const pending = (await chunkStore.chunksFor(takeId)).sort((a, b) => a.seq - b.seq);
      if (pending.length === 0) {
        this.onState("idle");
        return;
      }
      try {
        for (const chunk of pending) {
          this.onState("uploading");
          await this.#send(takeId, chunk);
          await chunkStore.deleteChunk(takeId, chunk.seq);
        }
        delay = 1000;
      } catch (error) {
        if (error instanceof ApiError && error.status < 500 && error.status !== 429 && error.status !== 408) {
          this.onState(error.message);
          throw error;
        }
        this.onState("waiting");
        await sleep(delay);
        delay = Math.min(delay * 2, 10000);
      }
    }
  }

  async #send(takeId, chunk) {
    const checksum = await sha256Hex(chunk.blob);
    return api.put(`/api/takes/${takeId}/chunks/${chunk.seq}`, chunk.blob, {
      "Content-Type": "application/octet-stream",
      "X-Chunk-SHA256": checksum,
    });
  }
}
