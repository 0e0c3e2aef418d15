/**
 * Failed authentications per IP and minute, kept in Redis so every web process shares them.
 * Past the limit an IP is answered 429 before its key is even looked at: guessing keys is slow.
 * Only failures count, so any number of requests with a valid key pass. While Redis is away the
 * guard is off and authentication itself still works.
 */
import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { AuthFailures } from '../../core/channel.ts';
import { withinDeadline } from '../../core/runtime/redis-outage.ts';

export interface AuthFailureGuard {
  redis: Redis;
  prefix: string;
  perMinute: number;
}

const counterKey = (guard: AuthFailureGuard, ip: string) =>
  `${guard.prefix}:auth-failures:${ipKeyGenerator(ip)}`;

/** The same guard for the channels' webhooks (a wrong webhook secret counts like a wrong key). */
export function authFailures(guard: AuthFailureGuard): AuthFailures {
  return {
    async blocked(ip) {
      const failures = Number(
        await withinDeadline(guard.redis, () => guard.redis.get(counterKey(guard, ip))).catch(
          () => 0,
        ),
      );
      return failures >= guard.perMinute;
    },
    async failed(ip) {
      const key = counterKey(guard, ip);
      await withinDeadline(guard.redis, () =>
        guard.redis.multi().incr(key).expire(key, 60, 'NX').exec(),
      ).catch(() => undefined);
    },
  };
}

export const tooManyFailures = (guard: AuthFailureGuard, req: Request): Promise<boolean> =>
  authFailures(guard).blocked(req.ip ?? '');

export const countFailure = (guard: AuthFailureGuard, req: Request): Promise<void> =>
  authFailures(guard).failed(req.ip ?? '');
