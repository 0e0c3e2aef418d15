/**
 * A PostgreSQL cluster of the test's own (initdb, pg_ctl) on a free port with its own directory,
 * for fault tests that stop or crash the database: the shared cluster on 5432 is never touched.
 * As root (CI), the server runs as the `postgres` user, which PostgreSQL insists on.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDatabase } from '../../db/postgres/admin.ts';
import { freePort } from './private-redis.ts';

const run = promisify(execFile);

export interface PrivatePostgres {
  port: number;
  /** The URL of a database on it, created with `createDatabase`. */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** Stops it like a power cut (`-m immediate`): the next start runs crash recovery. */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** Stops it if running and removes its directory; safe to call twice. */
  cleanup(): Promise<void>;
}

/** initdb and pg_ctl: on the PATH, or where Debian's postgresql package puts them. */
function binary(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  for (const version of versions.sort().reverse()) {
    const candidate = `/usr/lib/postgresql/${version}/bin/${name}`;
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found: install PostgreSQL (apt-get install postgresql)`);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-private-pg-'));
  const data = path.join(dir, 'data');
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  // PostgreSQL refuses to run as root: the directory goes to the postgres user.
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', binary(command), ...args])
      : run(binary(command), args);
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  let running = false;
  const start = async () => {
    await as('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
    running = true;
  };
  const stop = async (mode: 'immediate' | 'fast') => {
    if (!running) return;
    running = false;
    await as('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']).catch(() => undefined);
  };
  const base = `postgres://postgres@127.0.0.1:${port}`;
  // If the test process dies first, the server must not outlive it.
  const orphanGuard = () => {
    if (!running) return;
    const stopNow = [binary('pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
    const [command, ...args] = asRoot ? ['runuser', '-u', 'postgres', '--', ...stopNow] : stopNow;
    try {
      execFileSync(command!, args, { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  };
  process.once('exit', orphanGuard);
  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: (database) => `${base}/${database}`,
    createDatabase: (name) => createDatabase(base, name),
    crash: () => stop('immediate'),
    start,
    async cleanup() {
      process.off('exit', orphanGuard);
      await stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
