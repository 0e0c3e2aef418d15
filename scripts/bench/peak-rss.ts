/**
 * The peak resident set size of this process. On Linux it is VmHWM from /proc/self/status;
 * elsewhere the largest of samples taken every 50 ms. Not `process.resourceUsage().maxRSS`: on
 * Linux it also covers the parent's memory at the moment it forked this process.
 */
import { readFileSync } from 'node:fs';

const SAMPLE_MS = 50;

export function trackPeakRss(): () => number {
  let sampled = process.memoryUsage.rss();
  const timer = setInterval(() => {
    sampled = Math.max(sampled, process.memoryUsage.rss());
  }, SAMPLE_MS);
  timer.unref();
  return () => highWaterMark() ?? Math.max(sampled, process.memoryUsage.rss());
}

const highWaterMark = () => procStatusBytes('VmHWM');

/**
 * A memory field of /proc/<pid>/status in bytes (VmRSS: resident now, VmHWM: resident at peak);
 * undefined off Linux or once the process is gone.
 */
export function procStatusBytes(
  field: 'VmRSS' | 'VmHWM',
  pid: number | 'self' = 'self',
): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
  } catch {
    return undefined;
  }
}
