/** The messages the bench and its worker processes exchange over the IPC channel. */

export type WorkerRole = 'ingest' | 'noop';

export type ToWorker =
  /** Answer `reached` once this many jobs (counted since start) have finished. */
  | { type: 'await'; total: number }
  | { type: 'stats' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'reached'; completed: number; failed: number }
  /** `maxRssBytes` is the process's peak resident set size since it started. */
  | { type: 'stats'; rssBytes: number; maxRssBytes: number };
