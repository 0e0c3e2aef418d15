/**
 * Once per run with TEST_DATABASE=postgres: a template database with the committed migrations
 * applied, named by a hash of them (reused by later runs while they stay the same), from which
 * every test database is copied with CREATE DATABASE … TEMPLATE. Databases a crashed earlier
 * run left behind, and templates of older migrations, are dropped first; those of a run still
 * going beside this one are left alone.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { createDatabase, dropDatabase } from '../db/postgres/admin.ts';
import { migratePostgres, openPool } from '../db/postgres/open.ts';
import {
  adminQuery,
  POSTGRES_URL,
  RUN_OWNER,
  TEST_DATABASE_PREFIX,
  TEST_STORE,
} from './helpers/database.ts';

const MIGRATIONS = fileURLToPath(new URL('../db/postgres/migrations', import.meta.url));

function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS)
    .filter((name) => name.endsWith('.sql'))
    .sort())
    hash.update(file).update(readFileSync(`${MIGRATIONS}/${file}`));
  return hash.digest('hex').slice(0, 12);
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresTemplate: string;
    /** The main process of this run: its test databases carry it in their names. */
    postgresRun: number;
  }
}

export default async function setup({ provide }: TestProject): Promise<void> {
  if (TEST_STORE !== 'postgres') return;
  const template = `${TEST_DATABASE_PREFIX}template_${migrationsHash()}`;
  const existing = await adminQuery<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DATABASE_PREFIX}%'`,
  );
  for (const { datname } of existing) {
    if (datname === template) continue;
    const owner = RUN_OWNER.exec(datname)?.[1];
    // A template of other migrations, or a database of a run that is gone.
    if (owner === undefined || !alive(Number(owner))) await dropDatabase(POSTGRES_URL, datname);
  }
  if (!existing.some((row) => row.datname === template)) {
    const building = `${template}_building`;
    const pool = openPool({ url: await createDatabase(POSTGRES_URL, building), size: 1 });
    try {
      await migratePostgres(pool);
    } finally {
      await pool.end();
    }
    await adminQuery(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
  }
  provide('postgresTemplate', template);
  provide('postgresRun', process.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
