/**
 * The limiter of connectors/http/rate-limit.ts beside express-rate-limit with rate-limit-redis,
 * which it replaced on the public intake: for the same requests, the same answers and the same
 * draft-8 headers, with the window kept in the real Redis under the same keys.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/runtime/logger.ts';
import { redisScript } from '../../core/runtime/redis-script.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import { redisRateLimit, WINDOW_MS } from '../../connectors/http/rate-limit.ts';
import {
  deleteKeys,
  keptLog,
  TEST_REDIS_URL,
  uniquePrefix,
  unreachableRedis,
} from '../helpers/redis.ts';

const prefix = uniquePrefix('rate-limit');
let redis: Redis;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  redis = producerConnection(TEST_REDIS_URL);
  // A producer connection has no offline queue: the limiters' first commands need it ready.
  await new Promise((resolve) => redis.once('ready', resolve));
});
afterAll(async () => {
  for (const close of closers) await close();
  redis.disconnect();
  await deleteKeys(prefix);
});

const keyGenerator = (req: Request) => req.get('x-key') ?? 'nobody';
const refuse = (_req: Request, res: Response) =>
  void res.status(429).json({ error: 'rate_limited' });

/** What the intake used before: express-rate-limit, its counters through rate-limit-redis. */
function libraryLimiter(name: string, perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    passOnStoreError: true,
    keyGenerator,
    handler: refuse,
    store: new RedisStore({
      prefix: `${prefix}:ratelimit:${name}:`,
      sendCommand: (command: string, ...args: string[]) =>
        redis.call(command, ...args) as Promise<RedisReply>,
    }),
  });
}

/** A server answering 204 behind `limiter`; the caller's key is its `x-key` header. */
async function serve(limiter: RequestHandler) {
  const server = express()
    .use(limiter, (_req, res) => void res.status(204).end())
    .listen(0, '127.0.0.1');
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return async (key: string) => {
    const res = await fetch(url, { headers: { 'x-key': key } });
    const header = (name: string) => res.headers.get(name);
    const names: string[] = [];
    res.headers.forEach((_value, name) => names.push(name));
    return {
      status: res.status,
      body: await res.text(),
      limit: header('ratelimit'),
      policy: header('ratelimit-policy'),
      retryAfter: header('retry-after'),
      legacy: names.filter((name) => name.startsWith('x-ratelimit')),
    };
  };
}

type Answer = Awaited<ReturnType<Awaited<ReturnType<typeof serve>>>>;

/** The seconds left in the window, the one part of the headers that moves with the clock. */
const secondsLeft = (answer: Answer) => Number(/; t=(\d+)$/.exec(answer.limit ?? '')?.[1]);
const withoutTime = (answer: Answer) => ({
  ...answer,
  limit: answer.limit?.replace(/; t=\d+$/, '; t=…'),
  retryAfter: answer.retryAfter === null ? null : 'present',
});

