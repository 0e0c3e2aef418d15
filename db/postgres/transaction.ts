/**
 * Transactions on a pool client of their own, retried when they lose a race (a deadlock, a
 * serialisation failure, a unique violation) with a short random pause, so a conflict between
 * two workers never reaches an inbox row as an error.
 */
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
