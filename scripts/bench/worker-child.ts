/**
 * Starts worker-process.ts as a separate Node process (through tsx, as the app runs), so its
 * memory is its own and it competes for the CPU like a real worker process would.
 * Its log lines go to our stderr: stdout carries only the bench's results.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../core/runtime/config.ts';
import type { FromWorker, ToWorker, WorkerRole } from './protocol.ts';
import { WORKER_NODE_FLAGS } from '../node-flags.ts';

const ENTRY = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const STOP_TIMEOUT_MS = 15_000;

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** Where an ingest worker finds the bench's database. */
export type StoreArgs = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** What openStore needs to open the bench's database (blobs beside a SQLite file). */
export function storeConfig(database: StoreArgs): Pick<Config, 'database' | 'blobDir'> {
  return database.kind === 'sqlite'
    ? { database, blobDir: path.join(path.dirname(database.file), 'blobs') }
    : { database: { ...database, poolSize: 10 }, blobDir: undefined };
}

export interface WorkerChild {
  readonly pid: number;
  /** Resolves once the worker is connected and waiting for jobs. */
  readonly ready: Promise<void>;
  /** Resolves when this many jobs (counted since the process started) have finished. */
  awaitJobs(total: number): Promise<Reply<'reached'>>;
  /** Starts recording job times and event-loop delay in the worker. */
  startTrace(): void;
  takeTrace(): Promise<Reply<'trace'>>;
  stats(): Promise<Reply<'stats'>>;
  /** Jobs finished so far. */
  counts(): Promise<Reply<'counts'>>;
  /** Closes the worker gracefully; kills it when that takes too long. */
  stop(): Promise<void>;
}

export interface WorkerChildOptions {
  prefix: string;
  /** The ingest worker's database (the no-op worker has none). */
  database?: StoreArgs;
  /** Jobs the worker runs at once. */
  concurrency: number;
}

export function startWorkerChild(role: WorkerRole, options: WorkerChildOptions): WorkerChild {
  const args = ['--role', role, '--prefix', options.prefix];
  args.push('--concurrency', String(options.concurrency));
  const database = options.database;
  if (database)
    args.push(
      ...(database.kind === 'sqlite' ? ['--db', database.file] : ['--database-url', database.url]),
    );
  const child = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, '--import', import.meta.resolve('tsx'), ENTRY, ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  child.stdout?.pipe(process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const died = exited.then((code) => {
    throw new Error(`the ${role} worker process exited (code ${code}); see its log above`);
  });
  died.catch(() => {});
  const next = <T extends FromWorker['type']>(type: T): Promise<Reply<T>> =>
    Promise.race([
      new Promise<Reply<T>>((resolve) => {
        const listener = (message: FromWorker) => {
          if (message.type !== type) return;
          child.off('message', listener);
          resolve(message as Reply<T>);
        };
        child.on('message', listener);
      }),
      died,
    ]);
  const ask = <T extends FromWorker['type']>(message: ToWorker, reply: T) => {
    const answer = next(reply);
    child.send(message);
    return answer;
  };
  const ready = next('ready').then(() => undefined);
  return {
    pid: child.pid ?? -1,
    ready,
    awaitJobs: (total) => ask({ type: 'await', total }, 'reached'),
    startTrace: () => child.send({ type: 'trace' } satisfies ToWorker),
    takeTrace: () => ask({ type: 'take-trace' }, 'trace'),
    stats: () => ask({ type: 'stats' }, 'stats'),
    counts: () => ask({ type: 'counts' }, 'counts'),
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
