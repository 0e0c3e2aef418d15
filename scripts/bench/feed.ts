/**
 * Puts messages in front of the workers: a backlog recorded and enqueued in bulk, and a steady
 * arrival stream recorded and enqueued as `recordInbound` does (inbox commit first, then the job).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { StoreUnavailableError } from '../../core/errors.ts';
import type { Store } from '../../core/repositories/index.ts';
import type { Producer } from '../../core/runtime/queues.ts';
import { inspect } from '../../db/inspect.ts';
import { API_CHANNEL_ID } from './seed.ts';
import type { NextBody } from './senders.ts';

const CHUNK = 1000;
/** The steady stream sends what is due every tick: 10 messages per tick at 1,000 msgs/s. */
const TICK_MS = 10;

const envelope = (next: NextBody, receivedAt: Date) => ({
  body: next(),
  receivedAt: receivedAt.toISOString(),
});

/** Records `count` inbox rows (external ids `<idPrefix><n>`) and enqueues them; returns their ids. */
export async function recordBacklog(
  store: Store,
  producer: Producer<'ingest'>,
  options: { count: number; next: NextBody; idPrefix: string; signal: AbortSignal },
): Promise<number[]> {
  const ids: number[] = [];
  for (let from = 1; from <= options.count; from += CHUNK) {
    options.signal.throwIfAborted();
    const to = Math.min(options.count, from + CHUNK - 1);
    const receivedAt = new Date();
    const rows = [];
    for (let n = from; n <= to; n++) {
      const raw = JSON.stringify(envelope(options.next, receivedAt));
      rows.push({ externalId: `${options.idPrefix}${n}`, raw });
    }
    const recorded = await store.inbox.recordBatch(API_CHANNEL_ID, rows, receivedAt);
    const chunk = recorded.map(({ row }) => row.id);
    await producer.addBulk(chunk.map((inboxId) => ({ inboxId })));
    ids.push(...chunk);
  }
  return ids;
}

/** Enqueues `count` jobs with payloads 1..count and no inbox behind them (the no-op baseline). */
export async function enqueueBare(
  producer: Producer<'ingest'>,
  count: number,
  signal: AbortSignal,
): Promise<void> {
  for (let from = 1; from <= count; from += CHUNK) {
    signal.throwIfAborted();
    const to = Math.min(count, from + CHUNK - 1);
    const payloads = Array.from({ length: to - from + 1 }, (_, i) => ({ inboxId: from + i }));
    await producer.addBulk(payloads);
  }
}

export interface SteadyFeed {
  /** Messages offered, recorded or not. */
  sent: number;
  /** Messages not recorded because the database did not answer (SQLite stayed locked). */
  refused: number;
  /** Messages recorded but not enqueued (Redis refused): they wait for the reconciler. */
  notEnqueued: number;
  seconds: number;
  /** The most messages that were due but not yet sent at a tick: how far the feeder fell behind. */
  maxBehind: number;
}

/**
 * Records and enqueues `rate` messages per second for `seconds`, each stamped when recorded.
 * Like `recordInbound`, each inbox row is committed before its job is added. The web process
 * commits every message on its own (timeInboxCommit measures that fsync); here the rows of one
 * tick share one commit, so that the feeder is not itself the bottleneck being measured.
 */
export async function feedSteadily(
  store: Store,
  producer: Producer<'ingest'>,
  options: { rate: number; seconds: number; next: NextBody; idPrefix: string; signal: AbortSignal },
): Promise<SteadyFeed> {
  const total = options.rate * options.seconds;
  const started = performance.now();
  let sent = 0;
  let refused = 0;
  let notEnqueued = 0;
  let maxBehind = 0;
  while (sent < total) {
    // Once interrupted, add nothing more: the cleanup is deleting this run's keys.
    options.signal.throwIfAborted();
    const elapsed = performance.now() - started;
    const due = Math.min(total, Math.floor((elapsed * options.rate) / 1000));
    maxBehind = Math.max(maxBehind, due - sent);
    // Stamped before waiting for the write lock, as the REST intake stamps a request.
    const receivedAt = new Date();
    const arrivals: { externalId: string; raw: string }[] = [];
    for (let n = sent + 1; n <= due; n++) {
      const raw = JSON.stringify(envelope(options.next, receivedAt));
      arrivals.push({ externalId: `${options.idPrefix}${n}`, raw });
    }
    sent = due;
    let ids: number[] = [];
    try {
      const recorded = arrivals.length
        ? await store.inbox.recordBatch(API_CHANNEL_ID, arrivals, receivedAt)
        : [];
      ids = recorded.map(({ row }) => row.id);
    } catch (error) {
      // The workers held the write lock past busy_timeout: the web would answer 503 here.
      if (!(error instanceof StoreUnavailableError)) throw error;
      refused += arrivals.length;
    }
    const added = await Promise.allSettled(ids.map((inboxId) => producer.add({ inboxId })));
    notEnqueued += added.filter((result) => result.status === 'rejected').length;
    await sleep(TICK_MS - ((performance.now() - started) % TICK_MS));
  }
  return { sent, refused, notEnqueued, seconds: (performance.now() - started) / 1000, maxBehind };
}

/**
 * Milliseconds one `recordInbox` takes as the web process runs it: its own commit, fsynced.
 * The probe rows are deleted afterwards.
 */
export async function timeInboxCommit(store: Store, samples = 200): Promise<number> {
  const raw = JSON.stringify(envelope(() => ({ email: 'probe@example.com' }), new Date()));
  const started = performance.now();
  for (let n = 1; n <= samples; n++)
    await store.inbox.record(API_CHANNEL_ID, `probe-${n}`, raw, new Date());
  const ms = (performance.now() - started) / samples;
  await inspect(store).run(sql`DELETE FROM inbox WHERE external_id LIKE 'probe-%'`);
  return ms;
}
