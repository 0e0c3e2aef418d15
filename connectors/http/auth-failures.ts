/**
 * Failed authentications per IP and minute, kept in Redis so every web process shares them.
 * Past the limit an IP is answered 429 before its key is even looked at: guessing keys is slow.
 * Only failures count, so any number of requests with a valid key pass. While Redis is away the
 * guard is off and authentication itself still works.
 */
import { createHash } from 'node:crypto';
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

/**
 * Failed sign-ins per account (an email address, hashed: no address is written to Redis), so
 * guessing one person's password from many addresses is as slow as from one.
 */
export function accountFailures(
  guard: Pick<AuthFailureGuard, 'redis' | 'prefix'>,
  limit: number,
  windowSeconds: number,
): AuthFailures {
  const key = (account: string) =>
    `${guard.prefix}:signin-failures:${createHash('sha256').update(account).digest('hex').slice(0, 32)}`;
  return {
    async blocked(account) {
      const failures = Number(
        await withinDeadline(guard.redis, () => guard.redis.get(key(account))).catch(() => 0),
      );
      return failures >= limit;
    },
    async failed(account) {
      await withinDeadline(guard.redis, () =>
        guard.redis.multi().incr(key(account)).expire(key(account), windowSeconds, 'NX').exec(),
      ).catch(() => undefined);
    },
  };
}
