/**
 * Inside a worker process: when each finished job was enqueued and fetched (BullMQ stamps both),
 * and how late the event loop ran meanwhile, so the bench can tell queueing from processing and
 * see the worker's event loop blocked (long synchronous work, GC, SQLite busy-waits).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Job, Worker } from 'bullmq';

/** Per job: the inbox id of its payload, enqueued at (job.timestamp), fetched at (job.processedOn). */
export type JobTimes = [inboxId: number, enqueuedAt: number, fetchedAt: number];

export interface JobTrace {
  jobs: JobTimes[];
  loopDelayMs: { p50: number; p99: number; max: number };
}

export function traceJobs(worker: Worker): { start(): void; take(): JobTrace } {
  let jobs: JobTimes[] | undefined;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  worker.on('completed', (job: Job<{ inboxId: number }>) => {
    jobs?.push([job.data.inboxId, job.timestamp, job.processedOn ?? Number.NaN]);
  });
  return {
    start() {
      jobs = [];
      loop.reset();
      loop.enable();
    },
    take() {
      loop.disable();
      const ms = (ns: number) => ns / 1e6;
      const trace = {
        jobs: jobs ?? [],
        loopDelayMs: {
          p50: ms(loop.percentile(50)),
          p99: ms(loop.percentile(99)),
          max: ms(loop.max),
        },
      };
      jobs = undefined;
      return trace;
    },
  };
}
