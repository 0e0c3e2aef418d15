/**
 * The three measurements, each against a worker in its own process:
 * - the no-op worker draining a backlog of bare jobs (what BullMQ and Redis cost alone),
 * - the ingest worker draining a backlog of recorded inbox rows (inbox recorded → lead committed),
 * - latency at a steady arrival rate, from the inbox commit time to the ingest commit time.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../core/runtime/logger.ts';
import { createProducer, type Producer } from '../../core/runtime/queues.ts';
import type { Redis } from '../../core/runtime/redis.ts';
import { createRecorder } from '../../connectors/record-inbound.ts';
import type { SqliteStore } from '../../db/store.ts';
import { enqueueBare, feedSteadily, recordBacklog, type SteadyFeed } from './feed.ts';
import type { WorkerRole } from './protocol.ts';
import type { NextBody } from './senders.ts';
import { startWorkerChild, type WorkerChild } from './worker-child.ts';

export interface BenchContext {
  /** This run's queue prefix: `${QUEUE_PREFIX}-bench-<run id>`. */
  prefix: string;
  databaseFile: string;
  /** The bench's own connection to the database, with the web process's full durability. */
  store: SqliteStore;
  redis: Redis;
  log: Logger;
  progress: (line: string) => void;
  /** Registers something to close when the bench ends, however it ends. */
  defer: (close: () => unknown) => void;
}

export interface Drain {
  jobs: number;
  seconds: number;
  perSecond: number;
  /** Failed attempts seen by the worker (zero in a valid run). */
  failed: number;
}

export async function drainNoop(context: BenchContext, count: number): Promise<Drain> {
  const producer = producerFor(context, `${context.prefix}-noop`);
  const { drain, child } = await drainBacklog(context, 'noop', producer, count, () =>
    enqueueBare(producer, count),
  );
  await child.stop();
  return drain;
}

export interface IngestDrain extends Drain {
  /** Inbox rows of the backlog by final status and outcome, e.g. `done/created_repeat`. */
  outcomes: Record<string, number>;
}

/** Leaves the ingest worker running (and its queue resumed) for the latency phase. */
export async function drainIngest(
  context: BenchContext,
  count: number,
  next: NextBody,
): Promise<{ drain: IngestDrain; child: WorkerChild; producer: Producer<'ingest'> }> {
  const producer = producerFor(context, context.prefix);
  let ids: number[] = [];
  const { drain, child } = await drainBacklog(context, 'ingest', producer, count, async () => {
    ids = await recordBacklog(context.store, producer, { count, next, idPrefix: 'backlog-' });
  });
  const outcomes = outcomeCounts(context.store, ids[0] ?? 0, ids[ids.length - 1] ?? 0);
  return { drain: { ...drain, outcomes }, child, producer };
}

export interface Latency extends SteadyFeed {
  /** Milliseconds from inbox commit to lead commit, one per message, ascending. */
  sortedMs: number[];
  /** Messages of the phase not finished as done or ignored. */
  unfinished: number;
}

export async function measureLatency(
  context: BenchContext,
  ingest: { child: WorkerChild; producer: Producer<'ingest'>; finishedSoFar: number },
  options: { rate: number; seconds: number; next: NextBody },
): Promise<Latency> {
  const sqlite = context.store.db.$client;
  const lastId = (sqlite.prepare(`SELECT coalesce(max(id), 0) FROM inbox`).pluck().get() as number) ?? 0;
  const recorder = createRecorder(context.store, ingest.producer, context.log);
  const feed = await feedSteadily(recorder, { ...options, idPrefix: 'steady-' });
  context.progress(`fed ${feed.sent} messages in ${feed.seconds.toFixed(1)} s; waiting for the worker`);
  await ingest.child.awaitJobs(ingest.finishedSoFar + feed.sent);
  // processed_at is written inside the ingest transaction, received_at by recordInbox.
  const sortedMs = (
    sqlite
      .prepare(`SELECT processed_at - received_at FROM inbox WHERE id > ? AND status IN ('done', 'ignored')`)
      .pluck()
      .all(lastId) as number[]
  ).sort((a, b) => a - b);
  return { ...feed, sortedMs, unfinished: feed.sent - sortedMs.length };
}

/**
 * Pauses the queue, starts the worker, fills the backlog, then resumes the queue and times the
 * worker until it has finished every job: start-up and filling are not part of the figure.
 */
async function drainBacklog(
  context: BenchContext,
  role: WorkerRole,
  producer: Producer<'ingest'>,
  count: number,
  fill: () => Promise<void>,
): Promise<{ drain: Drain; child: WorkerChild }> {
  await producer.queue.pause();
  const child = startWorkerChild(role, {
    prefix: producer.queue.opts.prefix ?? context.prefix,
    ...(role === 'ingest' ? { databaseFile: context.databaseFile } : {}),
  });
  context.defer(() => child.stop());
  await child.ready;
  const filling = performance.now();
  await fill();
  context.progress(
    `${role}: ${count} jobs waiting (filled in ${((performance.now() - filling) / 1000).toFixed(1)} s); draining`,
  );
  const reached = child.awaitJobs(count);
  const started = performance.now();
  await producer.queue.resume();
  const { failed } = await reached;
  const seconds = (performance.now() - started) / 1000;
  return { drain: { jobs: count, seconds, perSecond: count / seconds, failed }, child };
}

function producerFor(context: BenchContext, prefix: string): Producer<'ingest'> {
  const producer = createProducer('ingest', context.redis, prefix);
  context.defer(() => producer.queue.close());
  return producer;
}

function outcomeCounts(store: SqliteStore, fromId: number, toId: number): Record<string, number> {
  const rows = store.db.$client
    .prepare(
      `SELECT status || '/' || coalesce(outcome, '-') AS kind, count(*) AS n FROM inbox
       WHERE id BETWEEN ? AND ? GROUP BY 1 ORDER BY 2 DESC`,
    )
    .all(fromId, toId) as { kind: string; n: number }[];
  return Object.fromEntries(rows.map(({ kind, n }) => [kind, n]));
}
