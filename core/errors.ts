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

/** A reply that can never go out as it is (a 5xx from the mail server): shown on the message, not retried. */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

/** The customer cannot be reached on this channel any more (blocked the bot): marked, not retried. */
export class RecipientUnreachableError extends PermanentSendError {
  override name = 'RecipientUnreachableError';
  constructor(
    message: string,
    /** The identity the channel can no longer answer, e.g. `telegram:123`. */
    readonly identityKey: string,
  ) {
    super(message);
  }
}

/** The channel asked us to slow down: the reply waits this long, and so do the channel's others. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(
    readonly retryAfterSeconds: number,
    message = `rate limited: retry after ${retryAfterSeconds} s`,
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
