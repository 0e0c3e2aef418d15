/**
 * The webhooks part of a worker process: the dispatcher (new outbox events → deliveries, each
 * with its first job), the `webhooks` queue's worker (one attempt per job; a retry is a new job
 * delayed by the schedule), and a reconciler that gives every pending delivery whose time has
 * come its job again (Redis lost it, or the process died between the commit and the enqueue).
 * Any number of worker processes may run it: deliveries are made once (PostgreSQL skips the
 * events another dispatcher holds; SQLite serialises), and an attempt is recorded once.
 */
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/runtime/logger.ts';
import {
  webhookAttempts,
  webhookAttemptSeconds,
  webhookPending,
} from '../../core/runtime/metrics.ts';
import { createWorker, type Producer } from '../../core/runtime/queues.ts';
import { attemptDelivery, dispatchEvents, type WebhookDeps } from './handler.ts';

export interface WebhookWorkerOptions extends WebhookDeps {
  /** Tells the consoles of a change: here only a subscription turned off (`webhook.disabled`). */
  announce?: () => void;
  producer: Producer<'webhooks'>;
  connection: Redis;
  prefix: string;
  log: Logger;
  /** How often the dispatcher looks for new events. */
  dispatchEveryMs: number;
  /** Pending deliveries this long past their time get their job again. */
  graceMs: number;
  reconcileEveryMs: number;
}

/** Events taken per dispatcher transaction. */
const DISPATCH_BATCH = 500;

export function startWebhooks(options: WebhookWorkerOptions): {
  worker: Worker;
  stop(): Promise<void>;
} {
  const { log, producer } = options;
  const worker = createWorker(
    'webhooks',
    options.connection,
    options.prefix,
    async ({ deliveryId, attempt }, job) => {
      const started = performance.now();
      const outcome = await attemptDelivery(options, deliveryId, attempt);
      const context = { queue: 'webhooks', jobId: job.id, deliveryId, attempt };
      if (outcome.kind === 'skipped') {
        log.debug({ ...context, why: outcome.why }, 'webhook attempt skipped');
        return outcome;
      }
      const webhook = String(outcome.webhookId);
      webhookAttemptSeconds.observe({ webhook }, (performance.now() - started) / 1000);
      if (outcome.kind === 'retry') {
        webhookAttempts.inc({ webhook, result: 'retry' });
        await producer.addLater(
          { deliveryId, attempt: attempt + 1 },
          outcome.at.getTime() - options.clock.now().getTime(),
        );
        log.info(
          { ...context, status: outcome.status, retryAt: outcome.at },
          'webhook attempt failed: will retry',
        );
      } else {
        webhookAttempts.inc({ webhook, result: outcome.delivery });
        if (outcome.disabled) options.announce?.();
        const level = outcome.delivery === 'delivered' ? 'debug' : 'warn';
        log[level]({ ...context, status: outcome.status }, `webhook ${outcome.delivery}`);
      }
      return outcome;
    },
  );
  worker.on('error', (error) =>
    log.warn({ queue: 'webhooks', err: error }, 'webhooks worker error'),
  );

  let stopped = false;
  const wake: { timer?: NodeJS.Timeout; resolve?: () => void } = {};
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake.resolve = resolve;
      wake.timer = setTimeout(resolve, ms);
    });

  const dispatching = (async () => {
    while (!stopped) {
      let full = false;
      try {
        const made = await dispatchEvents(options, DISPATCH_BATCH);
        full = made.events === DISPATCH_BATCH;
        if (made.deliveries.length)
          await producer.addBulk(made.deliveries.map((d) => ({ deliveryId: d.id, attempt: 1 })));
      } catch (error) {
        // The reconciler enqueues what a lost enqueue left pending.
        log.warn({ queue: 'webhooks', err: error }, 'webhook dispatch failed');
      }
      if (!full && !stopped) await pause(options.dispatchEveryMs);
    }
  })();

  let reconciling: Promise<unknown> | undefined;
  const reconcile = setInterval(() => {
    if (reconciling) return;
    reconciling = (async () => {
      const due = await options.repos.webhooks.dueBefore(
        new Date(options.clock.now().getTime() - options.graceMs),
        1000,
      );
      if (due.length) {
        const { added } = await producer.ensureMany(
          due.map(({ id, attempts }) => ({ deliveryId: id, attempt: attempts + 1 })),
        );
        if (added)
          log.info({ queue: 'webhooks', added }, 'webhook deliveries handed to the queue again');
      }
      const pending = await options.repos.webhooks.pendingCounts();
      webhookPending.reset();
      for (const [webhook, count] of pending)
        webhookPending.set({ webhook: String(webhook) }, count);
    })()
      .catch((error: unknown) =>
        log.warn({ queue: 'webhooks', err: error }, 'webhook reconcile pass failed'),
      )
      .finally(() => {
        reconciling = undefined;
      });
  }, options.reconcileEveryMs);
  reconcile.unref();

  return {
    worker,
    async stop() {
      stopped = true;
      clearTimeout(wake.timer);
      wake.resolve?.();
      clearInterval(reconcile);
      await Promise.all([dispatching, reconciling]);
      await worker.close();
    },
  };
}
