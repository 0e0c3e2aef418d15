/** BullMQ queues and workers built from the job catalog, so names, ids and policies agree. */
import { hostname } from 'node:os';
import { Queue, Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS, type JobName, type JobPayload } from '../jobs.ts';

export type Producer<N extends JobName> = {
  queue: Queue;
  /** Adds the job under its deterministic id: adding the same payload twice is one job. */
  add(payload: JobPayload<N>): Promise<void>;
  /** `add`, run no sooner than `delayMs` from now. */
  addLater(payload: JobPayload<N>, delayMs: number): Promise<void>;
  addBulk(payloads: JobPayload<N>[]): Promise<void>;
  /**
   * Makes sure a job for this payload will run: leaves a waiting, delayed or active one alone,
   * replaces one that already finished (completed or failed) or whose keys are half gone.
   * Returns whether a job was added.
   */
  ensure(payload: JobPayload<N>): Promise<boolean>;
  /**
   * `ensure` for many payloads, cheaply: three pipelined look-ups per job (does it exist, is it
   * completed, is it failed) instead of ensure's state check, which scans the whole wait list
   * (with N jobs waiting, a pass over N rows was quadratic: 1,000 rows/s at 100,000). Missing jobs
   * are added in one addBulk and finished ones replaced; the rest exist unfinished (waiting,
   * delayed, running) and are returned, for a caller that wants the full check on a few of them
   * (a job whose keys Redis half lost also looks unfinished).
   */
  ensureMany(payloads: JobPayload<N>[]): Promise<{ added: number; unfinished: JobPayload<N>[] }>;
};

/** Finished jobs replaced at once by ensureMany (each is a remove and an add). */
const PARALLEL = 100;

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
  const producer: Producer<N> = {
    queue,
    async add(payload) {
      await queue.add(name, payload, options(payload));
    },
    async addLater(payload, delayMs) {
      await queue.add(name, payload, { ...options(payload), delay: Math.max(0, delayMs) });
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
    async ensureMany(payloads) {
      const pipeline = connection.pipeline();
      for (const payload of payloads) {
        const id = jobId(payload);
        pipeline.exists(queue.toKey(id));
        pipeline.zscore(queue.toKey('completed'), id);
        pipeline.zscore(queue.toKey('failed'), id);
      }
      const replies = (await pipeline.exec()) ?? [];
      const failure = replies.find(([error]) => error)?.[0];
      if (failure) throw failure;
      const missing: JobPayload<N>[] = [];
      const finished: JobPayload<N>[] = [];
      const unfinished: JobPayload<N>[] = [];
      payloads.forEach((payload, i) => {
        const [exists, completed, failed] = replies.slice(i * 3, i * 3 + 3).map(([, v]) => v);
        if (exists !== 1) missing.push(payload);
        else if (completed !== null || failed !== null) finished.push(payload);
        else unfinished.push(payload);
      });
      await producer.addBulk(missing);
      // Adding an id that still exists is ignored: a finished job is removed first.
      for (let i = 0; i < finished.length; i += PARALLEL) {
        await Promise.all(
          finished.slice(i, i + PARALLEL).map((payload) => producer.ensure(payload)),
        );
      }
      return { added: missing.length + finished.length, unfinished };
    },
  };
  return producer;
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
