/** Rate limits shared by every web process: express-rate-limit with its counters in Redis. */
import { rateLimit, type Options, type RateLimitRequestHandler } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';

export interface RateLimitDeps {
  redis: Redis;
  queuePrefix: string;
}

/** A limiter of `perMinute` requests per key; `options` supplies the key and the 429 answer. */
export function redisRateLimit(
  deps: RateLimitDeps,
  name: string,
  perMinute: number,
  options: Partial<Options> & Pick<Options, 'handler'>,
): RateLimitRequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Intake must keep working while Redis is away: the inbox, not Redis, is what matters then.
    passOnStoreError: true,
    store: new RedisStore({
      prefix: `${deps.queuePrefix}:ratelimit:${name}:`,
      sendCommand: (command: string, ...args: string[]) =>
        deps.redis.call(command, ...args) as Promise<RedisReply>,
    }),
    ...options,
  });
}
