/**
 * Replies stored while Redis was away (or whose job was lost) are still `queued` in the
 * database: every interval, each one older than the grace period gets its job back.
 */
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';
import type { LeadRepository } from '../../core/repositories/leads.ts';

export interface OutboundReconcilerOptions {
  leads: Pick<LeadRepository, 'queuedBefore'>;
  producer: Producer<'outbound'>;
  graceMs: number;
  intervalMs: number;
  log: Logger;
}

export async function reconcileOutboundOnce(
  options: Pick<OutboundReconcilerOptions, 'leads' | 'producer' | 'graceMs'>,
): Promise<number> {
  const ids = await options.leads.queuedBefore(new Date(Date.now() - options.graceMs), 1000);
  const added = await Promise.all(ids.map((messageId) => options.producer.ensure({ messageId })));
  return added.filter(Boolean).length;
}

export function startOutboundReconciler(options: OutboundReconcilerOptions): {
  stop(): Promise<void>;
} {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    // Passes never overlap: a slow one (Redis away) simply delays the next.
    if (running) return;
    running = reconcileOutboundOnce(options)
      .then((added) => {
        if (added)
          options.log.info(
            { queue: 'outbound', added },
            'queued replies handed to the queue again',
          );
      })
      .catch((error: unknown) =>
        options.log.warn({ queue: 'outbound', err: error }, 'outbound reconcile pass failed'),
      )
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
