/**
 * `db copy`: a SQLite deployment (rows and blobs) into an empty PostgreSQL database, so a
 * contact center that outgrows one machine keeps its whole history. Tables go over in the order
 * their foreign keys need, a page at a time (never a whole table in memory), through both
 * drizzle schemas (same column names, each dialect's own types); blobs are streamed in chunks.
 * At the end every table's count and the number of blobs are compared.
 */
import { getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { BlobStore } from '../core/repositories/blobs.ts';
import { unreachable } from './open.ts';
import { PostgresBlobStore } from './postgres/blobs.ts';
import { drizzleOf, migratePostgres, openPool } from './postgres/open.ts';
import * as pgSchema from './postgres/schema.ts';
import { withoutNul } from './postgres/text.ts';
import * as sqliteSchema from './sqlite/schema.ts';
import type { SqliteStore } from './sqlite/store.ts';

/** Every table, parents before children. */
export const TABLES = [
  'departments',
  'users',
  'roles',
  'userRoles',
  'sessions',
  'channels',
  'channelOperators',
  'stages',
  'dealStages',
  'junkReasons',
  'clients',
  'leads',
  'deals',
  'timeline',
  'notes',
  'customFields',
  'identities',
  'messages',
  'inbox',
  'clientDuplicates',
  'duplicateDismissals',
  'imports',
  'merges',
  'apiKeys',
  'forms',
  'formRejections',
  'attachments',
  'activities',
  'events',
  'webhooks',
  'webhookDeliveries',
  'webhookAttempts',
  'settings',
  'emailCheckpoints',
  'telegramOffsets',
  'channelBlocks',
  'replays',
] as const satisfies readonly (keyof typeof sqliteSchema & keyof typeof pgSchema)[];

/** Tables whose ids come from an identity sequence (moved on past the copied ids at the end). */
const WITH_IDENTITY = new Set<string>([
  'departments',
  'users',
  'roles',
  'channels',
  'clients',
  'leads',
  'deals',
  'timeline',
  'notes',
  'customFields',
  'identities',
  'messages',
  'inbox',
  'apiKeys',
  'forms',
  'formRejections',
  'attachments',
  'activities',
  'events',
  'imports',
  'merges',
  'webhooks',
  'webhookDeliveries',
  'webhookAttempts',
  'replays',
]);

const PAGE = 500;

/**
 * The rows the migrations seed (the default stages, the REST intake channel, the roles, deal
 * stages and junk reasons): a database holding at most these is still empty, and they give way to
 * the source's.
 */
const SEEDED: Partial<Record<(typeof TABLES)[number], number>> = {
  channels: 1,
  stages: 5,
  roles: 3,
  dealStages: 5,
  junkReasons: 5,
};

export class CopyRefused extends Error {
  override name = 'CopyRefused';
}

export interface CopyProgress {
  /** Rows and blobs to copy, known once the source is counted. */
  total(count: number): void;
  advance(by: number): void;
}

export interface CopyReport {
  tables: { table: string; source: number; target: number }[];
  blobs: { source: number; target: number } | undefined;
}

const sqlName = (table: SQLiteTable | PgTable) => getTableName(table);

async function targetCounts(db: ReturnType<typeof drizzleOf>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const name of TABLES) {
    const table = pgSchema[name] as PgTable;
    const [row] = await db.select({ n: sql<number>`count(*)` }).from(table);
    counts.set(name, Number(row?.n ?? 0));
  }
  return counts;
}

/**
 * Copies everything of `source` into the database at `url`, which must be empty (its migrations
 * are applied first; the rows they seed are replaced by the source's). Blobs go into the
 * database unless `blobs` is false (BLOB_DIR will keep serving the files where they are).
 */
