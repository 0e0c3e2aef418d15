/**
 * What a run owns and removes however it ends: a temporary DATA_DIR (with the SQLite file, or
 * beside a PostgreSQL database the run creates and drops), a queue prefix of its own on the
 * usual Redis whose keys alone it deletes (never FLUSHALL), and the environment that points a
 * Leadwire process at all three.
 *
 * The orphan guard cleans up when the bench cannot: killed outright (kill -9, or a second Ctrl-C
 * on which the `tsx` CLI sends SIGKILL). A detached shell, in a process group of its own so Ctrl-C
 * does not reach it, waits for the bench to be gone, then ends the processes it started (SIGTERM,
 * SIGKILL after 20 s), stops its Dovecot (which daemonizes), deletes its Redis keys and removes
 * its directories. The bench lists them in a state file as it goes, and ends the guard once it
 * has cleaned up on its own.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../core/runtime/config.ts';
import { producerConnection, redisAnswers } from '../../core/runtime/redis.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import { openStore, type OpenStoreOptions } from '../../db/open.ts';
import { createDatabase, dropDatabase } from '../../db/postgres/admin.ts';
import { IMAP_SERVER_SCRIPT } from '../../test/helpers/imap.ts';
import { deleteKeys } from '../../test/helpers/redis.ts';
import { UserError, type Run } from './context.ts';

export type Workspace = Awaited<ReturnType<typeof createWorkspace>>;

export async function createWorkspace(
  run: Run,
  options: { store: string; 'database-url': string },
  durability: OpenStoreOptions['durability'],
) {
  const { redisUrl, queuePrefix } = loadConfig();
  if (!(await redisAnswers(redisUrl)))
    throw new UserError(
      `Redis is not reachable at ${redisUrl} — start redis-server or set REDIS_URL`,
    );
  /** Every key under `<prefix>:` is deleted when the run ends. */
  const prefix = `${queuePrefix}-bench-${run.id}`;
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
  if (options.store === 'postgres') {
    const server = options['database-url'].replace(/\/$/, '');
    const name = `leadwire_bench_${run.id}`;
    own.DATABASE_URL = await createDatabase(server, name).catch((error: unknown) => {
      throw new UserError(
        `PostgreSQL at ${scrubSecrets(server)} did not make the bench's database (${(error as Error).message}) — start it, or pass --database-url`,
      );
    });
    run.defer(() => dropDatabase(server, name));
  }
  run.progress(`database ${scrubSecrets(own.DATABASE_URL ?? dataDir)}`);
  const store = await openStore(loadConfig({ ENV_FILE: '/dev/null', ...own }), { durability });
  run.defer(() => store.close());
  return {
    /** The bench's own connection to the database, migrated; `store.kind` names it. */
    store,
    dataDir,
    prefix,
    /** A producer connection of the bench's own. */
    redis,
    /** The environment of a Leadwire process of this run: its database and prefix, no .env. */
    env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
      const env: NodeJS.ProcessEnv = { ...process.env, ENV_FILE: '/dev/null', LOG_LEVEL: 'info' };
      delete env.DATABASE_URL;
      return { ...env, ...own, ...extra };
    },
  };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REDIS_HELPER = fileURLToPath(new URL('../../test/helpers/redis.ts', import.meta.url));
/** argv: test/helpers/redis.ts, Redis URL, prefix. */
const DELETE_KEYS = `await (await import(process.argv[1])).deleteKeys(process.argv[3], process.argv[2]);`;

// $1 the bench's pid, $2 the state file, $3 imap-test-server.sh, $4 node, $5 DELETE_KEYS,
// $6 test/helpers/redis.ts. State lines: `pid N`, `exited N`, `dovecot DIR`, `redis URL PREFIX`, `remove DIR`.
const GUARD = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
pids=$(awk '$1 == "pid" { live[$2] = 1 } $1 == "exited" { delete live[$2] }
  END { for (p in live) print p }' "$2")
if [ -n "$pids" ]; then
  kill -TERM $pids 2>/dev/null
  for _ in $(seq 1 20); do kill -0 $pids 2>/dev/null || break; sleep 1; done
  kill -KILL $pids 2>/dev/null
fi
sed -n 's/^dovecot //p' "$2" | while IFS= read -r dir; do bash "$3" stop "$dir"; done
sed -n 's/^redis //p' "$2" | while read -r url prefix; do
  "$4" --import tsx --input-type=module -e "$5" "$6" "$url" "$prefix"
done
sed -n 's/^remove //p' "$2" | while IFS= read -r dir; do rm -rf -- "$dir"; done
rm -rf -- "$(dirname "$2")"
`;

export type OrphanGuard = ReturnType<typeof startOrphanGuard>;

export function startOrphanGuard() {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'leadwire-bench-guard-'));
  const state = path.join(stateDir, 'state');
  const note = (line: string) => appendFileSync(state, `${line}\n`);
  note('# leadwire bench');
  const args = [String(process.pid), state, IMAP_SERVER_SCRIPT, process.execPath, DELETE_KEYS];
  const guard = spawn('bash', ['-c', GUARD, 'bench-guard', ...args, REDIS_HELPER], {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
  });
  guard.unref();
  return {
    started: (pid: number) => note(`pid ${pid}`),
    exited: (pid: number) => note(`exited ${pid}`),
    dovecot: (dir: string) => note(`dovecot ${dir}`),
    redisKeys: (url: string, prefix: string) => note(`redis ${url} ${prefix}`),
    remove: (dir: string) => note(`remove ${dir}`),
    /** The bench cleaned up on its own: the guard goes, with its state file. */
    end() {
      try {
        // Its whole group: the shell and the `sleep` it is waiting on.
        if (guard.pid) process.kill(-guard.pid, 'SIGKILL');
      } catch {
        // gone already
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
