/** `Authorization: Bearer <key>` for operator and intake endpoints. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { withinDeadline } from '../../core/runtime/redis-outage.ts';
import { verifyApiKey, type ApiPrincipal, type ApiRole } from '../../db/api-keys.ts';
import type { Db } from '../../db/open.ts';

declare module 'express-serve-static-core' {
  interface Locals {
    principal?: ApiPrincipal;
  }
}

/** What each role may do: admin everything, operator the CRM, intake only posting leads. */
const ALLOWED: Record<ApiRole, ReadonlySet<string>> = {
  admin: new Set(['intake', 'read', 'write', 'admin']),
  operator: new Set(['intake', 'read', 'write']),
  intake: new Set(['intake']),
};

export type Permission = 'intake' | 'read' | 'write' | 'admin';

/**
 * Failed authentications per IP and minute, kept in Redis so every web process shares them.
 * Past the limit an IP is answered 429 before its key is even looked at: guessing keys is slow.
 * Only failures count, so any number of concurrent requests with a valid key pass.
 */
export interface AuthFailureGuard {
  redis: Redis;
  prefix: string;
  perMinute: number;
}

export function authenticate(
  db: Db,
  bootstrapKey: string | undefined,
  guard: AuthFailureGuard,
): RequestHandler {
  const counter = (req: Request) => `${guard.prefix}:auth-failures:${ipKeyGenerator(req.ip ?? '')}`;
  return async (req: Request, res: Response, next: NextFunction) => {
    // Redis away: authentication still works, only the guard is off.
    const failures = Number(
      await withinDeadline(guard.redis, () => guard.redis.get(counter(req))).catch(() => 0),
    );
    if (failures >= guard.perMinute) {
      res.status(429).set('Retry-After', '60').json({
        error: 'rate_limited',
        message: 'too many failed authentications from this address; retry in a minute',
      });
      return;
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match?.[1] ? verifyApiKey(db, match[1], bootstrapKey) : undefined;
    if (!principal) {
      await withinDeadline(guard.redis, () =>
        guard.redis.multi().incr(counter(req)).expire(counter(req), 60, 'NX').exec(),
      ).catch(() => undefined);
      res.status(401).set('WWW-Authenticate', 'Bearer').json({
        error: 'unauthorized',
        message:
          'send a valid API key as `Authorization: Bearer <key>` (create one with `npm run leadwire -- api-keys create --name NAME`)',
      });
      return;
    }
    res.locals.principal = principal;
    next();
  };
}

export function requirePermission(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    const role = res.locals.principal?.role;
    if (role && ALLOWED[role].has(permission)) return next();
    res.status(403).json({
      error: 'forbidden',
      message: `this API key's role (${role ?? 'none'}) may not ${permission}`,
    });
  };
}
