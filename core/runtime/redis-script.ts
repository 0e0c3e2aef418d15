/**
 * A Lua script sent by its SHA-1 (EVALSHA), so a request sends the hash rather than the source;
 * sent whole (EVAL, which also loads it) when Redis does not know it, as after a restart. Used
 * where one request would otherwise make several round trips (rate limits, a form's daily cap).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type RedisScript = (
  redis: Redis,
  keys: string[],
  args: (string | number)[],
) => Promise<unknown>;

export function redisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}
