/** `Authorization: Bearer <key>` for operator and intake endpoints. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiRole, UserRepository } from '../../core/repositories/users.ts';
import { verifyApiKey, type ApiPrincipal } from './api-keys.ts';
import { countFailure, tooManyFailures, type AuthFailureGuard } from './auth-failures.ts';

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

export function authenticate(
  users: Pick<UserRepository, 'activeKeyByHash' | 'activeKeyById'>,
  bootstrapKey: string | undefined,
  guard: AuthFailureGuard,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (await tooManyFailures(guard, req)) {
      res.status(429).set('Retry-After', '60').json({
        error: 'rate_limited',
        message: 'too many failed authentications from this address; retry in a minute',
      });
      return;
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match?.[1] ? await verifyApiKey(users, match[1], bootstrapKey) : undefined;
    if (!principal) {
      await countFailure(guard, req);
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