export async function copyToPostgres(
  source: SqliteStore,
  url: string,
  options: { blobs: boolean; progress: CopyProgress },
): Promise<CopyReport> {
  const pool = openPool({ url, size: 4, applicationName: 'leadwire-db-copy' });
  try {
    await migratePostgres(pool).catch((error: unknown) => {
      throw unreachable(url, error);
    });
    const target = drizzleOf(pool);
    const before = await targetCounts(target);
    const seeded = (name: string, n: number) => n <= (SEEDED[name as (typeof TABLES)[number]] ?? 0);
    const taken = [...before].filter(([name, n]) => n > 0 && !seeded(name, n));
    if (taken.length) {
      throw new CopyRefused(
        `the target database is not empty (${taken.map(([name, n]) => `${n} rows in ${sqlName(pgSchema[name as (typeof TABLES)[number]] as PgTable)}`).join(', ')}); db copy only fills an empty one`,
      );
    }
    const counts = new Map<string, number>();
    for (const name of TABLES) {
      const [row] = source.db
        .select({ n: sql<number>`count(*)` })
        .from(sqliteSchema[name] as SQLiteTable)
        .all();
      counts.set(name, row?.n ?? 0);
    }
    const blobCount = options.blobs ? await countOf(source.blobs.list()) : 0;
    options.progress.total([...counts.values()].reduce((a, b) => a + b, 0) + blobCount);

    for (const name of Object.keys(SEEDED) as (typeof TABLES)[number][])
      await pool.query(`DELETE FROM ${sqlName(pgSchema[name] as PgTable)}`);
    for (const name of TABLES) {
      await copyTable(source, target, name, options.progress);
      if (WITH_IDENTITY.has(name)) {
        const table = sqlName(pgSchema[name] as PgTable);
        await pool.query(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce(max(id), 0) + 1, false) FROM ${table}`,
        );
      }
    }
    let blobs: CopyReport['blobs'];
    if (options.blobs) {
      const into = new PostgresBlobStore(pool);
      let copied = 0;
      for await (const sha256 of source.blobs.list()) {
        await copyBlob(source.blobs, into, sha256);
        copied += 1;
        options.progress.advance(1);
      }
      const stored = await pool.query<{ n: number }>('SELECT count(*) AS n FROM blobs');
      blobs = { source: copied, target: stored.rows[0]?.n ?? 0 };
    }
    const after = await targetCounts(target);
    return {
      tables: TABLES.map((name) => ({
        table: sqlName(sqliteSchema[name] as SQLiteTable),
        source: counts.get(name) ?? 0,
        target: after.get(name) ?? 0,
      })),
      blobs,
    };
  } finally {
    await pool.end();
  }
}

/** One table, a page at a time in rowid order (every table here is a rowid table). */
async function copyTable(
  source: SqliteStore,
  target: ReturnType<typeof drizzleOf>,
  name: (typeof TABLES)[number],
  progress: CopyProgress,
): Promise<void> {
  const from = sqliteSchema[name] as SQLiteTable;
  const into = pgSchema[name] as PgTable;
  const columns = getTableColumns(from);
  for (let after = 0; ;) {
    const page = source.db
      .select({ rowid: sql<number>`rowid`, ...columns })
      .from(from)
      .where(sql`rowid > ${after}` as SQL)
      .orderBy(sql`rowid`)
      .limit(PAGE)
      .all() as ({ rowid: number } & Record<string, unknown>)[];
    if (!page.length) return;
    const rows = page.map(({ rowid: _rowid, ...row }) => withoutNul(row));
    await target.insert(into).values(rows as never);
    after = page[page.length - 1]?.rowid ?? after;
    progress.advance(page.length);
  }
}

/** A blob streamed across; its content must hash to its name. */
async function copyBlob(from: BlobStore, into: PostgresBlobStore, sha256: string): Promise<void> {
  const received = await into.receive(from.read(sha256));
  if (received.sha256 !== sha256) {
    await into.discard(received);
    throw new Error(
      `blob ${sha256} does not hash to its name (${received.sha256}): the file is damaged`,
    );
  }
  await into.keep(received);
}

async function countOf(items: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _item of items) n += 1;
  return n;
}
