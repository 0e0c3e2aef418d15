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

const PAGE = 500;
/** Job look-ups in flight at once (they pipeline on one connection). */
const PARALLEL = 50;

/**
 * One pass over every pending row older than the grace period. Each row's job is looked up:
 * a missing one (Redis lost it) or a finished one (its commit was lost, it stalled too often)
 * is enqueued again. Returns how many jobs were really added.
 */
export async function reconcileOnce(
  options: Omit<ReconcilerOptions, 'intervalMs' | 'log'>,
): Promise<number> {
  const before = new Date(options.clock.now().getTime() - options.graceMs);
  let afterId = 0;
  let added = 0;
  for (;;) {
    const ids = options.store.pendingBefore(before, afterId, PAGE);
    if (ids.length === 0) return added;
    for (let i = 0; i < ids.length; i += PARALLEL) {
      const results = await Promise.all(
        ids.slice(i, i + PARALLEL).map((inboxId) => options.producer.ensure({ inboxId })),
      );
      added += results.filter(Boolean).length;
    }
    afterId = ids[ids.length - 1] ?? afterId;
  }
}

/** Runs passes one after another, `intervalMs` apart, never two at once. */
export function startReconciler(options: ReconcilerOptions): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = reconcileOnce(options)
        .then((count) => {
          if (count > 0) {
            options.log.info(
              { queue: 'ingest', count },
              'reconciler re-enqueued pending inbox rows',
            );
          }
        })
        .catch((error: unknown) =>
          options.log.warn(
            { err: error },
            'reconciler pass failed (Redis unreachable?); rows stay pending and are retried next pass',
          ),
        )
        .finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
