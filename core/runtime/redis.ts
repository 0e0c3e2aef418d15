/**
 * Redis connections, following BullMQ's advice: workers block and must never give up on a
 * command (`maxRetriesPerRequest: null`); producers fail fast while Redis is away
 * (`enableOfflineQueue: false`) so a request is answered from the inbox instead of hanging.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

export type { Redis };

/**
 * Reconnect attempts at most a second apart. ioredis's default backs off to five seconds, so
 * after a long outage a web process kept failing to enqueue (and a worker sat idle) for up to
 * five seconds after Redis was back; an attempt on a refused port costs nothing.
 */
export const reconnectDelay = (attempt: number) => Math.min(attempt * 100, 1000);

export function workerConnection(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    lazyConnect: false,
    retryStrategy: reconnectDelay,
  });
}

/**
 * Commands sent in the same turn of the event loop leave in one write (auto-pipelining): a busy
 * web process's rate limits, counters and enqueues cost one round trip per turn, not one each.
 */
export function producerConnection(url: string): Redis {
  return new Redis(url, {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
  });
}

/** Whether something answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/**
 * Makes sure Redis answers. With the default URL and nothing listening, starts a private
 * `redis-server` under DATA_DIR/redis with append-only persistence (the embedded default), so
 * `npm start` works on a machine that only has the package installed.
 * Returns the child process when it started one (the caller stops it at shutdown).
 */
export async function ensureRedis(config: Config, log: Logger): Promise<ChildProcess | undefined> {
  if (await redisAnswers(config.redisUrl)) return undefined;
  const howTo = `start redis-server (e.g. \`redis-server --daemonize yes\`) or set REDIS_URL`;
  const where = withoutPassword(config.redisUrl);
  if (!config.redisIsDefault) {
    throw new RedisUnavailableError(`Redis is not reachable at ${where} — ${howTo}`);
  }
  const dir = path.join(config.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = new URL(config.redisUrl).port || '6379';
  const child = spawn(
    'redis-server',
    [
      '--port',
      port,
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--logfile',
      'redis.log',
    ],
    // Its own process group: a Ctrl-C in the terminal reaches Leadwire, which stops Redis last,
    // after the workers have finished with it.
    { stdio: 'ignore', detached: true },
  );
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', () =>
      reject(
        new RedisUnavailableError(
          `Redis is not reachable at ${where} and redis-server is not installed — install it (apt-get install redis-server), ${howTo}`,
        ),
      ),
    ),
  );
  const ready = (async () => {
    for (let i = 0; i < 50; i++) {
      if (await redisAnswers(config.redisUrl, 200)) return;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new RedisUnavailableError(
      `started redis-server under ${dir} but it does not answer — see ${path.join(dir, 'redis.log')}`,
    );
  })();
  try {
    await Promise.race([ready, spawnFailed]);
  } catch (error) {
    // Another Leadwire process started the same private Redis a moment earlier: use that one.
    if (child.exitCode !== null && (await redisAnswers(config.redisUrl))) return undefined;
    throw error;
  }
  if (child.exitCode !== null) return undefined;
  log.info({ dir, port }, 'started a private redis-server with append-only persistence');
  return child;
}

/** Stops a redis-server started by ensureRedis; it writes its append-only file on the way out. */
export async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** `redis://user:secret@host` → `redis://host`: URLs in messages never carry credentials. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}
