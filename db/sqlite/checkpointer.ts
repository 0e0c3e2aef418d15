/**
 * SQLite's write-ahead log is copied back into the database file by a checkpoint. By default the
 * connection whose commit takes the log past 1,000 pages runs it, inside that commit: with a
 * large database those pages are scattered over the file, and the commit that pays for them (and
 * the event loop it blocks) takes tens of milliseconds — the worst latencies of the ingest
 * worker, and most of its commit cost (`npm run bench`, 1,000,000 clients).
 *
 * The worker hands that to a thread of its own instead: a second connection that checkpoints
 * (PASSIVE: never waiting for, nor blocking, a reader or a writer) whenever the log has grown,
 * while the worker's own connection no longer checkpoints. The other processes keep SQLite's
 * default, and find little left to copy when their turn comes. If the thread ever stops, the
 * worker's connection checkpoints by itself again.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** How often the thread looks at the log (ms) when the last checkpoint found nothing to copy. */
const IDLE_MS = 50;

// Plain JavaScript evaluated in the thread (no loader there), kept as small as it can be: its own
// connection with a small page cache, checkpointing again at once while there is work.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
let db;
let timer;
const fail = (error) => {
  clearTimeout(timer);
  // An error crosses to the main thread as a plain object: send what it says instead.
  parentPort.postMessage({ failed: String((error && (error.message || error.code)) || error) });
  if (db && db.open) db.close();
  parentPort.close();
};
const checkpoint = () => {
  let copied = 0;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    copied = result ? result.checkpointed : 0;
  } catch (error) {
    if (!/SQLITE_BUSY|SQLITE_LOCKED/.test(String(error && error.code))) return fail(error);
  }
  timer = setTimeout(checkpoint, copied > 0 ? 0 : workerData.idleMs);
};
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
  db.pragma('cache_size = -256');
  checkpoint();
} catch (error) {
  fail(error);
}
parentPort.on('message', () => {
  clearTimeout(timer);
  if (db && db.open) db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the thread (after its checkpoint in progress) and closes its connection. */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `connection`'s database file in a thread, and turns the connection's own
 * checkpoints off while the thread runs. `onStopped` hears of a thread that ended by itself.
 */
export function startCheckpointer(
  connection: Database.Database,
  onStopped: (error: unknown) => void = () => undefined,
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const thread = new Worker(THREAD, {
    eval: true,
    workerData: { driver, file: connection.name, idleMs: IDLE_MS },
    // A connection and a timer: a few megabytes are plenty.
    resourceLimits: { maxOldGenerationSizeMb: 12, maxYoungGenerationSizeMb: 1 },
  });
  // The thread must not keep a process alive that is otherwise done.
  thread.unref();
  const ownCheckpoints = connection.pragma('wal_autocheckpoint', { simple: true });
  connection.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    let failure: unknown;
    thread.on('message', (message: { failed?: string }) => {
      if (message.failed) failure = new Error(`SQLite checkpoint thread: ${message.failed}`);
    });
    thread.on('error', (error) => (failure = error));
    thread.on('exit', (code) => {
      if (!stopping) {
        // Checkpoints are the connection's own again, or the log would grow without end.
        if (connection.open) connection.pragma(`wal_autocheckpoint = ${Number(ownCheckpoints)}`);
        onStopped(failure ?? new Error(`the checkpoint thread exited (${code})`));
      }
      resolve();
    });
  });
  return {
    async stop() {
      if (!stopping) {
        stopping = true;
        thread.postMessage('stop');
      }
      await exited;
      if (connection.open) connection.pragma(`wal_autocheckpoint = ${Number(ownCheckpoints)}`);
    },
  };
}
