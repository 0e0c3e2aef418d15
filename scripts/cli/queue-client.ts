/** The deployment's queues as the CLI opens them, and the durable record each job stands for. */
import type { Job } from 'bullmq';
import { JOBS, QUEUES, type QueueName } from '../../core/jobs.ts';
import type { Config } from '../../core/runtime/config.ts';
import { createProducer, type Producer } from '../../core/runtime/queues.ts';
import {
  producerConnection,
  redisAnswers,
  RedisUnavailableError,
  withoutPassword,
  type Redis,
} from '../../core/runtime/redis.ts';

export const QUEUE_NAMES = Object.values(QUEUES);

export interface Queues {
  redis: Redis;
  ingest: Producer<'ingest'>;
  outbound: Producer<'outbound'>;
  webhooks: Producer<'webhooks'>;
  close(): Promise<void>;
}

/**
 * Connects to the deployment's queues, or says what to do when Redis does not answer (the
 * producer connection fails fast by design, which would otherwise surface as a stack trace).
 */
export async function openQueues(config: Config): Promise<Queues> {
  const unreachable = () =>
    new RedisUnavailableError(
      `Redis is not reachable at ${withoutPassword(config.redisUrl)} — start redis-server (e.g. \`redis-server --daemonize yes\`) or set REDIS_URL`,
    );
  if (!(await redisAnswers(config.redisUrl, 2000))) throw unreachable();
  const redis = producerConnection(config.redisUrl);
  redis.on('error', () => undefined);
  // No offline queue on a producer connection: commands sent before it is ready would fail.
  // It answered PING a moment ago, so not being ready within seconds means it went away.
  await new Promise<void>((resolve, reject) => {
    if (redis.status === 'ready') return resolve();
    const timer = setTimeout(() => {
      redis.disconnect();
      reject(unreachable());
    }, 5000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const ingest = createProducer('ingest', redis, config.queuePrefix);
  const outbound = createProducer('outbound', redis, config.queuePrefix);
  const webhooks = createProducer('webhooks', redis, config.queuePrefix);
  return {
    redis,
    ingest,
    outbound,
    webhooks,
    async close() {
      await ingest.queue.close();
      await outbound.queue.close();
      await webhooks.queue.close();
      await redis.quit();
    },
  };
}

/** The inbox row or reply a job stands for, from the catalog's payload schema. */
export function recordOf(name: QueueName, job: Job): { label: string; id: number } | undefined {
  if (name === 'ingest') {
    const parsed = JOBS.ingest.payload.safeParse(job.data);
    return parsed.success ? { label: 'inbox', id: parsed.data.inboxId } : undefined;
  }
  const parsed = JOBS.outbound.payload.safeParse(job.data);
  return parsed.success ? { label: 'message', id: parsed.data.messageId } : undefined;
}

export async function failedJobIds(producer: Producer<QueueName>): Promise<Set<string>> {
  return new Set(await producer.queue.getRanges(['failed'], 0, -1));
}
