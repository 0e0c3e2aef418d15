/**
 * Connections to PostgreSQL: one pool per process, drizzle over it, and the migrations, applied
 * under an advisory lock so ten processes starting at once migrate once (the others wait for
 * the lock, then find nothing left to do).
 */
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };

const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));
/** The session advisory lock migrations run under (any constant no other lock uses). */
const MIGRATION_LOCK = 0x1ead_f1e0;

const INT8 = 20;
const INT8_ARRAY = 1016;
/**
 * Whole numbers come back as JS numbers: ids and counts are bigint columns, and node-postgres
 * would otherwise return them as strings (they stay far below 2^53).
 */
const parseInt8Array = pg.types.getTypeParser(INT8_ARRAY as never, 'text') as (
  value: string,
) => string[];
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === 'binary') return pg.types.getTypeParser(oid, format);
    if (oid === INT8) return (value: string) => Number(value);
    if (oid === INT8_ARRAY) return (value: string) => parseInt8Array(value).map(Number);
    return pg.types.getTypeParser(oid, 'text');
  }) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  url: string;
  size: number;
  /**
   * `normal`: commits do not wait for the WAL flush (synchronous_commit off). Only for the
   * worker, whose lost commit (a database crash in the last fraction of a second) returns its
   * inbox rows to pending, to be processed again; never for intake.
   */
  durability?: 'full' | 'normal';
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

export function openPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.size,
    types,
    // A database that is away is noticed within seconds (intake answers 503, jobs retry)
    // instead of every request waiting for a connection that never comes.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // A server that vanished without closing the connection (a host down, a network cut) is
    // noticed by TCP keepalive instead of leaving a transaction waiting forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: options.applicationName ?? 'leadwire',
    // Queries given to one connection go out without waiting for the answer before: a
    // transaction sends statements that do not depend on each other in one round trip.
    pipeline: true,
    // No JIT compilation: Leadwire's queries are short index look-ups, and compiling one whose
    // estimated cost passes the threshold (a full-text search over many rows) took ~250 ms more
    // than running it. Random page reads priced as on an SSD, or data in memory (1.1, the usual
    // value there, instead of 4, made for spinning disks): with 4, a lead search for two words
    // read the leads backwards by id (80,000 rows, 45 ms) rather than look up the few hundred
    // leads the search index named (bench -- search).
    options: `-c jit=off -c random_page_cost=1.1${options.durability === 'normal' ? ' -c synchronous_commit=off' : ''}`,
  });
  // A connection the server dropped (a restart, a network cut) fails its next query, which says
  // so; without listeners, its error event (idle in the pool, or checked out between two queries
  // of a transaction) would end the process.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Drizzle over the pool, or over one client inside a transaction of our own. */
export function drizzleOf(client: pg.Pool | pg.PoolClient): PgDb {
  return drizzle(client, { schema }) as unknown as PgDb;
}

export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let failure: unknown;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
    } finally {
      // A failed unlock must not hide why the migration failed; the connection is then closed
      // rather than pooled, which lets go of the lock with its session.
      await client
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
        .catch((error: unknown) => (failure ??= error));
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    client.release(failure === undefined ? undefined : (failure as Error));
  }
}
