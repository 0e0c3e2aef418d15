/**
 * Metrics across processes. Every process writes its registry (as JSON) to Redis every few
 * seconds under a key that expires; a web process answering `/metrics` reads the live ones and
 * merges them with its own. Prometheus scrapes one URL and still sees workers, mailboxes and bots
 * that run in other processes or on other machines. A process that dies drops out when its key
 * expires; while Redis is away, `/metrics` shows the answering process alone.
 */
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';
import type { Redis } from 'ioredis';
import { snapshot } from './metrics.ts';
import { withinDeadline } from './redis-outage.ts';

type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/** How often a process publishes, and how long a published snapshot counts as live. */
const PUBLISH_MS = 5_000;
const LIVE_MS = 20_000;

const indexKey = (prefix: string) => `${prefix}:metrics:processes`;
const snapshotKey = (prefix: string, processId: string) => `${prefix}:metrics:process:${processId}`;

export interface MetricsPublisher {
  stop(): Promise<void>;
}

/** Publishes this process's metrics until stopped; Redis errors only skip a round. */
export function publishMetrics(
  redis: Redis,
  prefix: string,
  processId: string,
  everyMs = PUBLISH_MS,
): MetricsPublisher {
  const publish = async () => {
    const own = JSON.stringify(await snapshot());
    await withinDeadline(redis, () =>
      redis
        .multi()
        .set(snapshotKey(prefix, processId), own, 'PX', LIVE_MS)
        .zadd(indexKey(prefix), Date.now(), processId)
        .zremrangebyscore(indexKey(prefix), 0, Date.now() - LIVE_MS)
        .exec(),
    );
  };
  // One publish at a time: while Redis is frozen, rounds are skipped rather than piled up.
  let publishing: Promise<void> | undefined;
  const round = () => {
    publishing ??= publish()
      .catch(() => undefined)
      .finally(() => (publishing = undefined));
  };
  round();
  const timer = setInterval(round, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // A publish still in flight would write the snapshot back after the delete below.
      await publishing;
      // Gone at once rather than after LIVE_MS, so a clean restart does not show twice.
      await withinDeadline(redis, () =>
        redis.multi().del(snapshotKey(prefix, processId)).zrem(indexKey(prefix), processId).exec(),
      ).catch(() => undefined);
    },
  };
}

/** Snapshots published by the other live processes (empty while Redis is away). */
async function otherProcesses(
  redis: Redis,
  prefix: string,
  ownId: string,
): Promise<MetricJson[][]> {
  try {
    const live = await withinDeadline(redis, () =>
      redis.zrangebyscore(indexKey(prefix), Date.now() - LIVE_MS, '+inf'),
    );
    const ids = live.filter((id) => id !== ownId);
    if (ids.length === 0) return [];
    const snapshots = await withinDeadline(redis, () =>
      redis.mget(ids.map((id) => snapshotKey(prefix, id))),
    );
    return snapshots.flatMap((text) => (text ? [JSON.parse(text) as MetricJson[]] : []));
  } catch {
    return [];
  }
}

/**
 * This process's metrics and every other live process's, as one exposition. Series never collide
 * (each carries its process id), so aggregation is a plain union: every metric is merged with
 * `first`, which also keeps the per-process ones prom-client would otherwise omit.
 */
export async function gatherMetrics(
  redis: Redis,
  prefix: string,
  ownId: string,
): Promise<Registry> {
  const all = [await snapshot(), ...(await otherProcesses(redis, prefix, ownId))];
  const union = all.map((metrics) => metrics.map((metric) => ({ ...metric, aggregator: 'first' })));
  return AggregatorRegistry.aggregate(union);
}
