/**
 * Read-only looks into the store for benchmarks, soak audits and tests: they measure and check
 * what the repositories wrote, with queries no product path needs. Written once with drizzle's
 * `sql` template in SQL both dialects read; rows come back the same from both (timestamps as
 * milliseconds, booleans as 0/1, JSON objects as text, counts as numbers), as SQLite returns them.
 */
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Store } from '../core/repositories/index.ts';
import { unguarded } from './errors.ts';
import type { PostgresStore } from './postgres/store.ts';
import type { SqliteStore } from './sqlite/store.ts';

export interface Inspector {
  all<T>(query: SQL): Promise<T[]>;
  get<T>(query: SQL): Promise<T | undefined>;
  /** A write outside the repositories, for setting up a test's situation. */
  run(query: SQL): Promise<void>;
  /** A timestamp as a query parameter, in the column type of this store. */
  at(date: Date): SQL;
}

const dialect = new PgDialect();

/** A PostgreSQL value as SQLite would have returned it. */
function asSqlite(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !Buffer.isBuffer(value)
  )
    return JSON.stringify(value);
  return value;
}

export function inspect(store: Store): Inspector {
  if (store.kind === 'postgres') {
    const pool = unguarded<PostgresStore>(store).db.$client;
    const all = async <T>(query: SQL) => {
      const { sql, params } = dialect.sqlToQuery(query);
      const result = await pool.query(sql, params);
      return result.rows.map(
        (row: Record<string, unknown>) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, asSqlite(v)])) as T,
      );
    };
    return {
      all,
      get: async <T>(query: SQL) => (await all<T>(query))[0],
      run: async (query) => void (await all(query)),
      at: (date) => sql`${date.toISOString()}::timestamptz`,
    };
  }
  const raw = unguarded<SqliteStore>(store);
  return {
    async all<T>(query: SQL) {
      return raw.db.all<T>(query);
    },
    async get<T>(query: SQL) {
      return raw.db.get<T>(query);
    },
    async run(query: SQL) {
      raw.db.run(query);
    },
    at: (date) => sql`${date.getTime()}`,
  };
}
