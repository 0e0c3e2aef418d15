/**
 * Rate limits shared by every web process: a fixed window per key, counted in Redis. It answers
 * as express-rate-limit with rate-limit-redis did (the same window script and keys, the same
 * draft-8 RateLimit headers and Retry-After; test/integration/rate-limit.test.ts holds the two
 * side by side), in one EVALSHA and a few header writes per request. The library's general
 * machinery (validations, debug calls, several awaits, a hash of the key per request) cost about
 * a tenth of the CPU of a form post or a REST intake post, measured side by side.
 */
import { createHash } from 'node:crypto';
import { ipKeyGenerator } from 'express-rate-limit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/runtime/logger.ts';
import { occasionalWarning, withinDeadline } from '../../core/runtime/redis-outage.ts';
import { redisScript } from '../../core/runtime/redis-script.ts';

export interface RateLimitDeps {
  redis: Redis;
  queuePrefix: string;
  log: Logger;
}

export interface RateLimitOptions {
  /** Whose budget a request spends (the Redis key is the limiter's prefix and this). */
  keyGenerator: (req: Request, res: Response) => string;
  /** Answers a request past the limit (the headers and Retry-After are set already). */
  handler: (req: Request, res: Response, next: NextFunction) => unknown;
}

export const WINDOW_MS = 60_000;

/**
 * rate-limit-redis's increment script: the first hit opens the window (the key expires with
 * it), later hits count within it. Returns the hits so far and the milliseconds left.
 */
const WINDOW_SCRIPT = `
local windowMs = tonumber(ARGV[1])
local timeToExpire = redis.call("PTTL", KEYS[1])
if timeToExpire <= 0 then
  redis.call("SET", KEYS[1], 1, "PX", windowMs)
  return { 1, windowMs }
end
local totalHits = redis.call("INCR", KEYS[1])
return { totalHits, timeToExpire }
`.trim();

const countHit = redisScript(WINDOW_SCRIPT);

/**
 * The draft-8 `pk` parameter (express-rate-limit's partition key): 12 hex digits of the key's
 * SHA-256, base64. Remembered for the keys seen lately, as the same ones come back all minute.
 */
const partitionKeys = new Map<string, string>();
function partitionKey(key: string): string {
  let known = partitionKeys.get(key);
  if (known === undefined) {
    const hex = createHash('sha256').update(key).digest('hex').slice(0, 12);
    known = Buffer.from(hex).toString('base64');
    // Keys carry addresses: the memory of them stays bounded.
    if (partitionKeys.size >= 1000) partitionKeys.clear();
    partitionKeys.set(key, known);
  }
  return known;
}

/** Adds a value to a header (after any the answer already has), as Express's res.append. */
function appendHeader(res: Response, name: string, value: string) {
  const before = res.getHeader(name);
  if (before === undefined) return void res.setHeader(name, value);
  res.setHeader(name, [...(Array.isArray(before) ? before : [String(before)]), value]);
}

/** A limiter of `perMinute` requests per key; `options` supplies the key and the 429 answer. */
export function redisRateLimit(
  deps: RateLimitDeps,
  name: string,
  perMinute: number,
  options: RateLimitOptions,
): RequestHandler {
  const prefix = `${deps.queuePrefix}:ratelimit:${name}:`;
  const policy = `"${perMinute}-in-1min"`;
  const unlimited = occasionalWarning(
    deps.log,
    `rate limit ${name} not applied (Redis unreachable?); requests pass unlimited`,
  );
  return async (req, res, next) => {
    try {
      const key = options.keyGenerator(req, res);
      let hits: number;
      let msLeft: number;
      try {
        const reply = await withinDeadline(deps.redis, () =>
          countHit(deps.redis, [prefix + key], [WINDOW_MS]),
        );
        if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number')
          throw new TypeError('unexpected reply from Redis to the rate limit script');
        [hits, msLeft] = reply as [number, number];
      } catch (error) {
        // Intake must keep working while Redis is away: the inbox, not Redis, is what matters.
        unlimited(error);
        return next();
      }
      const resetSeconds = Math.max(0, Math.ceil(msLeft / 1000));
      if (!res.headersSent) {
        const remaining = Math.max(perMinute - hits, 0);
        appendHeader(res, 'RateLimit', `${policy}; r=${remaining}; t=${resetSeconds}`);
        appendHeader(
          res,
          'RateLimit-Policy',
          `${policy}; q=${perMinute}; w=${WINDOW_MS / 1000}; pk=:${partitionKey(key)}:`,
        );
      }
      if (hits <= perMinute) return next();
      if (!res.headersSent) res.setHeader('Retry-After', String(resetSeconds));
      await options.handler(req, res, next);
    } catch (error) {
      next(error);
    }
  };
}

/** An IPv4 address, as written or mapped into IPv6 (`::ffff:203.0.113.9`, a dual-stack socket's). */
const IPV4 = /^(?:::ffff:)?(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * The rate-limit key of an address: express-rate-limit's `ipKeyGenerator` (an IPv6 address stands
 * for its /56, so one host cannot rotate through its own subnet), without parsing the IPv4
 * addresses almost every post comes from, whose key is the address itself.
 */
export function addressKey(ip: string): string {
  return IPV4.exec(ip)?.[1] ?? ipKeyGenerator(ip);
}
