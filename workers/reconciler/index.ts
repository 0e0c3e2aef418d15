/**
 * The reconciler: Redis is the dispatcher, the inbox is the truth. Rows still pending after the
 * grace period (Redis lost its data, an enqueue failed while Redis was down, a worker died) are
 * enqueued again under their deterministic job id, so a row whose job still exists is untouched.
 */
import type { Clock } from '../../core/clock.ts';
import type { IngestStore } from '../../core/ports.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';

export interface ReconcilerOptions {
  store: IngestStore;
  producer: Producer<'ingest'>;
  clock: Clock;
  graceMs: number;
  intervalMs: number;
  log: Logger;
}

const PAGE = 1000;

/** One pass over every pending row older than the grace period; returns how many were enqueued. */
export async function reconcileOnce(
  options: Omit<ReconcilerOptions, 'intervalMs' | 'log'>,
): Promise<number> {
  const before = new Date(options.clock.now().getTime() - options.graceMs);
  let afterId = 0;
  let total = 0;
  for (;;) {
    const ids = options.store.pendingBefore(before, afterId, PAGE);
    if (ids.length === 0) return total;
    await options.producer.addBulk(ids.map((inboxId) => ({ inboxId })));
    total += ids.length;
    afterId = ids[ids.length - 1] ?? afterId;
  }
}

export function startReconciler(options: ReconcilerOptions): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = reconcileOnce(options)
      .then((count) => {
        if (count > 0)
          options.log.info({ queue: 'ingest', count }, 'reconciler re-enqueued pending inbox rows');
      })
      .catch((error: unknown) =>
        options.log.warn(
          { err: error },
          'reconciler pass failed (Redis unreachable?); rows stay pending and are retried next pass',
        ),
      );
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
