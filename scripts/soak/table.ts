/**
 * The soak's running output: one table line per interval (so a slow leak or a growing backlog
 * shows as it happens, not only in the summary). Counts are the interval's, rates per second of
 * it; `*` marks the drain's lines; `unanswd` the posts not answered yet; `backlog` the inbox rows
 * pending; lag is inbox received_at -> processed_at of the rows done in the interval, `oldest`
 * the age of the oldest row still pending; `http p99` from when a post was due to its answer;
 * RSS and V8 heap used per process; CPU in cores (`other`: the rest of the machine).
 */
import { percentile } from '../bench/report.ts';
import type { Heaps } from './heap.ts';
import type { InboxSample } from './inbox-monitor.ts';
import type { TrafficCounts } from './traffic.ts';
import type { UsageSample } from './usage.ts';

export interface IntervalRow {
  /** Seconds since the load started, at the end of this interval, and the interval's length. */
  elapsed: number;
  seconds: number;
  phase: 'load' | 'drain';
  traffic: TrafficCounts;
  /**
   * Posts sent and not answered yet, at the end of the interval: those the web process is
   * handling, and those queued on our side for a free connection. The inbox backlog misses them.
   */
  unanswered: number;
  inbox: InboxSample;
  usage: UsageSample;
  /** V8 heap used, from /metrics (up to 5 s old; missing when the scrape failed). */
  heap: Heaps;
  /** Epoch ms when the row was sampled. */
  at: number;
}

export const int = (value: number) => Math.round(value).toLocaleString('en-US');
export const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
/** Milliseconds, as ms below ten seconds and as seconds above. */
export const duration = (ms: number) =>
  ms < 10_000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms < 100_000 ? 1 : 0)}s`;
export const cores = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(2));

const COLUMNS: [title: string, width: number][] = [
  ['time', 6],
  ['sent', 6],
  ['2xx', 6],
  ['err', 5],
  ['unanswd', 7],
  ['acc/s', 6],
  ['done/s', 7],
  ['backlog', 8],
  ['lag p50', 8],
  ['p99', 7],
  ['max', 7],
  ['oldest', 7],
  ['http p99', 9],
  ['rss web', 8],
  ['worker', 7],
  ['heap web', 9],
  ['worker', 7],
  ['cpu web', 8],
  ['worker', 7],
  ['soak', 5],
  ['redis', 6],
  ['other', 6],
];

const line = (cells: string[]) =>
  cells.map((cell, i) => cell.padStart(COLUMNS[i]?.[1] ?? 0)).join(' ');

export function tableHeader(): string {
  return `${line(COLUMNS.map(([title]) => title))}\n${line(
    COLUMNS.map(([, width]) => ' '.repeat(Math.max(0, width - 4)) + '----'),
  )}\n`;
}

export function formatRow(row: IntervalRow): string {
  const { traffic, inbox, usage } = row;
  const lag = inbox.lagMs;
  const latency = [...traffic.latencyMs].sort((a, b) => a - b);
  const oldest = inbox.oldestPendingAt === undefined ? 0 : row.at - inbox.oldestPendingAt;
  const cells = [
    `${Math.round(row.elapsed)}s${row.phase === 'drain' ? '*' : ''}`,
    int(traffic.sent),
    int(traffic.accepted),
    int(traffic.refused + traffic.failed),
    int(row.unanswered),
    // The drain's last line may last a fraction of a second: too short for a rate.
    row.seconds < 1 ? '-' : int(traffic.accepted / row.seconds),
    row.seconds < 1 ? '-' : int(inbox.done / row.seconds),
    int(inbox.pending),
    lag.length ? duration(percentile(lag, 50)) : '-',
    lag.length ? duration(percentile(lag, 99)) : '-',
    lag.length ? duration(lag[lag.length - 1] ?? 0) : '-',
    duration(oldest),
    latency.length ? duration(percentile(latency, 99)) : '-',
    `${mb(usage.rss.web)}MB`,
    `${mb(usage.rss.worker)}MB`,
    row.heap.web === undefined ? '-' : `${mb(row.heap.web)}MB`,
    row.heap.worker === undefined ? '-' : `${mb(row.heap.worker)}MB`,
    cores(usage.cpu.web),
    cores(usage.cpu.worker),
    cores(usage.cpu.soak),
    cores(usage.cpu.redis),
    cores(usage.cpu.others),
  ];
  return `${line(cells)}\n`;
}
