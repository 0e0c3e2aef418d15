/** `npm start` as a user runs it: one process serving HTTP and ingesting, the CLI beside it, SIGTERM to stop. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { deleteKeys, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/system.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(path.join(tmpdir(), 'leadwire-start-'));
const port = 30_000 + Math.floor(Math.random() * 20_000);
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  PORT: String(port),
  QUEUE_PREFIX: uniquePrefix('start'),
  LOG_LEVEL: 'info',
  DEFAULT_COUNTRY: 'RU',
};

afterAll(async () => {
  await deleteKeys(env.QUEUE_PREFIX);
  rmSync(dataDir, { recursive: true, force: true });
});

it('serves the API, ingests, issues keys from the CLI and stops cleanly on SIGTERM', async () => {
  const created = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/cli.ts',
      'api-keys',
      'create',
      '--name',
      'e2e',
      '--role',
      'intake',
    ],
    { cwd: ROOT, env },
  );
  const key = created.stdout.trim().split('\n').at(-1) ?? '';
  expect(key).toMatch(/^lw_[A-Za-z0-9_-]{43}$/);

  const app = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  app.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  app.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => app.once('exit', resolve));
  try {
    await waitFor(
      'the web process to listen',
      () => output.join('').includes('web listening'),
      30_000,
    );
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/leads?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Иван', phone: '8 (912) 345-67-89', message: 'Перезвоните' }),
    });
    expect(response.status).toBe(200);
    // An intake key learns that its lead is in, never what it became.
    expect(await response.json()).toEqual({ inboxId: 1, status: 'done' });
    // An intake key may post leads but not read them.
    const read = await fetch(`http://127.0.0.1:${port}/api/v1/leads/1`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(read.status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  } finally {
    app.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  const log = output.join('');
  expect(log).toContain('shutting down');
  expect(log).not.toContain(key);
});
