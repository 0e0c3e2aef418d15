/** Opens the SQLite database (WAL) and brings its schema up to date with the committed migrations. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

export interface OpenOptions {
  /**
   * `full` fsyncs every commit: used where a commit acknowledges a customer (the inbox write).
   * `normal` is safe against process crashes and loses at most the last commits on power loss;
   * the ingest worker uses it because a lost commit only returns its inbox row to pending.
   */
  durability?: 'full' | 'normal';
  readonly?: boolean;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
  // Several processes share the file: wait for the write lock instead of failing at once. Workers
  // (durability normal) wait briefly, because the wait blocks the event loop and with it BullMQ's
  // lock renewals, and a busy error is retried by the queue; the web process waits longer, since
  // its commit is what lets it answer the customer.
  sqlite.pragma(`busy_timeout = ${options.durability === 'normal' ? 2000 : 5000}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('cache_size = -16000');
  // Savepoints and statements that check a foreign key keep the pages they change in a
  // sub-journal; on disk, that was a temporary file written for nearly every statement of the
  // ingest (about a fifth of its time). It holds only the pages one transaction changes.
  sqlite.pragma('temp_store = MEMORY');
  return drizzle(sqlite, { schema });
}

/** Applies pending migrations; safe when several processes start at once. */
export function migrateDatabase(db: Db): void {
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(db, { migrationsFolder: MIGRATIONS });
      return;
    } catch (error) {
      // Another process is migrating the same file right now: its work is ours, try again.
      const busy =
        error instanceof Error &&
        /SQLITE_BUSY|database is locked|already exists/.test(String(error));
      if (!busy || attempt >= 20) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100 * attempt);
    }
  }
}
