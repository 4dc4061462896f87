// Recorded chunks wait in IndexedDB until the server has them, so a dropped connection or a
// page reload never loses part of an answer.
const DB_NAME = "gitops-coach-uploads";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("chunks", { keyPath: ["takeId", "seq"] });
      req.result.createObjectStore("takes", { keyPath: "takeId" });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function run(storeName, mode, action) {
  return open().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(storeName, mode);
        const result = action(tx.objectStore(storeName));
        tx.oncomplete = () => resolve(result.result);
        tx.onerror = () => reject(tx.error);
      }),
  );
}

export const chunkStore = {
  putChunk: (takeId, seq, blob) => run("chunks", "readwrite", (s) => s.put({ takeId, seq, blob })),
  deleteChunk: (takeId, seq) => run("chunks", "readwrite", (s) => s.delete([takeId, seq])),
  chunksFor: (takeId) =>
    run("chunks", "readonly", (s) => s.getAll(IDBKeyRange.bound([takeId, 0], [takeId, Infinity]))),
  allChunks: () => run("chunks", "readonly", (s) => s.getAll()),
  putTake: (meta) => run("takes", "readwrite", (s) => s.put(meta)),
  getTake: (takeId) => run("takes", "readonly", (s) => s.get(takeId)),
  deleteTake: (takeId) => run("takes", "readwrite", (s) => s.delete(takeId)),
};
