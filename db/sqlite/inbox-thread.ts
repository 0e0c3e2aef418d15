/**
 * The web's inbox inserts, committed in a thread of their own. A commit of the intake waits for
 * its fsync (synchronous=FULL: the answer promises the row survives a power cut); on the main
 * thread that wait stopped the event loop, so no other post was read, checked or answered
 * meanwhile. The thread has its own connection to the same file and commits one batch at a time:
 * what arrives during a commit goes together in the next one (group commit), and each caller is
 * still answered only once its own row is committed.
 *
 * Only the intake's `record` goes through it; everything else uses the main connection. A
 * database the thread cannot share (in memory, read-only) or a thread that failed to start leaves
 * the recording on the main connection, as before.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Settled } from '../../core/runtime/tick-batch.ts';
import type { InboxDbRow } from './ingest-statements.ts';

export interface NewRow {
  channelId: number;
  externalId: string;
  raw: string;
  receivedAt: Date;
}

/** What a row became: the stored row, and whether this call inserted it. */
export type Recorded = { row: InboxDbRow; created: boolean };

export interface InboxThread {
  /** False once the thread failed by itself: the caller records on its own connection again. */
  readonly usable: boolean;
  record(rows: NewRow[]): Promise<Settled<Recorded>[]>;
  /** Ends the thread and closes its connection (the main connection is not touched). */
  stop(): Promise<void>;
}

/** How long the thread stays up after its last batch; it starts again on the next one. */
const IDLE_MS = 30_000;

// Plain JavaScript evaluated in the thread (no TypeScript loader there). An error crosses to the
// main thread as its message and SQLite code, and is rebuilt there as a SqliteError.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
for (const pragma of workerData.pragmas) db.pragma(pragma);
const insert = db.prepare(workerData.insertSql);
const existing = db.prepare(workerData.existingSql);
const plain = (error) => ({ message: String((error && error.message) || error), code: error && error.code });
const recordAll = db.transaction((rows) =>
  rows.map(([channelId, externalId, raw, receivedAt]) => {
    try {
      const inserted = insert.get(channelId, externalId, raw, receivedAt);
      if (inserted) return { ok: true, value: { row: inserted, created: true } };
      const row = existing.get(channelId, externalId);
      if (!row) throw new Error('inbox row (' + channelId + ', ' + externalId + ') vanished during insert');
      return { ok: true, value: { row, created: false } };
    } catch (error) {
      // SQLite ended the transaction itself (a full disk, an I/O error): the whole batch fails.
      if (!db.inTransaction) throw error;
      return { ok: false, error: plain(error) };
    }
  }),
);
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ results: recordAll.immediate(message) });
  } catch (error) {
    parentPort.postMessage({ failed: plain(error) });
  }
});
`;

type Answer =
  | { results: ({ ok: true; value: Recorded } | { ok: false; error: PlainError })[] }
  | { failed: PlainError };
type PlainError = { message: string; code?: string };

const rebuilt = ({ message, code }: PlainError): Error =>
  code ? new Database.SqliteError(message, code) : new Error(message);

/**
 * The thread for `connection`'s file, or undefined when its file cannot be shared. `insertSql`
 * and `existingSql` are the main connection's own statements (same parameters), so the thread
 * writes exactly what the main connection would.
 */
export function inboxThread(
  connection: Database.Database,
  statements: { insertSql: string; existingSql: string },
): InboxThread | undefined {
  if (connection.memory || connection.readonly) return undefined;
  const workerData = {
    driver: createRequire(import.meta.url).resolve('better-sqlite3'),
    file: connection.name,
    // The main connection's settings, so a commit here is as durable and waits as long.
    pragmas: ['synchronous', 'busy_timeout', 'foreign_keys'].map(
      (name) => `${name} = ${Number(connection.pragma(name, { simple: true }))}`,
    ),
    ...statements,
  };
  let thread: Worker | undefined;
  let idle: NodeJS.Timeout | undefined;
  /** Calls waiting for the batch in the thread to finish; they go together in the next one. */
  let waiting: { rows: NewRow[]; settle: (answer: Answer) => void }[] = [];
  let inFlight: ((answer: Answer) => void) | undefined;
  /** Settles once the batch in the thread (if any) has been answered. */
  let answered: Promise<void> = Promise.resolve();
  let broken = false;

  const start = () => {
    const started = new Worker(THREAD, {
      eval: true,
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    });
    // An idle thread must not keep a process alive that is otherwise done (it is referenced
    // only while a batch is in it, so a caller awaiting its answer is not left behind).
    started.unref();
    started.on('message', (answer: Answer) => {
      started.unref();
      const settle = inFlight;
      inFlight = undefined;
      settle?.(answer);
      send();
    });
    const ended = (error: unknown) => {
      if (thread === started) {
        // Not stopped by us: a thread that cannot open the file or died will not be retried.
        thread = undefined;
        broken = true;
      }
      const settle = inFlight;
      inFlight = undefined;
      // A batch whose thread died may or may not be committed: its callers hear of a failure,
      // and a retry (same external ids) finds the rows or inserts them.
      settle?.({ failed: { message: `the inbox thread stopped: ${String(error)}` } });
      send();
    };
    started.on('error', ended);
    started.on('exit', (code) => ended(`exit ${code}`));
    return started;
  };

  const send = () => {
    if (inFlight || waiting.length === 0) return;
    const calls = waiting;
    waiting = [];
    thread ??= start();
    clearTimeout(idle);
    const rows = calls.flatMap((call) =>
      call.rows.map((row) => [row.channelId, row.externalId, row.raw, row.receivedAt.getTime()]),
    );
    let release = () => {};
    answered = new Promise((resolve) => (release = resolve));
    inFlight = (answer) => {
      release();
      let at = 0;
      for (const call of calls) {
        const own =
          'failed' in answer
            ? answer
            : { results: answer.results.slice(at, at + call.rows.length) };
        at += call.rows.length;
        call.settle(own);
      }
      if (waiting.length === 0) idle = setTimeout(() => void stopThread(), IDLE_MS).unref();
    };
    thread.ref();
    thread.postMessage(rows);
  };

  const stopThread = async () => {
    const current = thread;
    if (!current || inFlight) return;
    thread = undefined;
    current.postMessage('stop');
    await new Promise((resolve) => current.once('exit', resolve));
  };

  return {
    get usable() {
      return !broken;
    },
    record(rows) {
      return new Promise((resolve) => {
        waiting.push({
          rows,
          settle: (answer) =>
            resolve(
              'failed' in answer
                ? rows.map(() => ({ ok: false, error: rebuilt(answer.failed) }))
                : answer.results.map((result) =>
                    result.ok ? result : { ok: false, error: rebuilt(result.error) },
                  ),
            ),
        });
        send();
      });
    },
    async stop() {
      clearTimeout(idle);
      // A batch in the thread is finished and answered first.
      await answered;
      await stopThread();
    },
  };
}
