/**
 * One worker process of the bench, started by worker-child.ts: the real ingest worker over its
 * own connection to the bench's store (as `npm start` runs it), or a no-op worker with the same job options,
 * concurrency and payload parsing, whose processor returns at once. It counts finished jobs and
 * answers the parent over IPC; it exits when the parent goes away.
 */
import { parseArgs } from 'node:util';
import type { Worker } from 'bullmq';
import { systemClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { createWorker } from '../../core/runtime/queues.ts';
import { workerConnection, type Redis } from '../../core/runtime/redis.ts';
import { CHANNELS } from '../../connectors/registry.ts';
import { openStore } from '../../db/open.ts';
import { startIngestWorker } from '../../workers/ingest/index.ts';
import { traceJobs } from './job-trace.ts';
import { trackPeakRss } from './peak-rss.ts';
import type { FromWorker, ToWorker, WorkerRole } from './protocol.ts';
import { storeConfig, type StoreArgs } from './worker-child.ts';

const peakRss = trackPeakRss();
const { role, prefix, database, concurrency } = readArgs();

const config = loadConfig();
const log = createLogger(config.logLevel, `bench-${role}`);
const connection = workerConnection(config.redisUrl);
const closers: (() => unknown)[] = [];

async function startWorker(): Promise<Worker> {
  if (role === 'noop' || !database)
    return createWorker('ingest', connection, prefix, async () => undefined, concurrency);
  const store = await openStore(storeConfig(database), { durability: 'normal', migrate: false });
  closers.push(() => store.close());
  return startIngestWorker({
    channels: CHANNELS,
    repos: store,
    clock: systemClock,
    defaultCountry: config.defaultCountry,
    connection,
    prefix,
    log,
    concurrency,
  });
}

const send = (message: FromWorker) => process.send?.(message);
const worker = await startWorker();
const trace = traceJobs(worker);
let completed = 0;
/** Failed attempts, retried or not. */
let failed = 0;
/** Jobs that will not be retried: finished as far as the bench is concerned. */
let gaveUp = 0;
let awaited: number | undefined;
const check = () => {
  if (awaited === undefined || completed + gaveUp < awaited) return;
  awaited = undefined;
  send({ type: 'reached', completed, failed, gaveUp });
};
worker.on('completed', () => {
  completed += 1;
  check();
});
worker.on('failed', (job, error) => {
  failed += 1;
  const final =
    !job || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
  if (final) gaveUp += 1;
  check();
});

process.on('message', (message: ToWorker) => {
  if (message.type === 'await') {
    awaited = message.total;
    check();
  } else if (message.type === 'trace') {
    trace.start();
  } else if (message.type === 'take-trace') {
    send({ type: 'trace', ...trace.take() });
  } else if (message.type === 'counts') {
    send({ type: 'counts', completed, failed, gaveUp });
  } else if (message.type === 'stats') {
    send({ type: 'stats', maxRssBytes: peakRss(), memory: process.memoryUsage() });
  } else if (message.type === 'stop') {
    void stop(worker, connection).then(() => process.exit(0));
  }
});
// The bench died or was interrupted: do not linger as an orphan holding Redis connections.
process.on('disconnect', () => process.exit(1));

await worker.waitUntilReady();
send({ type: 'ready' });

async function stop(current: Worker, redis: Redis): Promise<void> {
  await current.close();
  for (const close of closers) await close();
  await redis.quit();
}

function readArgs(): {
  role: WorkerRole;
  prefix: string;
  database: StoreArgs | undefined;
  concurrency: number;
} {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      db: { type: 'string' },
      'database-url': { type: 'string' },
      prefix: { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  const { role, prefix, db, 'database-url': url } = values;
  const concurrency = Number(values.concurrency);
  const database: StoreArgs | undefined = db
    ? { kind: 'sqlite', file: db }
    : url
      ? { kind: 'postgres', url }
      : undefined;
  if (
    (role !== 'ingest' && role !== 'noop') ||
    !prefix ||
    !(Number.isInteger(concurrency) && concurrency > 0) ||
    (role === 'ingest' && !database)
  )
    throw new Error(
      'usage: worker-process.ts --role ingest|noop --prefix P --concurrency N [--db FILE | --database-url URL]',
    );
  return { role, prefix, database, concurrency };
}
