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
import type { Channel } from '../../core/channel.ts';
import type { ChannelRepository } from '../../core/repositories/channels.ts';
import type { Store } from '../../core/repositories/index.ts';
import type { InboxRepository } from '../../core/repositories/inbox.ts';
import { dependenciesUp } from './health.ts';

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

/** Gauges read at scrape time from Redis (queues) and the database (the inbox backlog). */
function stateRegistry(deps: MetricsDeps): Registry {
  const { repos, queues } = deps;
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
  // One read of the backlog per scrape serves both gauges (the partial index of pending rows:
  // cheap during a large backlog). A database that does not answer leaves them out.
  let backlog: Promise<{ pending: number; oldestReceivedAt: Date | null } | undefined> | undefined;
  const readBacklog = () =>
    (backlog ??= withinSecond(repos.inbox.backlog()).finally(() =>
      setImmediate(() => (backlog = undefined)),
    ));
  new Gauge({
    name: 'leadwire_inbox_pending_rows',
    help: 'Inbox rows recorded but not yet turned into leads (the durable backlog)',
    registers: [registry],
    async collect() {
      this.reset();
      const read = await readBacklog();
      if (read) this.set(read.pending);
    },
  });
  new Gauge({
    name: 'leadwire_inbox_oldest_pending_age_seconds',
    help: 'Age of the oldest inbox row still pending (0 when none is)',
    registers: [registry],
    async collect() {
      this.reset();
      const read = await readBacklog();
      if (!read) return;
      const oldest = read.oldestReceivedAt?.getTime();
      this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    },
  });
  new Gauge({
    name: 'leadwire_dependency_up',
    help: 'Whether Redis and the database answer (1) or not (0), asked at each scrape like /readyz',
    labelNames: ['dependency'] as const,
    registers: [registry],
    async collect() {
      const up = await dependenciesUp(deps.store, deps.redis);
      this.set({ dependency: 'database' }, up.database ? 1 : 0);
      this.set({ dependency: 'redis' }, up.redis ? 1 : 0);
    },
  });
  // Which connector processes the active channels need, so an alert can tell a missing `email`
  // process from a deployment without mailboxes: for a session (a mailbox, a long-polled bot),
  // or only to be watched (a webhook bot, whose health the telegram process asks Telegram for).
  const connectorProcesses = [
    ...new Set(deps.channels.flatMap((channel) => channel.connector?.process ?? [])),
  ];
  new Gauge({
    name: 'leadwire_connector_channels',
    help: 'Active channels that need each connector process (email, telegram), for a session or to be watched',
    labelNames: ['process', 'need'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const active = await withinSecond(repos.channels.list());
      if (!active) return;
      const counts = new Map<string, number>();
      for (const process of connectorProcesses)
        for (const need of ['session', 'watch']) counts.set(`${process} ${need}`, 0);
      for (const record of active) {
        if (!record.active) continue;
        const connector = deps.channels.find((channel) => channel.kind === record.kind)?.connector;
        if (!connector) continue;
        const need =
          !connector.wanted || connector.wanted(record)
            ? 'session'
            : connector.monitor
              ? 'watch'
              : undefined;
        if (!need) continue;
        const key = `${connector.process} ${need}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, count] of counts) {
        const [process = '', need = ''] = key.split(' ');
        this.set({ process, need }, count);
      }
    },
  });
  return registry;
}

/** A database read for a scrape: one that has not answered within a second is left out. */
function withinSecond<T>(read: Promise<T>): Promise<T | undefined> {
  return Promise.race([
    read,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000).unref()),
  ]).catch(() => undefined);
}

export interface MetricsDeps {
  repos: {
    inbox: Pick<InboxRepository, 'backlog'>;
    channels: Pick<ChannelRepository, 'list'>;
  };
  /** Answers `leadwire_dependency_up` (as /readyz). */
  store: Pick<Store, 'ping'>;
  /** The channel registry: which kinds run in a connector process. */
  channels: readonly Pick<Channel, 'kind' | 'connector'>[];
  redis: Redis;
  queuePrefix: string;
  queues: Queue[];
  /** This process's id, to skip its own (stale) snapshot in Redis. */
  processId: string;
}

/** `GET /metrics`; mount it behind admin authentication. */
export function metricsRoutes(deps: MetricsDeps): Router {
  const router = Router();
  const states = stateRegistry(deps);
  router.get('/metrics', async (_req, res) => {
    const counted = await gatherMetrics(deps.redis, deps.queuePrefix, deps.processId);
    const merged = Registry.merge([counted, states]);
    res.type(merged.contentType).send(await merged.metrics());
  });
  return router;
}
