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

function highWaterMark(): number | undefined {
  try {
    const kilobytes = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
  } catch {
    return undefined;
  }
}
