/**
 * The two throughput measurements, each against a worker in its own process:
 * - the no-op worker draining a backlog of bare jobs (what BullMQ and Redis cost alone),
 * - the ingest worker draining a backlog of recorded inbox rows (inbox recorded → lead committed).
 * latency.ts then measures the ingest worker at a steady arrival rate.
 */
import { performance } from 'node:perf_hooks';
import type { Store } from '../../core/repositories/index.ts';
import { createProducer, type Producer } from '../../core/runtime/queues.ts';
import type { Redis } from '../../core/runtime/redis.ts';
import { enqueueBare, recordBacklog } from './feed.ts';
import type { WorkerRole } from './protocol.ts';
import type { NextBody } from './senders.ts';
import type { StoreArgs } from './worker-child.ts';
import { startWorkerGroup, type WorkerGroup } from './worker-group.ts';

export interface BenchContext {
  /** This run's queue prefix: `${QUEUE_PREFIX}-bench-<run id>`. */
  prefix: string;
  /** How worker processes open the bench's database (a SQLite file or a PostgreSQL URL). */
  database: StoreArgs;
  /** Jobs each worker process (the no-op one too) runs at once. */
  concurrency: number;
  /** The bench's own connection to the database, with the web process's full durability. */
  store: Store;
  redis: Redis;
  progress: (line: string) => void;
  /** Aborted on Ctrl-C: the feeders stop adding jobs while the cleanup runs. */
  signal: AbortSignal;
  /** Registers something to close when the bench ends, however it ends. */
  defer: (close: () => unknown) => void;
}

export interface Drain {
  jobs: number;
  seconds: number;
  perSecond: number;
  /** Failed attempts seen by the worker (zero in a valid run). */
  failed: number;
  /** Jobs the worker process has finished so far: completed, or failed for good. */
  finished: number;
}

/** The no-op worker takes the same queue name and job options under a prefix of its own. */
export async function drainNoop(context: BenchContext, count: number): Promise<Drain> {
  const prefix = `${context.prefix}-noop`;
  const producer = producerFor(context, prefix);
  const { drain, workers } = await drainBacklog(
    context,
    { role: 'noop', prefix, producer, processes: 1 },
    count,
    () => enqueueBare(producer, count, context.signal),
  );
  await workers.stop();
  return drain;
}

export interface IngestDrain extends Drain {
  /** Inbox rows of the backlog by final status and outcome, e.g. `done/created_repeat`. */
  outcomes: Record<string, number>;
}

/**
 * `processes` ingest workers side by side drain a backlog of `count` messages; they are left
 * running (and the queue resumed) for the latency phase. Each run records its own messages
 * (external ids `<label>-backlog-<n>`), so runs can follow one another on the same database.
 */
export async function drainIngest(
  context: BenchContext,
  count: number,
  next: NextBody,
  processes = 1,
  label = 'run',
): Promise<{ drain: IngestDrain; workers: WorkerGroup; producer: Producer<'ingest'> }> {
  const prefix = `${context.prefix}-${label}`;
  const producer = producerFor(context, prefix);
  let ids: number[] = [];
  const worker = { role: 'ingest', prefix, producer, processes } as const;
  const { drain, workers } = await drainBacklog(context, worker, count, async () => {
    ids = await recordBacklog(context.store, producer, {
      count,
      next,
      idPrefix: `${label}-backlog-`,
      signal: context.signal,
    });
  });
  const outcomes = await context.store.inbox.outcomes(ids[0] ?? 0, ids[ids.length - 1] ?? 0);
  return { drain: { ...drain, outcomes }, workers, producer };
}

/**
 * Pauses the queue, starts the worker, fills the backlog, then resumes the queue and times the
 * worker until it has finished every job: start-up and filling are not part of the figure.
 */
async function drainBacklog(
  context: BenchContext,
  worker: { role: WorkerRole; prefix: string; producer: Producer<'ingest'>; processes: number },
  count: number,
  fill: () => Promise<void>,
): Promise<{ drain: Drain; workers: WorkerGroup }> {
  const { role, prefix, producer } = worker;
  await producer.queue.pause();
  const workers = startWorkerGroup(role, worker.processes, {
    prefix,
    concurrency: context.concurrency,
    ...(role === 'ingest' ? { database: context.database } : {}),
  });
  context.defer(() => workers.stop());
  await workers.ready;
  const filling = performance.now();
  await fill();
  context.progress(
    `${role}: ${count} jobs waiting (filled in ${((performance.now() - filling) / 1000).toFixed(1)} s); draining`,
  );
  const reached = workers.awaitJobs(count);
  const started = performance.now();
  await producer.queue.resume();
  const { completed, failed, gaveUp } =
    role === 'ingest' ? await whileWaiting(context, reached) : await reached;
  const seconds = (performance.now() - started) / 1000;
  const drain = {
    jobs: count,
    seconds,
    perSecond: count / seconds,
    failed,
    finished: completed + gaveUp,
  };
  return { drain, workers };
}

/** Says every few seconds how many inbox rows are still pending, so a slow run is visibly alive. */
export async function whileWaiting<T>(context: BenchContext, work: Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    void context.store.inbox
      .backlog()
      .then(({ pending }) => context.progress(`${pending} inbox rows pending`))
      .catch(() => undefined);
  }, 5000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

function producerFor(context: BenchContext, prefix: string): Producer<'ingest'> {
  const producer = createProducer('ingest', context.redis, prefix);
  context.defer(() => producer.queue.close());
  return producer;
}
