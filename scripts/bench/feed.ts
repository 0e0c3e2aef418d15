/**
 * Puts messages in front of the workers: a backlog recorded and enqueued in bulk, and a steady
 * arrival stream that goes through `recordInbound` exactly as the REST intake does (one durable
 * inbox commit, then one enqueue, per message).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from '../../core/runtime/queues.ts';
import type { InboundRecorder } from '../../connectors/record-inbound.ts';
import type { SqliteStore } from '../../db/store.ts';
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
  store: SqliteStore,
  producer: Producer<'ingest'>,
  options: { count: number; next: NextBody; idPrefix: string },
): Promise<number[]> {
  const ids: number[] = [];
  for (let from = 1; from <= options.count; from += CHUNK) {
    const to = Math.min(options.count, from + CHUNK - 1);
    const chunk = store.transaction(() => {
      const recorded: number[] = [];
      for (let n = from; n <= to; n++) {
        const receivedAt = new Date();
        const raw = JSON.stringify(envelope(options.next, receivedAt));
        recorded.push(store.recordInbox(API_CHANNEL_ID, `${options.idPrefix}${n}`, raw, receivedAt).row.id);
      }
      return recorded;
    });
    await producer.addBulk(chunk.map((inboxId) => ({ inboxId })));
    ids.push(...chunk);
  }
  return ids;
}

/** Enqueues `count` jobs with payloads 1..count and no inbox behind them (the no-op baseline). */
export async function enqueueBare(producer: Producer<'ingest'>, count: number): Promise<void> {
  for (let from = 1; from <= count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK - 1);
    const payloads = Array.from({ length: to - from + 1 }, (_, i) => ({ inboxId: from + i }));
    await producer.addBulk(payloads);
  }
}

export interface SteadyFeed {
  sent: number;
  /** Messages recorded but not enqueued (Redis refused): they wait for the reconciler. */
  notEnqueued: number;
  seconds: number;
  /** The most messages that were due but not yet sent at a tick: how far the feeder fell behind. */
  maxBehind: number;
}

/** Records and enqueues `rate` messages per second for `seconds`, each stamped when recorded. */
export async function feedSteadily(
  recorder: InboundRecorder,
  options: { rate: number; seconds: number; next: NextBody; idPrefix: string },
): Promise<SteadyFeed> {
  const total = options.rate * options.seconds;
  const started = performance.now();
  let sent = 0;
  let notEnqueued = 0;
  let maxBehind = 0;
  while (sent < total) {
    const elapsed = performance.now() - started;
    const due = Math.min(total, Math.floor((elapsed * options.rate) / 1000));
    maxBehind = Math.max(maxBehind, due - sent);
    const batch: Promise<{ enqueued: boolean }>[] = [];
    for (; sent < due; sent++) {
      const receivedAt = new Date();
      const raw = envelope(options.next, receivedAt);
      batch.push(recorder.record(API_CHANNEL_ID, `${options.idPrefix}${sent + 1}`, raw, receivedAt));
    }
    for (const result of await Promise.all(batch)) if (!result.enqueued) notEnqueued += 1;
    await sleep(TICK_MS - ((performance.now() - started) % TICK_MS));
  }
  return { sent, notEnqueued, seconds: (performance.now() - started) / 1000, maxBehind };
}
