/**
 * Transactions on a pool client of their own, retried when they lose a race (a deadlock, a
 * serialisation failure, a unique violation) with a short random pause, so a conflict between
 * two workers never reaches an inbox row as an error.
 */
import type { Writable } from 'node:stream';
import type pg from 'pg';
import { postgresTransient, retryable } from './errors.ts';

const ATTEMPTS = 8;

export const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 5)));

/** A connection whose error says it is broken is not given back to the pool. */
export function release(client: pg.PoolClient, error?: unknown): void {
  client.release(error !== undefined && postgresTransient(error) ? (error as Error) : undefined);
}

export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let failure: unknown;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      failure = error;
      await client.query('ROLLBACK').catch(() => undefined);
      if (!retryable(error) || attempt >= ATTEMPTS) throw error;
    } finally {
      release(client, failure);
    }
    await pause(attempt);
  }
}

/**
 * The queries `send` gives a pipelined connection go out in one write: one system call and one
 * wake-up of the server for all of them, where each query would otherwise be written (and
 * answered) on its own. node-postgres writes a query synchronously when the connection is
 * pipelined, so corking its socket around the calls is enough.
 */
export function inOneWrite<T>(client: pg.PoolClient, send: () => T): T {
  const stream = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  stream?.cork();
  try {
    return send();
  } finally {
    stream?.uncork();
  }
}
