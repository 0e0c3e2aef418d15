/**
 * The store a test runs against: SQLite (a file under the test's DATA_DIR, the default) or, with
 * TEST_DATABASE=postgres, a PostgreSQL database of the test's own on the shared cluster, made
 * from the migrated template (test/global-setup.ts) and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, dropDatabase, onServer } from '../../db/postgres/admin.ts';

export type TestStoreKind = 'sqlite' | 'postgres';

export const TEST_STORE: TestStoreKind =
  process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/** The shared cluster every machine here runs (trust auth); TEST_POSTGRES_URL overrides it. */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** Databases this suite makes start with this, so a crashed run's leftovers are recognised. */
export const TEST_DATABASE_PREFIX = 'lwtest_';

/** Made by the global setup: the migrated database every test database is copied from. */
export const templateName = () => inject('postgresTemplate');

/**
 * The test databases of one vitest run are named after its main process, so a run's global
 * setup drops only what runs that are gone left behind, never the databases of one running
 * beside it.
 */
export const runPrefix = (pid: number) => `${TEST_DATABASE_PREFIX}p${pid}_`;
export const RUN_OWNER = new RegExp(`^${TEST_DATABASE_PREFIX}p(\\d+)_`);

export const databaseUrl = (name: string, base = POSTGRES_URL) => `${base}/${name}`;

export function adminQuery<T extends pg.QueryResultRow>(text: string, base = POSTGRES_URL) {
  return onServer<T>(base, text);
}

export interface TestDatabase {
  /** What a process needs in its environment to use it (nothing for SQLite: DATA_DIR does). */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A database of the test's own: a copy of the migrated template (PostgreSQL). */
export async function freshDatabase(label: string, kind = TEST_STORE): Promise<TestDatabase> {
  if (kind === 'sqlite') return { env: {}, drop: async () => undefined };
  const template = templateName();
  if (!template)
    throw new Error('TEST_DATABASE=postgres needs the global setup (run through vitest)');
  const name = `${runPrefix(inject('postgresRun'))}${label.replace(/\W/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  return {
    env: { DATABASE_URL: await createDatabase(POSTGRES_URL, name, template) },
    drop: () => dropDatabase(POSTGRES_URL, name),
  };
}
