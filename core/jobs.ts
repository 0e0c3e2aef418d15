/**
 * The job catalog: every queue, its payload schema and its retry policy, declared once.
 * Producers and workers take their types from here. Queue names are persistent identifiers
 * stored in Redis keys: never rename one without a migration note.
 */
import { z } from 'zod';

export const QUEUES = {
  ingest: 'ingest',
  outbound: 'outbound',
  webhooks: 'webhooks',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface JobPolicy<S extends z.ZodType> {
  queue: QueueName;
  payload: S;
  /** Attempts before the job stays in the failed set (its inbox row marked failed). */
  attempts: number;
  /** Exponential backoff base in ms between attempts (transient errors only). */
  backoffMs: number;
  /** Jobs processed at once per worker process. */
  concurrency: number;
  /**
   * How long a worker's lock on a job lasts, and how often stalled jobs are looked for: a job
   * whose worker died (kill -9) goes back to waiting within about this time.
   */
  lockMs: number;
  /** Times a job may stall (its worker died) before BullMQ fails it; the reconciler still recovers the row. */
  maxStalledCount: number;
  /** BullMQ job ids must not contain `:` and must not be all digits. */
  jobId: (payload: z.infer<S>) => string;
}

const ingest = {
  queue: QUEUES.ingest,
  payload: z.object({ inboxId: z.number().int().positive() }),
  attempts: 8,
  backoffMs: 1000,
  concurrency: 16,
  lockMs: 20_000,
  maxStalledCount: 5,
  jobId: ({ inboxId }) => `inbox-${inboxId}`,
} satisfies JobPolicy<z.ZodObject<{ inboxId: z.ZodNumber }>>;

/** An operator's reply, sent over its channel (SMTP now). The message row is the durable record. */
const outbound = {
  queue: QUEUES.outbound,
  payload: z.object({ messageId: z.number().int().positive() }),
  attempts: 10,
  backoffMs: 5000,
  concurrency: 4,
  lockMs: 60_000,
  maxStalledCount: 2,
  jobId: ({ messageId }) => `out-${messageId}`,
} satisfies JobPolicy<z.ZodObject<{ messageId: z.ZodNumber }>>;

/**
 * One attempt of a webhook delivery (its number in the payload, so each retry is a job of its
 * own, added with the schedule's delay). The delivery row is the durable record; a job whose
 * worker died runs again and sends the same webhook-id.
 */
const webhooks = {
  queue: QUEUES.webhooks,
  payload: z.object({
    deliveryId: z.number().int().positive(),
    attempt: z.number().int().positive(),
  }),
  attempts: 5,
  backoffMs: 5000,
  concurrency: 16,
  // An attempt waits at most 10 s for its receiver (BullMQ renews the lock halfway).
  lockMs: 15_000,
  maxStalledCount: 5,
  jobId: ({ deliveryId, attempt }) => `wh-${deliveryId}-${attempt}`,
} satisfies JobPolicy<z.ZodObject<{ deliveryId: z.ZodNumber; attempt: z.ZodNumber }>>;

export const JOBS = { ingest, outbound, webhooks } as const;

/**
 * Ingest jobs one worker process runs at once (INGEST_CONCURRENCY when set). On PostgreSQL a
 * job spends most of its time waiting on the network, and the jobs waiting together share a
 * commit: twice as many in flight drain a backlog about 1.4× as fast (npm run bench).
 */
export function ingestConcurrency(store: 'sqlite' | 'postgres', configured?: number): number {
  return configured ?? (store === 'postgres' ? 2 * ingest.concurrency : ingest.concurrency);
}
export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;
