/**
 * Failed authentications per IP and minute, kept in Redis so every web process shares them.
 * Past the limit an IP is answered 429 before its key is even looked at: guessing keys is slow.
 * Only failures count, so any number of requests with a valid key pass. While Redis is away the
 * guard is off and authentication itself still works.
 */
import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { withinDeadline } from '../../core/runtime/redis-outage.ts';

export interface AuthFailureGuard {
  redis: Redis;
  prefix: string;
  perMinute: number;
}

const counterKey = (guard: AuthFailureGuard, req: Request) =>
  `${guard.prefix}:auth-failures:${ipKeyGenerator(req.ip ?? '')}`;

export async function tooManyFailures(guard: AuthFailureGuard, req: Request): Promise<boolean> {
  const failures = Number(
    await withinDeadline(guard.redis, () => guard.redis.get(counterKey(guard, req))).catch(() => 0),
  );
  return failures >= guard.perMinute;
}

export async function countFailure(guard: AuthFailureGuard, req: Request): Promise<void> {
  const key = counterKey(guard, req);
  await withinDeadline(guard.redis, () =>
    guard.redis.multi().incr(key).expire(key, 60, 'NX').exec(),
  ).catch(() => undefined);
}
