/**
 * The compiled JavaScript production runs (scripts/build.mjs): built into a folder of its own, its
 * migrations are found, the CLI's lazily loaded commands run, the web process answers with the
 * console's assets; the staleness check rebuilds after a source changed and does nothing otherwise.
 * Store-independent: the compiled code runs on a SQLite file of its own.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compiledEntry, ensureBuilt, isFresh, ROOT } from '../scripts/build.mjs';
import { freePort } from './helpers/private-redis.ts';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from './helpers/redis.ts';

/** Under node_modules, so the compiled files find the project's packages as dist/ does. */
const OUT = path.join(
  ROOT,
  'node_modules',
  '.cache',
  `leadwire-build-${randomBytes(4).toString('hex')}`,
);
const dataDir = mkdtempSync(path.join(tmpdir(), 'leadwire-build-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: undefined,
  DATA_DIR: dataDir,
  REDIS_URL: TEST_REDIS_URL,
  QUEUE_PREFIX: uniquePrefix('build'),
  LOG_LEVEL: 'warn',
  ENV_FILE: '/dev/null',
};

/** Runs a compiled script to its end. */
function run(source: string, args: string[] = []) {
  const child = spawn(process.execPath, [compiledEntry(source, OUT), ...args], { cwd: ROOT, env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, output })),
  );
}

beforeAll(() => ensureBuilt({ outDir: OUT, quiet: true }));
afterAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  await deleteKeys(env.QUEUE_PREFIX!);
});

it('migrates a new database with the migrations copied beside the compiled code', async () => {
  const migrated = await run('scripts/migrate.ts');
  expect(migrated).toEqual({
    code: 0,
    output: `database is up to date: ${path.join(dataDir, 'leadwire.db')}\n`,
  });
  // A command the CLI imports only to run it.
  const keys = await run('scripts/cli.ts', ['api-keys', 'list']);
  expect(keys.code, keys.output).toBe(0);
});

it('starts the compiled web process, which serves the console assets', async () => {
  const port = await freePort();
  const web = spawn(process.execPath, [compiledEntry('scripts/web.ts', OUT)], {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  web.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise((resolve) => web.once('exit', resolve));
  try {
    const base = `http://127.0.0.1:${port}`;
    const answers = () =>
      fetch(`${base}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
    while (!(await answers())) {
      if (web.exitCode !== null) throw new Error(`web exited (${web.exitCode}): ${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const css = await fetch(`${base}/assets/console.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).not.toBe('');
    // Resolved from the project's node_modules by the compiled file.
    expect((await fetch(`${base}/assets/htmx.min.js`)).status).toBe(200);
  } finally {
    web.kill('SIGTERM');
    await exited;
  }
  expect(errors).toBe('');
});

it('rebuilds after a source changed, and only then', async () => {
  expect(isFresh(OUT)).toBe(true);
  expect(await ensureBuilt({ outDir: OUT, quiet: true })).toBe(false);
  const source = path.join(ROOT, 'scripts', 'web.ts');
  const { atime, mtime } = statSync(source);
  try {
    utimesSync(source, atime, new Date(mtime.getTime() + 1000));
    expect(isFresh(OUT)).toBe(false);
    expect(await ensureBuilt({ outDir: OUT, quiet: true })).toBe(true);
    expect(isFresh(OUT)).toBe(true);
  } finally {
    // As it was: dist/ and other builds are fresh again.
    utimesSync(source, atime, mtime);
  }
});
