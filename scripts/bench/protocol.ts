/** The messages the bench and its worker processes exchange over the IPC channel. */
import type { JobTrace } from './job-trace.ts';

export type WorkerRole = 'ingest' | 'noop';

export type ToWorker =
  /** Answer `reached` once this many jobs (counted since start) completed or were given up. */
  | { type: 'await'; total: number }
  /** Start recording job times and event-loop delay; `take-trace` returns and stops them. */
  | { type: 'trace' }
  | { type: 'take-trace' }
  | { type: 'stats' }
  /** Answer `counts` with the jobs finished so far (a bench with several workers sums them). */
  | { type: 'counts' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  /** `failed` counts failed attempts; `gaveUp` the jobs that will not be retried. */
  | { type: 'reached'; completed: number; failed: number; gaveUp: number }
  | { type: 'counts'; completed: number; failed: number; gaveUp: number }
  | ({ type: 'trace' } & JobTrace)
  /** `maxRssBytes` is the process's peak resident set size since it started. */
  | { type: 'stats'; maxRssBytes: number; memory: NodeJS.MemoryUsage };
