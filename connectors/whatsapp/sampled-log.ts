/** Warnings about refused webhook calls, sampled per channel so a flood writes a few lines. */
import type { Logger } from '../../core/runtime/logger.ts';

/**
 * Refusals are logged the first time, then at most once a minute per channel with how many were
 * left out: a misconfigured app or a scanner would otherwise write a line per post.
 */
export function sampledWarnings(log: Logger, intervalMs = 60_000) {
  const seen = new Map<string, { at: number; left: number }>();
  return (channel: string, context: Record<string, unknown>, message: string) => {
    const now = Date.now();
    const last = seen.get(channel);
    if (last && now - last.at < intervalMs) {
      last.left += 1;
      return;
    }
    // Channel ids come from the URL: keep the memory of them bounded.
    if (seen.size >= 1000) seen.clear();
    seen.set(channel, { at: now, left: 0 });
    log.warn({ channel, ...context, ...(last?.left ? { alsoSince: last.left } : {}) }, message);
  };
}
