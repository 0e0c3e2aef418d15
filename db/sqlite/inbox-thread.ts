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
  /**
   * Commits the rows in the thread, together with those of the calls made meanwhile. Once the
   * thread has stopped (it failed, or the store is closing), `fallback` commits them on the main
   * connection instead.
   */
  record(rows: NewRow[]): Promise<Settled<Recorded>[]>;
  /** Answers the calls in hand, then ends the thread and closes its connection. */
  stop(): Promise<void>;
}

/** The most raw event text one batch carries to the thread (a burst of large posts is split). */
const BATCH_BYTES = 4 * 1024 * 1024;

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
      // Its raw event is the caller's own: not copied back.
      if (inserted) return { ok: true, value: { row: { ...inserted, raw: null }, created: true } };
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
  typeof code === 'string' && code ? new Database.SqliteError(message, code) : new Error(message);

interface Call {
  rows: NewRow[];
  resolve: (results: Settled<Recorded>[]) => void;
}

/** Each call's share of a batch's results, in order. */
function answerCalls(calls: Call[], results: Settled<Recorded>[]): void {
  let at = 0;
  for (const call of calls) {
    const own = results.slice(at, at + call.rows.length);
    at += call.rows.length;
    while (own.length < call.rows.length)
      own.push({ ok: false, error: new Error('the batch gave no answer for this row') });
    call.resolve(own);
  }
}

/**
 * The thread for `connection`'s file, or undefined when its file cannot be shared. `insertSql`
 * and `existingSql` are the main connection's own statements (same parameters), so the thread
 * writes exactly what the main connection would; `fallback` is the main connection's own commit.
 */
export function inboxThread(
  connection: Database.Database,
  statements: { insertSql: string; existingSql: string },
  fallback: (rows: NewRow[]) => Settled<Recorded>[],
): InboxThread | undefined {
  if (connection.memory || connection.readonly) return undefined;
  const workerData = {
    driver: createRequire(import.meta.url).resolve('better-sqlite3'),
    file: connection.name,
    // The main connection's settings, so a commit here is as durable and waits as long (and
    // keeps its sub-journals in memory, as open.ts explains).
    pragmas: ['synchronous', 'busy_timeout', 'foreign_keys', 'temp_store'].map(
      (name) => `${name} = ${Number(connection.pragma(name, { simple: true }))}`,
    ),
    ...statements,
  };
  /** Started with the first batch; never started again once it has ended. */
  let thread: Worker | undefined;
  let ended = false;
  /** Set by stop(): calls from then on are recorded on the main connection. */
  let stopping = false;
  /** Calls waiting for the batch in the thread to finish; they go together in the next one. */
  let waiting: Call[] = [];
  /** The batch in the thread: answered by the thread's next message, or again here if it ends. */
  let inFlight: Call[] | undefined;
  /** Told when nothing is in flight or waiting (stop waits for that). */
  const drained: (() => void)[] = [];

  /** On the main connection: the thread has ended (or a batch's answer never came). */
  const runHere = (calls: Call[]) => {
    const rows = calls.flatMap((call) => call.rows);
    let results: Settled<Recorded>[];
    try {
      results = fallback(rows);
    } catch (error) {
      results = rows.map(() => ({ ok: false, error }));
    }
    answerCalls(calls, results);
  };

  const start = () => {
    const started = new Worker(THREAD, {
      eval: true,
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    });
    // Referenced only while a batch is in it: an idle thread keeps no process alive.
    started.unref();
    started.on('message', (answer: Answer) => {
      started.unref();
      const calls = inFlight;
      inFlight = undefined;
      if (calls) {
        const rows = calls.flatMap((call) => call.rows);
        answerCalls(
          calls,
          'failed' in answer
            ? rows.map(() => ({ ok: false, error: rebuilt(answer.failed) }))
            : answer.results.map((result, i) =>
                !result.ok
                  ? { ok: false, error: rebuilt(result.error) }
                  : result.value.created
                    ? {
                        ok: true,
                        value: { ...result.value, row: withRaw(result.value.row, rows[i]) },
                      }
                    : result,
              ),
        );
      }
      send();
    });
    // `error` and then `exit` for one death: handled once.
    let over = false;
    const end = () => {
      if (over) return;
      over = true;
      ended = true;
      const calls = inFlight;
      inFlight = undefined;
      // Its batch may or may not be committed: on the main connection each row is inserted, or
      // found where the thread put it (ON CONFLICT DO NOTHING, then read) — never twice; a row
      // the thread committed just before it died is then answered as recorded before.
      if (calls) runHere(calls);
      send();
    };
    started.on('error', end);
    started.on('exit', end);
    return started;
  };

  const send = () => {
    if (inFlight) return;
    if (waiting.length === 0) {
      for (const done of drained.splice(0)) done();
      return;
    }
    if (ended || stopping) {
      const calls = waiting;
      waiting = [];
      runHere(calls);
      return send();
    }
    // The calls waiting, up to BATCH_BYTES of raw events (always at least one call).
    let bytes = 0;
    let take = 0;
    while (take < waiting.length && (take === 0 || bytes < BATCH_BYTES)) {
      bytes += waiting[take]!.rows.reduce((sum, row) => sum + row.raw.length, 0);
      take += 1;
    }
    const calls = waiting.slice(0, take);
    waiting = waiting.slice(take);
    let message: unknown[];
    try {
      message = calls.flatMap((call) =>
        call.rows.map((row) => [row.channelId, row.externalId, row.raw, row.receivedAt.getTime()]),
      );
    } catch {
      runHere(calls);
      return send();
    }
    thread ??= start();
    inFlight = calls;
    thread.ref();
    thread.postMessage(message);
  };

  return {
    record(rows) {
      // A turn's posts come as one call: split it, so no batch carries more than BATCH_BYTES.
      const parts: NewRow[][] = [];
      let part: NewRow[] = [];
      let bytes = 0;
      for (const row of rows) {
        if (part.length > 0 && bytes + row.raw.length > BATCH_BYTES) {
          parts.push(part);
          [part, bytes] = [[], 0];
        }
        part.push(row);
        bytes += row.raw.length;
      }
      parts.push(part);
      const answers = parts.map(
        (part) =>
          new Promise<Settled<Recorded>[]>((resolve) => {
            waiting.push({ rows: part, resolve });
            send();
          }),
      );
      return Promise.all(answers).then((results) => results.flat());
    },
    async stop() {
      stopping = true;
      if (inFlight || waiting.length) await new Promise<void>((done) => drained.push(done));
      const current = thread;
      if (!ended) {
        ended = true;
        if (current) {
          const exited = new Promise((resolve) => current.once('exit', resolve));
          current.postMessage('stop');
          await exited;
        }
      }
    },
  };
}

/** A row the thread inserted comes back without its raw event: it is the caller's own. */
function withRaw(row: InboxDbRow, sent: NewRow | undefined): InboxDbRow {
  return { ...row, raw: sent?.raw ?? row.raw };
}
