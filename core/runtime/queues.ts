/** BullMQ queues and workers built from the job catalog, so names, ids and policies agree. */
import { hostname } from 'node:os';
import { Queue, Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS, type JobName, type JobPayload } from '../jobs.ts';

export type Producer<N extends JobName> = {
  queue: Queue;
  /** Adds the job under its deterministic id: adding the same payload twice is one job. */
  add(payload: JobPayload<N>): Promise<void>;
  addBulk(payloads: JobPayload<N>[]): Promise<void>;
  /**
   * Makes sure a job for this payload will run: leaves a waiting, delayed or active one alone,
   * replaces one that already finished (completed or failed) or whose keys are half gone.
   * Returns whether a job was added.
   */
  ensure(payload: JobPayload<N>): Promise<boolean>;
};

/** Finished jobs are kept briefly for the dashboard; the inbox row is the durable record. */
const KEEP = { removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } };

export function createProducer<N extends JobName>(
  name: N,
  connection: Redis,
  prefix: string,
): Producer<N> {
  const job = JOBS[name];
  // The catalog entry of this queue: its id function takes this queue's payload.
  const jobId = job.jobId as (payload: JobPayload<N>) => string;
  const queue = new Queue(job.queue, { connection, prefix });
  // The queue repeats its connection's errors, which the connection's owner already logs;
  // without a listener BullMQ prints each one, with its stack, to the console.
  queue.on('error', () => undefined);
  const options = (payload: JobPayload<N>) => ({
    jobId: jobId(payload),
    attempts: job.attempts,
    backoff: { type: 'exponential', delay: job.backoffMs },
    ...KEEP,
  });
  return {
    queue,
    async add(payload) {
      await queue.add(name, payload, options(payload));
    },
    async ensure(payload) {
      const existing = await queue.getJob(jobId(payload));
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
        await existing.remove().catch(() => undefined);
      }
      await queue.add(name, payload, options(payload));
      return true;
    },
    async addBulk(payloads) {
      if (payloads.length === 0) return;
      await queue.addBulk(
        payloads.map((payload) => ({ name, data: payload, opts: options(payload) })),
      );
    },
  };
}

export function createWorker<N extends JobName>(
  name: N,
  connection: Redis,
  prefix: string,
  handle: (payload: JobPayload<N>, job: Job, token: string | undefined) => Promise<unknown>,
  concurrency: number = JOBS[name].concurrency,
): Worker {
  const job = JOBS[name];
  const processor: Processor = async (current, token) =>
    handle(job.payload.parse(current.data) as JobPayload<N>, current, token);
  return new Worker(job.queue, processor, {
    // Shown as the job's processedBy: which machine and process ran it.
    name: `${hostname()}/${process.pid}`,
    connection,
    prefix,
    concurrency,
    lockDuration: job.lockMs,
    stalledInterval: job.lockMs,
    maxStalledCount: job.maxStalledCount,
    autorun: true,
  });
}
