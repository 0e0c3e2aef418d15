/**
 * What a run owns and removes however it ends: a temporary DATA_DIR (with the SQLite file, or
 * beside a PostgreSQL database the run creates and drops), a queue prefix of its own on the
 * usual Redis whose keys alone it deletes (never FLUSHALL), and the environment that points a
 * Leadwire process at all three.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../core/runtime/config.ts';
import { producerConnection, redisAnswers, type Redis } from '../../core/runtime/redis.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import { openStore, type OpenStoreOptions } from '../../db/open.ts';
import { createDatabase, dropDatabase } from '../../db/postgres/admin.ts';
import type { Store } from '../../core/repositories/index.ts';
import { deleteKeys } from '../../test/helpers/redis.ts';
import { UserError, type Run } from './context.ts';

/** The options of every mode that can run on either store. */
export const STORE_OPTIONS = {
  store: 'sqlite',
  'database-url': 'postgres://postgres@127.0.0.1:5432',
};

export interface Workspace {
  store: 'sqlite' | 'postgres';
  dataDir: string;
  redisUrl: string;
  /** `<QUEUE_PREFIX>-bench-<run id>`: every key under `<prefix>:` is deleted when the run ends. */
  prefix: string;
  /** A producer connection of the bench's own. */
  redis: Redis;
  /** The environment of a Leadwire process of this run: its database and prefix, no .env. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** Opens the bench's own connection to the database (migrated unless told otherwise). */
  open(options?: OpenStoreOptions): Promise<Store>;
}

export async function createWorkspace(
  run: Run,
  options: { store: string; 'database-url': string },
): Promise<Workspace> {
  const base = loadConfig();
  const redisUrl = base.redisUrl;
  if (!(await redisAnswers(redisUrl)))
    throw new UserError(
      `Redis is not reachable at ${redisUrl} — start redis-server or set REDIS_URL`,
    );
  const prefix = `${base.queuePrefix}-bench-${run.id}`;
  run.guard.redisKeys(redisUrl, prefix);
  run.defer(async () =>
    run.progress(`deleted ${await deleteKeys(prefix, redisUrl)} Redis keys under ${prefix}:`),
  );
  const redis = producerConnection(redisUrl);
  run.defer(() => redis.quit());
  // Ready before the mode's first command (it queues none) or a long synchronous seeding.
  await new Promise((resolve) => redis.once('ready', resolve));

  const dataDir = mkdtempSync(path.join(tmpdir(), `leadwire-bench-${run.id}-`));
  run.guard.remove(dataDir);
  run.defer(() => rmSync(dataDir, { recursive: true, force: true }));
  const own: Record<string, string> = {
    DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
  };
  const store = options.store === 'postgres' ? 'postgres' : 'sqlite';
  if (store === 'postgres') {
    const server = options['database-url'].replace(/\/$/, '');
    const name = `leadwire_bench_${run.id}`;
    own.DATABASE_URL = await createDatabase(server, name).catch((error: unknown) => {
      throw new UserError(
        `PostgreSQL at ${scrubSecrets(server)} did not make the bench's database (${(error as Error).message}) — start it, or pass --database-url`,
      );
    });
    run.defer(() => dropDatabase(server, name));
  }
  run.progress(`database ${store === 'sqlite' ? dataDir : scrubSecrets(own.DATABASE_URL ?? '')}`);
  return {
    store,
    dataDir,
    redisUrl,
    prefix,
    redis,
    env(extra = {}) {
      const env: NodeJS.ProcessEnv = { ...process.env, ENV_FILE: '/dev/null', LOG_LEVEL: 'info' };
      delete env.DATABASE_URL;
      return { ...env, ...own, ...extra };
    },
    async open(openOptions) {
      const opened = await openStore(loadConfig({ ENV_FILE: '/dev/null', ...own }), openOptions);
      run.defer(() => opened.close());
      return opened;
    },
  };
}
