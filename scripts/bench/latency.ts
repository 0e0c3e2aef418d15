/**
 * Latency at a steady arrival rate: messages are recorded and enqueued at `rate` per second
 * while the ingest worker runs, and each one's time from inbox recorded to lead committed is
 * split in three: recorded → enqueued (the recording side), waiting in Redis until the worker
 * fetched it, fetched → committed (the worker: waiting on its event loop, then ingesting).
 */
import { sql } from 'drizzle-orm';
import type { Producer } from '../../core/runtime/queues.ts';
import { inspect } from '../../db/inspect.ts';
import { feedSteadily, type SteadyFeed } from './feed.ts';
import type { JobTrace } from './job-trace.ts';
import { whileWaiting, type BenchContext } from './phases.ts';
import type { NextBody } from './senders.ts';
import type { WorkerGroup } from './worker-group.ts';

export interface Latency extends SteadyFeed {
  /** Milliseconds from inbox recorded to lead committed, one per message, ascending. */
  totalMs: number[];
  /** The same, split; each list ascending. */
  parts: { recordToEnqueue: number[]; inRedis: number[]; fetchToCommit: number[] };
  /** The worker's event-loop delay during the phase. */
  loopDelayMs: JobTrace['loopDelayMs'];
  /** Recorded messages not finished as done or ignored. */
  unfinished: number;
}

export async function measureLatency(
  context: BenchContext,
  ingest: { workers: WorkerGroup; producer: Producer<'ingest'>; finishedSoFar: number },
  options: { rate: number; seconds: number; next: NextBody; label: string },
): Promise<Latency> {
  const look = inspect(context.store);
  const lastId = await context.store.inbox.maxId();
  ingest.workers.startTrace();
  const feed = await feedSteadily(context.store, ingest.producer, {
    ...options,
    idPrefix: `${options.label}-steady-`,
    signal: context.signal,
  });
  context.progress(
    `fed ${feed.sent} messages in ${feed.seconds.toFixed(1)} s; waiting for the worker`,
  );
  const recorded = feed.sent - feed.refused;
  await whileWaiting(context, ingest.workers.awaitJobs(ingest.finishedSoFar + recorded));
  const trace = await ingest.workers.takeTrace();
  // received_at is stamped by the recorder, processed_at inside the ingest transaction.
  const rows = await look.all<{ id: number; received_at: number; processed_at: number }>(
    sql`SELECT id, received_at, processed_at FROM inbox WHERE id > ${lastId} AND status IN ('done', 'ignored')`,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const parts = {
    recordToEnqueue: [] as number[],
    inRedis: [] as number[],
    fetchToCommit: [] as number[],
  };
  for (const [inboxId, enqueuedAt, fetchedAt] of trace.jobs) {
    const row = byId.get(inboxId);
    if (!row) continue;
    parts.recordToEnqueue.push(enqueuedAt - row.received_at);
    parts.inRedis.push(fetchedAt - enqueuedAt);
    parts.fetchToCommit.push(row.processed_at - fetchedAt);
  }
  const ascending = (list: number[]) => list.sort((a, b) => a - b);
  return {
    ...feed,
    totalMs: ascending(rows.map((row) => row.processed_at - row.received_at)),
    parts: {
      recordToEnqueue: ascending(parts.recordToEnqueue),
      inRedis: ascending(parts.inRedis),
      fetchToCommit: ascending(parts.fetchToCommit),
    },
    loopDelayMs: trace.loopDelayMs,
    unfinished: recorded - rows.length,
  };
}
