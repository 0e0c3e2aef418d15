/**
 * `/metrics` for Prometheus, and the HTTP counters behind it. What is counted as it happens
 * (messages, replies, requests) lives in each process's registry and is shared through Redis;
 * what is a state (queue lengths, the inbox backlog) is read fresh at each scrape, here.
 */
import type { RequestHandler } from 'express';
import { Router } from 'express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import { gatherMetrics } from '../../core/runtime/metrics-share.ts';
import { withinDeadline } from '../../core/runtime/redis-outage.ts';
import { httpRequests, httpSeconds } from '../../core/runtime/metrics.ts';
import type { Db } from '../../db/open.ts';

/**
 * Counts every answered request under its route template (`/f/:slug`, not the slug), so a scan
 * of random URLs adds no series: whatever no route matched is `unmatched`.
 */
export const countRequests: RequestHandler = (req, res, next) => {
  const stop = httpSeconds.startTimer();
  res.once('finish', () => {
    const template = (req.route as { path?: unknown } | undefined)?.path;
    const route =
      typeof template === 'string'
        ? `${req.baseUrl}${template}`
        : req.baseUrl.startsWith('/admin/queues')
          ? '/admin/queues'
          : 'unmatched';
    httpRequests.inc({ route, method: req.method, status: res.statusCode });
    stop({ route, method: req.method });
  });
  next();
};

const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'prioritized',
] as const;

/** Gauges read at scrape time from Redis (queues) and SQLite (the inbox backlog). */
function stateRegistry(db: Db, queues: Queue[]): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'leadwire_queue_jobs',
    help: 'Jobs in each BullMQ queue by state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues.map(async (queue) => {
          // BullMQ waits for Redis rather than failing: a scrape during an outage must not hang.
          const counts = await withinDeadline(queue, () =>
            queue.getJobCounts(...QUEUE_STATES),
          ).catch(() => undefined);
          for (const state of QUEUE_STATES) {
            if (counts) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          }
        }),
      );
    },
  });
  // Both read the partial index of pending rows: the count walks it, the oldest row is its first
  // entry (ids grow with time), so a scrape during a large backlog stays cheap.
  const pendingRows = db.$client
    .prepare<[], number>(
      "SELECT count(*) FROM inbox INDEXED BY inbox_pending WHERE status = 'pending'",
    )
    .pluck();
  const oldestPending = db.$client
    .prepare<[], number>(
      "SELECT received_at FROM inbox INDEXED BY inbox_pending WHERE status = 'pending' ORDER BY id LIMIT 1",
    )
    .pluck();
  new Gauge({
    name: 'leadwire_inbox_pending_rows',
    help: 'Inbox rows recorded but not yet turned into leads (the durable backlog)',
    registers: [registry],
    collect() {
      this.set(pendingRows.get() ?? 0);
    },
  });
  new Gauge({
    name: 'leadwire_inbox_oldest_pending_age_seconds',
    help: 'Age of the oldest inbox row still pending (0 when none is)',
    registers: [registry],
    collect() {
      const oldest = oldestPending.get();
      this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    },
  });
  return registry;
}

export interface MetricsDeps {
  db: Db;
  redis: Redis;
  queuePrefix: string;
  queues: Queue[];
  /** This process's id, to skip its own (stale) snapshot in Redis. */
  processId: string;
}

/** `GET /metrics`; mount it behind admin authentication. */
export function metricsRoutes(deps: MetricsDeps): Router {
  const router = Router();
  const states = stateRegistry(deps.db, deps.queues);
  router.get('/metrics', async (_req, res) => {
    const counted = await gatherMetrics(deps.redis, deps.queuePrefix, deps.processId);
    const merged = Registry.merge([counted, states]);
    res.type(merged.contentType).send(await merged.metrics());
  });
  return router;
}
