/** Ctrl-C during a long run: stop after the current batch, or at once on a real second press. */

/** Copies of one Ctrl-C relayed by npm and tsx arrive within this; a real second press later. */
const RELAYED_SIGNAL_MS = 1000;

/** A replay stopped by Ctrl-C: its cursor is saved; the message says how to resume (exit 130). */
export class InterruptedError extends Error {
  readonly exitCode = 130;
}

/**
 * Aborts on the first SIGINT/SIGTERM; another one at least a second later exits at once (the
 * cursor is saved per batch, and a row reset but not yet enqueued is pending, which the
 * reconciler enqueues). Signals within that second are the same Ctrl-C: under `npm run`, npm and
 * tsx each relay the terminal's SIGINT to the process that already received it.
 */
export async function withSignal<T>(
  given: AbortSignal | undefined,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (given) return body(given);
  const controller = new AbortController();
  let firstAt = 0;
  const stop = () => {
    if (controller.signal.aborted) {
      if (Date.now() - firstAt >= RELAYED_SIGNAL_MS) process.exit(130);
      return;
    }
    firstAt = Date.now();
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to stop now)\n');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
