/** Rate limits shared by every web process: express-rate-limit with its counters in Redis. */
import { createHash } from 'node:crypto';
import {
  ipKeyGenerator,
  rateLimit,
  type Options,
  type RateLimitRequestHandler,
} from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../../core/runtime/logger.ts';
import { occasionalWarning, withinDeadline } from '../../core/runtime/redis-outage.ts';

export interface RateLimitDeps {
  redis: Redis;
  queuePrefix: string;
  log: Logger;
}

/** A limiter of `perMinute` requests per key; `options` supplies the key and the 429 answer. */
export function redisRateLimit(
  deps: RateLimitDeps,
  name: string,
  perMinute: number,
  options: Partial<Options> & Pick<Options, 'handler'>,
): RateLimitRequestHandler {
  const unlimited = occasionalWarning(
    deps.log,
    `rate limit ${name} not applied (Redis unreachable?); requests pass unlimited`,
  );
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Intake must keep working while Redis is away: the inbox, not Redis, is what matters then.
    passOnStoreError: true,
    // Left alone, express-rate-limit prints a stack to the console for each request of an outage.
    logger: {
      error: (error, message = 'rate limiter error') =>
        message.includes('store') ? unlimited(error) : deps.log.error({ err: error }, message),
      warn: (error, message = 'rate limiter warning') => deps.log.warn({ err: error }, message),
    },
    store: new RedisStore({
      prefix: `${deps.queuePrefix}:ratelimit:${name}:`,
      sendCommand: (command: string, ...args: string[]) => {
        const sent = withinDeadline(
          deps.redis,
          () => deps.redis.call(command, ...args) as Promise<RedisReply>,
        );
        if (!isScriptLoad(command, args)) return sent;
        // rate-limit-redis keeps the promise of its SCRIPT LOAD for good: one that failed while
        // Redis was away would leave this limiter off until the process restarts. The reply is
        // only the script's SHA-1, so it is computed here instead; if the script is then missing,
        // the store's NOSCRIPT handling loads it again once Redis answers.
        return sent.catch(() =>
          createHash('sha1')
            .update(args[1] ?? '')
            .digest('hex'),
        );
      },
    }),
    ...options,
  });
}

const isScriptLoad = (command: string, args: string[]) =>
  command.toUpperCase() === 'SCRIPT' && args[0]?.toUpperCase() === 'LOAD';

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
