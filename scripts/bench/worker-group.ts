/**
 * Several worker processes of the bench as one: started together, their finished jobs summed,
 * their traces merged, the largest peak memory reported. With one process it is that process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobTrace } from './job-trace.ts';
import type { WorkerRole } from './protocol.ts';
import { startWorkerChild, type WorkerChild, type WorkerChildOptions } from './worker-child.ts';

/** How often a group of several asks its processes how far they got. */
const POLL_MS = 20;

export interface WorkerGroup {
  readonly size: number;
  readonly ready: Promise<void>;
  /** Resolves when the processes together have finished `total` jobs since they started. */
  awaitJobs(total: number): Promise<{ completed: number; failed: number; gaveUp: number }>;
  startTrace(): void;
  takeTrace(): Promise<JobTrace>;
  /** The process with the highest peak RSS: its peak and its memory now. */
  stats(): Promise<{ maxRssBytes: number; memory: NodeJS.MemoryUsage }>;
  stop(): Promise<void>;
}

export function startWorkerGroup(
  role: WorkerRole,
  size: number,
  options: WorkerChildOptions,
): WorkerGroup {
  const children: WorkerChild[] = Array.from({ length: size }, () =>
    startWorkerChild(role, options),
  );
  const sum = async () => {
    const counts = await Promise.all(children.map((child) => child.counts()));
    return counts.reduce(
      (total, c) => ({
        completed: total.completed + c.completed,
        failed: total.failed + c.failed,
        gaveUp: total.gaveUp + c.gaveUp,
      }),
      { completed: 0, failed: 0, gaveUp: 0 },
    );
  };
  return {
    size,
    ready: Promise.all(children.map((child) => child.ready)).then(() => undefined),
    async awaitJobs(total) {
      // One process tells the moment it gets there; several are asked every few milliseconds.
      if (children.length === 1) return children[0]!.awaitJobs(total);
      for (;;) {
        const counts = await sum();
        if (counts.completed + counts.gaveUp >= total) return counts;
        await sleep(POLL_MS);
      }
    },
    startTrace: () => children.forEach((child) => child.startTrace()),
    async takeTrace() {
      const traces = await Promise.all(children.map((child) => child.takeTrace()));
      const worst = traces.reduce((a, b) => (b.loopDelayMs.p99 > a.loopDelayMs.p99 ? b : a));
      return { jobs: traces.flatMap((trace) => trace.jobs), loopDelayMs: worst.loopDelayMs };
    },
    async stats() {
      const all = await Promise.all(children.map((child) => child.stats()));
      return all.reduce((a, b) => (b.maxRssBytes > a.maxRssBytes ? b : a));
    },
    stop: async () => void (await Promise.all(children.map((child) => child.stop()))),
  };
}
