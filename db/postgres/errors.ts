/** How PostgreSQL and node-postgres say "not now", and which errors a transaction may retry. */
import { rootCause } from '../errors.ts';

const UNAVAILABLE_CODES: Record<string, string> = {
  '57P01': 'PostgreSQL is shutting down (admin shutdown)',
  '57P02': 'PostgreSQL crashed (crash shutdown)',
  '57P03': 'PostgreSQL is starting up or shutting down',
  '53300': 'PostgreSQL has no free connections (too many clients)',
  '08000': 'the connection to PostgreSQL failed',
  '08001': 'PostgreSQL could not be connected to',
  '08003': 'the connection to PostgreSQL is gone',
  '08004': 'PostgreSQL refused the connection',
  '08006': 'the connection to PostgreSQL failed',
};
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const GONE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|terminating connection/i;

const codeOf = (error: unknown) => {
  const code = (rootCause(error) as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** PostgreSQL's "not now" (restarting, unreachable, full), for the store's error guard. */
export function postgresTransient(caught: unknown): string | undefined {
  const error = rootCause(caught);
  const code = codeOf(error);
  if (code && UNAVAILABLE_CODES[code]) return UNAVAILABLE_CODES[code];
  if (code && NETWORK_CODES.has(code)) return `PostgreSQL is not reachable (${code})`;
  const message = error instanceof Error ? error.message : String(error);
  if (GONE.test(message)) return `PostgreSQL is not reachable (${message})`;
  const nested = (error as { errors?: unknown[] } | null)?.errors; // AggregateError (IPv4 + IPv6)
  if (Array.isArray(nested)) return nested.map(postgresTransient).find(Boolean);
  return undefined;
}

/**
 * A transaction that lost a race and may simply run again: a serialisation failure, a deadlock
 * (PostgreSQL aborted one side), a unique violation (the other side inserted the same row first;
 * the retry sees it and takes the other branch), or a lock it could not take without waiting.
 */
export function retryable(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40001' || code === '40P01' || code === '23505' || code === '55P03';
}

/** What is wrong with DATABASE_URL itself (no such database, wrong password, unknown host). */
export function connectionProblem(error: unknown): string | undefined {
  const code = codeOf(error);
  if (code === '3D000')
    return 'the database does not exist (create it with createdb, or fix the URL)';
  if (code === '28P01' || code === '28000')
    return 'PostgreSQL refused the login (check the user and password in the URL)';
  if (code === 'ENOTFOUND') return 'the host name does not resolve';
  return postgresTransient(error);
}