describe('redisRateLimit', () => {
  it('answers every request as express-rate-limit with rate-limit-redis did', async () => {
    const before = await serve(libraryLimiter('library', 3));
    const now = await serve(
      redisRateLimit({ redis, queuePrefix: prefix, log: createLogger('silent') }, 'own', 3, {
        keyGenerator,
        handler: refuse,
      }),
    );
    const theirs: Answer[] = [];
    const ours: Answer[] = [];
    for (const key of ['ana', 'ana', 'bob', 'ana', 'ana', 'bob']) {
      theirs.push(await before(key));
      ours.push(await now(key));
    }
    expect(ours.map((answer) => answer.status)).toEqual([204, 204, 204, 204, 429, 204]);
    expect(ours.map(withoutTime)).toEqual(theirs.map(withoutTime));
    expect(ours[0]?.limit).toBe('"3-in-1min"; r=2; t=60');
    expect(ours[0]?.policy).toMatch(/^"3-in-1min"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    // A window opened by this request has all of its minute left, in either.
    expect(secondsLeft(ours[2] as Answer)).toBe(60);
    expect(secondsLeft(theirs[2] as Answer)).toBe(60);
    // The refused answer says when to come back: the rest of the window.
    const refused = ours[4] as Answer;
    expect(refused.retryAfter).toBe(String(secondsLeft(refused)));
    expect(secondsLeft(refused)).toBeGreaterThan(0);
    expect(secondsLeft(refused)).toBeLessThanOrEqual(60);
    expect(refused.legacy).toEqual([]);
  });

  it('keeps each window in Redis under the same key, expiring with the window', async () => {
    const limited = await serve(
      redisRateLimit({ redis, queuePrefix: prefix, log: createLogger('silent') }, 'keys', 5, {
        keyGenerator,
        handler: refuse,
      }),
    );
    await limited('carla');
    await limited('carla');
    const key = `${prefix}:ratelimit:keys:carla`;
    expect(await redis.get(key)).toBe('2');
    const msLeft = await redis.pttl(key);
    expect(msLeft).toBeGreaterThan(0);
    expect(msLeft).toBeLessThanOrEqual(WINDOW_MS);
  });

  it('lets requests through while Redis does not answer, with a warning now and then', async () => {
    const away = unreachableRedis();
    closers.push(async () => away.disconnect());
    const { log, logged } = keptLog();
    const limited = await serve(
      redisRateLimit({ redis: away, queuePrefix: prefix, log }, 'away', 1, {
        keyGenerator,
        handler: refuse,
      }),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited('dora')).status);
    expect(statuses).toEqual([204, 204, 204, 204]);
    expect(logged.map((line) => line.msg)).toEqual([
      'rate limit away not applied (Redis unreachable?); requests pass unlimited',
    ]);
  });

  it('lets a request through when Redis holds it past the deadline', async () => {
    // A connection that takes the script and never answers, as a frozen Redis would.
    const frozen = Object.assign(Object.create(redis) as Redis, {
      evalsha: () => new Promise<never>(() => undefined),
    });
    const { log, logged } = keptLog();
    const limited = await serve(
      redisRateLimit({ redis: frozen, queuePrefix: prefix, log }, 'frozen', 1, {
        keyGenerator,
        handler: refuse,
      }),
    );
    expect((await limited('erin')).status).toBe(204);
    expect(logged.map((line) => line.msg)).toEqual([
      'rate limit frozen not applied (Redis unreachable?); requests pass unlimited',
    ]);
  });

  it('hands an error of its handler to Express', async () => {
    const failing = redisRateLimit(
      { redis, queuePrefix: prefix, log: createLogger('silent') },
      'failing',
      0,
      {
        keyGenerator,
        handler: () => {
          throw new Error('handler broke');
        },
      },
    );
    const server = express()
      .use(failing, (_req, res) => void res.status(204).end())
      .use(
        ((error, _req, res, _next) =>
          void res
            .status(500)
            .json({ caught: (error as Error).message })) as express.ErrorRequestHandler,
      )
      .listen(0, '127.0.0.1');
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise((resolve) => server.once('listening', resolve));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ caught: 'handler broke' });
  });
});

describe('redisScript', () => {
  it('sends a script Redis does not know whole, then by its hash', async () => {
    // A source of its own: no earlier run has loaded it into this Redis.
    const source = `return ARGV[1] .. "${uniquePrefix('script')}"`;
    const sha = createHash('sha1').update(source).digest('hex');
    expect(await redis.script('EXISTS', sha)).toEqual([0]);
    const echo = redisScript(source);
    const answer = await echo(redis, [], ['a']);
    expect(answer).toMatch(/^alwtest-script-/);
    expect(await redis.script('EXISTS', sha)).toEqual([1]);
    expect(await echo(redis, [], ['b'])).toBe(`b${String(answer).slice(1)}`);
  });
});
