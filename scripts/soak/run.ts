/**
 * The soak's two phases against a started system: the load, one table line per interval, then
 * the drain, which goes on sampling until no inbox row is pending (checked twice a second, so
 * the drain's length is not rounded up to an interval) or the drain's time is up.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../core/repositories/index.ts';
import { inspect } from '../../db/inspect.ts';
import type { Redis } from '../../core/runtime/redis.ts';
import type { AppProcess } from '../bench/email-system.ts';
import { readHeaps } from './heap.ts';
import { InboxMonitor } from './inbox-monitor.ts';
import type { Memory } from './memory.ts';
import { soakMix } from './mix.ts';
import type { SoakOptions } from './options.ts';
import { formatRow, tableHeader, type IntervalRow } from './table.ts';
import { startTraffic, type Traffic } from './traffic.ts';
import { peakRssOf, rssOf, UsageMeter, type Watched } from './usage.ts';

/** A post not answered this long after it was due counts as failed. */
const REQUEST_TIMEOUT_MS = 30_000;
const DRAIN_POLL_MS = 500;

export interface RunContext {
  options: SoakOptions;
  baseUrl: string;
  apiKey: string;
  /** An admin key, for reading the processes' heap from /metrics. */
  adminKey: string;
  /** Idempotency-Keys are `soak-<runId>-<n>`, n the request's sequence number. */
  runId: string;
  processes: { web: AppProcess; worker: AppProcess };
  /** The soak's own connection to the database the processes write. */
  store: Store;
  redis: Redis;
  signal: AbortSignal;
  print: (text: string) => void;
}

export interface RunResult {
  traffic: Traffic;
  rows: IntervalRow[];
  /** Seconds from the load's start to its last answer, and from then to an empty backlog. */
  loadSeconds: number;
  drainSeconds: number;
  drained: boolean;
  /** Answers by status code and failures by error code, the whole load. */
  outcomes: Map<string, number>;
  /** Milliseconds from due to answered, every answered request, ascending. */
  httpMs: number[];
  memory: Memory;
}

export async function runSoak(context: RunContext): Promise<RunResult> {
  const { options, signal, processes } = context;
  const pids = { web: processes.web.pid, worker: processes.worker.pid };
  const rss = (): Watched => ({ web: rssOf(pids.web), worker: rssOf(pids.worker) });
  const monitor = new InboxMonitor(inspect(context.store));
  // Counts the rows of the start-up probe, which are not the load's.
  await monitor.sample();
  const meter = new UsageMeter(pids, context.redis);
  await meter.sample();
  const idle = rss();
  let died: string | undefined;
  for (const [name, child] of Object.entries(processes))
    void child.exited.then((code) => (died ??= `the ${name} process exited (code ${code})`));

  const next = soakMix();
  const traffic = startTraffic({
    url: new URL('/api/v1/leads', context.baseUrl),
    headers: { authorization: `Bearer ${context.apiKey}` },
    rate: options.rate,
    seconds: options.seconds,
    connections: options.connections,
    timeoutMs: REQUEST_TIMEOUT_MS,
    post: (n) => ({ body: JSON.stringify(next()), idempotencyKey: `soak-${context.runId}-${n}` }),
  });
  signal.addEventListener('abort', () => traffic.stop(), { once: true });
  const startedAt = performance.now();
  let loadEnd: { at: number; rss: Watched } | undefined;
  void traffic.finished.then(() => (loadEnd = { at: performance.now(), rss: rss() }));
  const pending = async () => (await context.store.inbox.backlog()).pending;

  context.print(tableHeader());
  const rows: IntervalRow[] = [];
  let lastRowAt = startedAt;
  let drainedAt: number | undefined;
  for (let k = 1; ; k++) {
    const boundary = startedAt + k * options.interval * 1000;
    let last = false;
    while (performance.now() < boundary && !last) {
      if (died) throw new Error(`${died} during the soak; see its log above`);
      signal.throwIfAborted();
      if (loadEnd && (await pending()) === 0) drainedAt = performance.now();
      last = drainedAt !== undefined || (loadEnd !== undefined && overdue(loadEnd.at, options));
      if (!last) await sleep(Math.min(DRAIN_POLL_MS, Math.max(1, boundary - performance.now())));
    }
    signal.throwIfAborted();
    const at = performance.now();
    // The wall clock of the inbox sample, which the oldest pending row's age is measured from.
    const sampledAt = Date.now();
    const heapRead = readHeaps(context.baseUrl, context.adminKey, pids);
    const row: IntervalRow = {
      elapsed: (at - startedAt) / 1000,
      seconds: (at - lastRowAt) / 1000,
      // A line during which the load ended is still the load's.
      phase: loadEnd && loadEnd.at <= lastRowAt ? 'drain' : 'load',
      traffic: traffic.take(),
      unanswered: traffic.inFlight,
      inbox: await monitor.sample(),
      usage: await meter.sample(),
      heap: await heapRead,
      at: sampledAt,
    };
    lastRowAt = at;
    rows.push(row);
    context.print(formatRow(row));
    if (last || (loadEnd && overdue(loadEnd.at, options))) break;
  }

  const outcomes = new Map<string, number>();
  const httpMs: number[] = [];
  for (const { traffic: counts } of rows) {
    for (const [outcome, n] of counts.outcomes)
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + n);
    for (const ms of counts.latencyMs) httpMs.push(ms);
  }
  httpMs.sort((a, b) => a - b);
  const ended = loadEnd ?? { at: lastRowAt, rss: rss() };
  return {
    traffic,
    rows,
    loadSeconds: (ended.at - startedAt) / 1000,
    drainSeconds: ((drainedAt ?? lastRowAt) - ended.at) / 1000,
    drained: drainedAt !== undefined,
    outcomes,
    httpMs,
    memory: {
      idle,
      loadEnd: ended.rss,
      end: rss(),
      peak: { web: peakRssOf(pids.web), worker: peakRssOf(pids.worker) },
    },
  };
}

const overdue = (loadEndAt: number, options: SoakOptions) =>
  performance.now() - loadEndAt > options.drain * 1000;
