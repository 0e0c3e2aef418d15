/**
 * How intake treats Redis while it is away. Intake touches Redis for bookkeeping only (rate
 * limits, counters, the enqueue the reconciler can redo), so each touch gets a deadline and its
 * failure is reported once in a while rather than once per request.
 *
 * A Redis that is gone fails fast by itself (producer connections have no offline queue). One
 * that still holds its connections but answers nothing (a frozen host, a partition, a stuck
 * fork) would hold every request until it came back; the deadline bounds that wait, and after a
 * miss Redis is skipped for a short while so later requests do not wait at all and commands do
 * not pile up behind the silent connection.
 */
import type { Logger } from './logger.ts';

/** Longest one intake step waits for Redis. Redis answers in well under a millisecond. */
export const INTAKE_REDIS_DEADLINE_MS = 500;
/** After a missed deadline, intake steps skip Redis this long, then one tries again. */
export const SKIP_AFTER_MISS_MS = 2000;

export class RedisDeadlineError extends Error {
  override name = 'RedisDeadlineError';
}

const skipUntil = new WeakMap<object, number>();

/**
 * Runs `call` (a Redis command through `connection`) with a deadline. Rejects with
 * RedisDeadlineError when it runs out, or at once while `connection` is being skipped after a
 * recent miss; the command itself may still complete later, which every caller tolerates.
 */
export async function withinDeadline<T>(
  connection: object,
  call: () => Promise<T>,
  deadlineMs = INTAKE_REDIS_DEADLINE_MS,
): Promise<T> {
  if ((skipUntil.get(connection) ?? 0) > Date.now()) {
    throw new RedisDeadlineError('Redis missed a deadline moments ago; skipped');
  }
  const running = call();
  // A failure after the deadline has nobody waiting for it.
  running.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      skipUntil.set(connection, Date.now() + SKIP_AFTER_MISS_MS);
      reject(new RedisDeadlineError(`Redis did not answer within ${deadlineMs} ms`));
    }, deadlineMs);
  });
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A warning that is logged at most once per `intervalMs`, carrying how many occurrences were
 * left out since the last one: during an outage every request fails the same way, and a line
 * (with a stack) for each would bury everything else in the log.
 */
export function occasionalWarning(
  log: Logger,
  message: string,
  intervalMs = 10_000,
  /** Sampled apart per key (e.g. per channel), so one noisy source does not hide another. */
  keyOf: (context: Record<string, unknown>) => string = () => '',
): (error: unknown, context?: Record<string, unknown>) => void {
  const seen = new Map<string, { at: number; left: number }>();
  return (error, context = {}) => {
    const now = Date.now();
    const key = keyOf(context);
    const last = seen.get(key);
    if (last && now - last.at < intervalMs) {
      last.left += 1;
      return;
    }
    // Keys can come from a URL: keep the memory of them bounded.
    if (seen.size >= 1000) seen.clear();
    seen.set(key, { at: now, left: 0 });
    const err = error instanceof Error ? error.message : String(error);
    log.warn({ ...context, err, ...(last?.left ? { alsoSince: last.left } : {}) }, message);
  };
}
