/** With no Redis at the default URL, Leadwire starts a private, persistent one under DATA_DIR. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../core/runtime/config.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { ensureRedis, RedisUnavailableError } from '../../core/runtime/redis.ts';

const log = createLogger('silent');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function tempDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-redis-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

it('starts redis-server with append-only persistence when the default URL does not answer', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  // The default URL, moved to a free port so the machine's own Redis is not the one answering.
  const config = { ...loadConfig({ DATA_DIR: dataDir }), redisUrl: `redis://127.0.0.1:${port}` };
  expect(config.redisIsDefault).toBe(true);

  const child = await ensureRedis(config, log);
  expect(child).toBeDefined();
  const client = new Redis(config.redisUrl);
  await client.set('leadwire-test', 'kept');
  client.disconnect();
  child?.kill('SIGTERM');
  await new Promise((resolve) => child?.once('exit', resolve));
  expect(existsSync(path.join(dataDir, 'redis', 'appendonlydir'))).toBe(true);

  // Started again over the same directory, it still has the data.
  const again = await ensureRedis(config, log);
  cleanup.push(() => {
    again?.kill('SIGKILL');
  });
  const reader = new Redis(config.redisUrl);
  expect(await reader.get('leadwire-test')).toBe('kept');
  reader.disconnect();
});

it('leaves a running Redis alone', async () => {
  const config = loadConfig({ DATA_DIR: tempDir() });
  expect(await ensureRedis(config, log)).toBeUndefined();
});

it('says how to fix it when an explicit REDIS_URL does not answer', async () => {
  const port = await freePort();
  const config = loadConfig({ DATA_DIR: tempDir(), REDIS_URL: `redis://127.0.0.1:${port}` });
  const attempt = ensureRedis(config, log);
  await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
  await expect(attempt).rejects.toThrow(
    /not reachable at redis:\/\/127\.0\.0\.1:\d+ — start redis-server .* or set REDIS_URL/,
  );
});

it('never shows the Redis password in its error', async () => {
  const port = await freePort();
  const config = loadConfig({
    DATA_DIR: tempDir(),
    REDIS_URL: `redis://leadwire:s3cr3t-pass@127.0.0.1:${port}`,
  });
  const error = await ensureRedis(config, log).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RedisUnavailableError);
  expect(String(error)).toContain(`127.0.0.1:${port}`);
  expect(String(error)).not.toContain('s3cr3t');
});
