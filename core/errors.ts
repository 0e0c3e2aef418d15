/** Errors that carry what to do about them. */

/**
 * Input that will never succeed however often it is retried (a malformed raw event).
 * The worker stores the message on the inbox row and does not retry.
 */
export class MalformedInputError extends Error {
  override name = 'MalformedInputError';
  constructor(
    message: string,
    readonly details: { path: string; message: string }[] = [],
    /** `invalid` — the event does not have the expected shape; `unreachable` — no identity to answer on. */
    readonly code: 'invalid' | 'unreachable' = 'invalid',
  ) {
    super(message);
  }
}

/** The configuration cannot start a process; `problems` lists every one of them. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(
      `Leadwire cannot start, the configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
    );
  }
}

/**
 * The database did not answer (restarting, unreachable, too busy): nothing is wrong with the
 * request, it only has to be tried again. Intake answers 503 with Retry-After; jobs retry.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
