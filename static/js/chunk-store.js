// @ts-check
// Recorded chunks wait in IndexedDB until the server has them, so a dropped connection or a
// page reload never loses part of an answer.
const DB_NAME = "gitops-coach-uploads";

let connection = null; // one connection per page, closed when the page goes away

function open() {
  connection ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("chunks", { keyPath: ["takeId", "seq"] });
      req.result.createObjectStore("takes", { keyPath: "takeId" });
    };
    req.onsuccess = () => {
      req.result.onversionchange = close; // another tab upgrades the database: let it
      resolve(req.result);
    };
    req.onerror = () => {
      connection = null;
      reject(req.error);
    };
  });
  return connection;
}

function close() {
  connection?.then((db) => db.close()).catch(() => {});
  connection = null;
}

window.addEventListener("pagehide", close);

function run(storeName, mode, action) {
  return open().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(storeName, mode);
        const result = action(tx.objectStore(storeName));
        tx.oncomplete = () => resolve(result.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
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
