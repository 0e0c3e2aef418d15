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
 * Password attempts counted *before* the password is checked, so a burst of parallel guesses
 * cannot all pass a check made before any of them failed: each attempt takes a place at once,
 * and a right password gives its place back. Per account (an email address, hashed: no address
 * is written to Redis) and per address (the same counter as failed keys). While Redis is away
 * the limit is off and signing in still works.
 */
export function passwordAttempts(
  guard: AuthFailureGuard,
  account: { limit: number; windowSeconds: number },
) {
  const places = (ip: string, email: string) => [
    { key: counterKey(guard, ip), limit: guard.perMinute, window: 60 },
    {
      key: `${guard.prefix}:signin-failures:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`,
      limit: account.limit,
      window: account.windowSeconds,
    },
  ];
  return {
    /** Takes a place in both counters; false when either is over its limit. */
    async take(ip: string, email: string): Promise<boolean> {
      const counts = await Promise.all(
        places(ip, email).map(({ key, window }) =>
          withinDeadline(guard.redis, () =>
            guard.redis.multi().incr(key).expire(key, window, 'NX').exec(),
          )
            .then((replies) => Number(replies?.[0]?.[1] ?? 0))
            .catch(() => 0),
        ),
      );
      return places(ip, email).every(({ limit }, i) => (counts[i] ?? 0) <= limit);
    },
    /** A right password: its place was no failure. */
    async giveBack(ip: string, email: string): Promise<void> {
      await Promise.all(
        places(ip, email).map(({ key }) =>
          withinDeadline(guard.redis, () => guard.redis.decr(key)).catch(() => undefined),
        ),
      );
    },
  };
}
