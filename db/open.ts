/**
 * Opens the store a deployment is configured for: PostgreSQL when DATABASE_URL is set, else the
 * SQLite file under DATA_DIR; blobs on the filesystem (BLOB_DIR, DATA_DIR/blobs) or, with
 * PostgreSQL and no BLOB_DIR, in the database. Migrations are applied first unless told not to.
 */
import { StoreUnavailableError } from '../core/errors.ts';
import type { Store } from '../core/repositories/index.ts';
import type { Config } from '../core/runtime/config.ts';
import { scrubSecrets } from '../core/runtime/scrub.ts';
import { guardStore } from './errors.ts';
import { FileBlobStore } from './files/blob-store.ts';
import { connectionProblem, postgresTransient } from './postgres/errors.ts';

export interface OpenStoreOptions {
  /**
   * `full` makes every commit durable before it returns: for processes whose commit
   * acknowledges a customer or a source (web, email, telegram). `normal` (the worker) is safe
   * against process crashes and may lose the last commits on a power cut, which only returns
   * their inbox rows to pending.
   */
  durability?: 'full' | 'normal';
  /** Apply pending migrations first (default). */
  migrate?: boolean;
  /** Names the process's connections (PostgreSQL's application_name). */
  role?: string;
}

export async function openStore(
  config: Pick<Config, 'database' | 'blobDir'>,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const { database } = config;
  // Each store's modules are loaded only where it is used: a SQLite deployment never holds
  // node-postgres and drizzle's PostgreSQL dialect in memory, nor the other way round.
  if (database.kind === 'postgres') {
    const { drizzleOf, migratePostgres, openPool } = await import('./postgres/open.ts');
    const { PostgresBlobStore } = await import('./postgres/blobs.ts');
    const { PostgresStore } = await import('./postgres/store.ts');
    const pool = openPool({
      url: database.url,
      size: database.poolSize,
      durability: options.durability ?? 'full',
      applicationName: `leadwire${options.role ? `-${options.role}` : ''}`,
    });
    try {
      // The first query says whether the database is there at all.
      if (options.migrate ?? true) await migratePostgres(pool);
      else await pool.query('SELECT 1');
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw unreachable(database.url, error);
    }
    const blobs = config.blobDir ? new FileBlobStore(config.blobDir) : new PostgresBlobStore(pool);
    // Round-robin turns are taken while a batch holds a connection of the main pool and its
    // locks: from a pool of their own, so batches waiting on those locks can never hold every
    // connection the turn needs. It connects only in a process that ingests.
    const turns = openPool({
      url: database.url,
      size: 1,
      durability: options.durability ?? 'full',
      applicationName: `leadwire${options.role ? `-${options.role}` : ''}-turns`,
    });
    const store = guardStore(new PostgresStore(drizzleOf(pool), blobs, turns), postgresTransient);
    if (options.migrate ?? true) await backfillDuplicateKeys(store);
    return store;
  }
  if (!config.blobDir) throw new Error('SQLite needs a blob directory');
  const { openSqliteStore, sqliteTransient } = await import('./sqlite/store.ts');
  const store = openSqliteStore(database.file, new FileBlobStore(config.blobDir), {
    durability: options.durability ?? 'full',
    migrate: options.migrate ?? true,
  });
  const guarded = guardStore(store, sqliteTransient);
  if (options.migrate ?? true) await backfillDuplicateKeys(guarded);
  return guarded;
}

/**
 * Rows written before duplicate keys existed (migrations can compute no phonetic key) get them
 * with the migrations, in batches; once done it is one indexed look that finds nothing.
 */
async function backfillDuplicateKeys(store: Store): Promise<void> {
  while ((await store.duplicates.backfillKeys(1000)) > 0);
}

/** The error a process starting against `url` reports when PostgreSQL will not serve it. */
export function unreachable(url: string, error: unknown): unknown {
  const reason = connectionProblem(error);
  if (!reason) return error;
  // The URL's own problems say what to do; an unreachable server may just need starting.
  const hint = postgresTransient(error) ? ' — start it, or fix the URL (DATABASE_URL)' : '';
  return new StoreUnavailableError(
    `PostgreSQL at ${scrubSecrets(url)} cannot be used: ${reason}${hint}`,
    { cause: error },
  );
}
