/**
 * Is a process's memory growing? Two readings say little: V8 lets the heap swell and shrink by
 * tens of MB between collections (the web process, which runs without the worker's small young
 * generation, swings most), so the summary gives, for the RSS and the V8 heap, the value at the
 * end of the first line (start-up and JIT warm-up done), the range over the later lines of the
 * load, and a least-squares trend over them. A growing RSS over a flat heap points at the
 * allocator or native memory (SQLite, buffers) rather than at JavaScript objects kept alive.
 */
import { mb, type IntervalRow } from './table.ts';
import type { Watched } from './usage.ts';

export interface Memory {
  /** RSS after start-up (before the load), when the load ended, after the drain. */
  idle: Watched;
  loadEnd: Watched;
  end: Watched;
  /** The highest RSS since each process started (VmHWM). */
  peak: Watched;
}

interface Trend {
  first: number | undefined;
  min: number;
  max: number;
  /** MB per minute, or undefined with fewer than two readings. */
  slope: number | undefined;
}

/** Over the load's lines: the first line's value, then range and trend of the later ones. */
export function trend(rows: IntervalRow[], pick: (row: IntervalRow) => number | undefined): Trend {
  const load = rows.filter((row) => row.phase === 'load');
  const points = load.slice(1).flatMap((row) => {
    const bytes = pick(row);
    return bytes === undefined ? [] : [{ x: row.elapsed / 60, y: bytes / 1024 / 1024 }];
  });
  const first = load[0] && pick(load[0]);
  const n = points.length;
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / n;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / n;
  const sxy = points.reduce((sum, point) => sum + (point.x - meanX) * (point.y - meanY), 0);
  const sxx = points.reduce((sum, point) => sum + (point.x - meanX) ** 2, 0);
  return {
    first,
    min: n ? Math.min(...points.map((point) => point.y)) : 0,
    max: n ? Math.max(...points.map((point) => point.y)) : 0,
    slope: n >= 2 && sxx > 0 ? sxy / sxx : undefined,
  };
}

const describeTrend = ({ first, min, max, slope }: Trend) =>
  `start ${first === undefined ? '?' : mb(first)} MB, later lines ${Math.round(min)}-${Math.round(max)} MB, ` +
  (slope === undefined ? 'no trend' : `trend ${slope >= 0 ? '+' : ''}${slope.toFixed(1)} MB/min`);

export function describeMemory(memory: Memory, rows: IntervalRow[], key: keyof Watched): string[] {
  const heap = trend(rows, (row) => row.heap[key]);
  return [
    `RSS idle ${mb(memory.idle[key])} MB, ${describeTrend(trend(rows, (row) => row.usage.rss[key]))}; ` +
      `load end ${mb(memory.loadEnd[key])} MB, after the drain ${mb(memory.end[key])} MB, ` +
      `peak ${mb(memory.peak[key])} MB`,
    heap.first === undefined && heap.max === 0
      ? 'V8 heap used: not readable from /metrics'
      : `V8 heap used ${describeTrend(heap)}`,
  ];
}
