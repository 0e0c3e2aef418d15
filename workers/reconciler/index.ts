/**
 * The reconciler: Redis is the dispatcher, the inbox is the truth. Rows still pending after the
 * grace period (Redis lost its data, an enqueue failed while Redis was down, a worker died) are
 * enqueued again under their deterministic job id, so a row whose job still exists is untouched.
 */
import type { Clock } from '../../core/clock.ts';
import type { InboxRepository } from '../../core/repositories/inbox.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';

export interface ReconcilerOptions {
  inbox: Pick<InboxRepository, 'pendingBefore'>;
  producer: Producer<'ingest'>;
  clock: Clock;
  graceMs: number;
  intervalMs: number;
  log: Logger;
}

const PAGE = 500;
/**
 * Rows per pass whose job looks unfinished that get the full state check, oldest first. The
 * full check scans the wait list, so it is kept off the bulk of a backlog; it exists for a job
 * whose keys Redis half lost (its hash left, its list entry gone), which looks unfinished but
 * would never run. A few per pass recover those without making a pass quadratic.
 */
const FULL_CHECKS = 20;

/** Where the full checks go on from, pass after pass, so every row's turn comes. */
export interface FullCheckCursor {
  afterId: number;
}

/**
 * One pass over every pending row older than the grace period. Each row's job is looked up:
 * a missing one (Redis lost it) or a finished one (its commit was lost, it stalled too often)
 * is enqueued again. Returns how many jobs were really added.
 */
export async function reconcileOnce(
  options: Omit<ReconcilerOptions, 'intervalMs' | 'log'>,
  cursor: FullCheckCursor = { afterId: 0 },
): Promise<number> {
  const before = new Date(options.clock.now().getTime() - options.graceMs);
  let afterId = 0;
  let added = 0;
  let fullChecks = FULL_CHECKS;
  for (;;) {
    const ids = await options.inbox.pendingBefore(before, afterId, PAGE);
    if (ids.length === 0) {
      // Every row's turn has come: the next pass starts again from the oldest.
      if (fullChecks > 0) cursor.afterId = 0;
      return added;
    }
    const result = await options.producer.ensureMany(ids.map((inboxId) => ({ inboxId })));
    added += result.added;
    for (const payload of result.unfinished) {
      if (fullChecks === 0) break;
      if (payload.inboxId <= cursor.afterId) continue;
      fullChecks -= 1;
      cursor.afterId = payload.inboxId;
      if (await options.producer.ensure(payload)) added += 1;
    }
    afterId = ids[ids.length - 1] ?? afterId;
  }
}

/** Runs passes one after another, `intervalMs` apart, never two at once. */
export function startReconciler(options: ReconcilerOptions): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const cursor: FullCheckCursor = { afterId: 0 };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = reconcileOnce(options, cursor)
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
