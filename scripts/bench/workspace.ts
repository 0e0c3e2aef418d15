/**
 * What a run owns and removes however it ends: a temporary DATA_DIR (with the SQLite file, or
 * beside a PostgreSQL database the run creates and drops), a queue prefix of its own on the
 * usual Redis whose keys alone it deletes (never FLUSHALL), and the environment that points a
 * Leadwire process at both.
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
import { UserError, type Run } from './context.ts';

/** The options of every mode that can run on either store. */
export const STORE_OPTIONS = {
  store: 'sqlite',
  'database-url': 'postgres://postgres@127.0.0.1:5432',
};

export interface Workspace {
  store: 'sqlite' | 'postgres';
  dataDir: string;
  /** DATA_DIR, and DATABASE_URL on PostgreSQL, as a Leadwire process reads them. */
  env: Record<string, string>;
  /** Opens the bench's own connection to the database (migrated unless told otherwise). */
  open(options?: OpenStoreOptions): Promise<Store>;
}

export async function createWorkspace(
  run: Run,
  options: { store?: string; 'database-url'?: string } = {},
): Promise<Workspace> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `leadwire-bench-${run.id}-`));
  run.guard.remove(dataDir);
  run.defer(() => rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = { DATA_DIR: dataDir };
  const store = options.store === 'postgres' ? 'postgres' : 'sqlite';
  if (store === 'postgres') {
    const server = (options['database-url'] ?? '').replace(/\/$/, '');
    const name = `leadwire_bench_${run.id}`;
    env.DATABASE_URL = await createDatabase(server, name).catch((error: unknown) => {
      throw new UserError(
        `PostgreSQL at ${scrubSecrets(server)} did not make the bench's database (${(error as Error).message}) — start it, or pass --database-url`,
      );
    });
    run.defer(() => dropDatabase(server, name));
  }
  run.progress(`database ${store === 'sqlite' ? dataDir : scrubSecrets(env.DATABASE_URL ?? '')}`);
  const config = () => loadConfig({ ENV_FILE: '/dev/null', ...env });
  return {
    store,
    dataDir,
    env,
    async open(openOptions) {
      const opened = await openStore(config(), openOptions);
      run.defer(() => opened.close());
      return opened;
    },
  };
}

export interface OwnRedis {
  url: string;
  prefix: string;
  /** A producer connection of the bench's own. */
  redis: Redis;
}

/** A queue prefix `<QUEUE_PREFIX>-bench-<run id>` whose keys are deleted when the run ends. */
export async function ownRedis(run: Run): Promise<OwnRedis> {
  const base = loadConfig();
  const url = base.redisUrl;
  if (!(await redisAnswers(url)))
    throw new UserError(`Redis is not reachable at ${url} — start redis-server or set REDIS_URL`);
  const prefix = `${base.queuePrefix}-bench-${run.id}`;
  run.guard.redisKeys(url, prefix);
  const redis = producerConnection(url);
  run.defer(() => redis.quit());
  run.defer(async () =>
    run.progress(`deleted ${await deleteKeys(redis, prefix)} Redis keys under ${prefix}`),
  );
  return { url, prefix, redis };
}

/** Deletes the keys under `prefix`, and only those. Also run by the orphan guard with a URL. */
export async function deleteKeys(redis: Redis | string, prefix: string): Promise<number> {
  const client = typeof redis === 'string' ? producerConnection(redis) : redis;
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  if (typeof redis === 'string') await client.quit();
  return deleted;
}

/** The environment of a Leadwire process of this run: its database, its prefix, no .env. */
export function appEnv(
  workspace: Workspace,
  own: OwnRedis | undefined,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ENV_FILE: '/dev/null', LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  const redis = own ? { REDIS_URL: own.url, QUEUE_PREFIX: own.prefix } : {};
  return { ...env, ...workspace.env, ...redis, ...extra };
}
