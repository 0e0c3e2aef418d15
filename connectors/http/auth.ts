/**
 * Authentication of the REST API: `Authorization: Bearer <key>` (integrations, scripts) or the
 * session cookie a sign-in sets (people). Valid credentials pass before the failure guard is
 * asked, and only credentials that were sent and wrong count against an address: a page with 30
 * `<img>` tags (no credentials at all) locks nobody out. A cookie-authenticated unsafe request
 * must come from our own origin and carry the session's CSRF token.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { canManage } from '../../core/permissions.ts';
import { hashApiKey, sameHash } from '../../core/api-keys.ts';
import type { UserRepository } from '../../core/repositories/users.ts';
import { countFailure, tooManyFailures, type AuthFailureGuard } from './auth-failures.ts';
import { BOOTSTRAP_PRINCIPAL, keyPrincipal, userActor, type Principal } from './principal.ts';
import { problem } from './problem.ts';
import type { RecentLookups } from './recent-lookups.ts';

declare module 'express-serve-static-core' {
  interface Locals {
    principal?: Principal;
  }
}

export const SESSION_COOKIE = 'lw_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface AuthDeps {
  users: Pick<UserRepository, 'activeKeyByHash' | 'actorFacts' | 'activeSession'>;
  /** API_KEY from the environment (an admin key), if set. */
  apiKey: string | undefined;
  guard: AuthFailureGuard;
  session: SessionSettings;
  /**
   * Keys verified a moment ago, by their hash (never the key itself): an integration posting
   * hundreds of leads a second is not looked up and its actor rebuilt for each. They are
   * forgotten at once when an operator changes anything through this process (app.ts), within
   * the moment when another process does: a revoked key or a deactivated user stops working.
   */
  recentKeys?: RecentLookups | undefined;
}

export interface SessionSettings {
  /** Keys the CSRF tokens; shared by every web process. */
  secret: string;
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however busy. */
  maxMs: number;
}

export const sessionIdOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** The CSRF token of a session: a keyed hash of its id, so it needs no storage of its own. */
export const csrfTokenOf = (secret: string, sessionId: string) =>
  createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');

export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined; // a malformed cookie is no session, not a server error
    }
  }
  return undefined;
}

/** The hash of the bootstrap API_KEY, worked out once rather than for every request. */
const bootstrapHash = { key: '', hash: '' };
function hashOfBootstrap(apiKey: string): string {
  if (bootstrapHash.key !== apiKey)
    Object.assign(bootstrapHash, { key: apiKey, hash: hashApiKey(apiKey) });
  return bootstrapHash.hash;
}

/** Resolves a presented key; the bootstrap API_KEY from the environment is an admin. */
export async function principalOfKey(
  deps: Pick<AuthDeps, 'users' | 'apiKey' | 'recentKeys'>,
  presented: string,
): Promise<Principal | undefined> {
  const hash = hashApiKey(presented);
  if (deps.apiKey && sameHash(hash, hashOfBootstrap(deps.apiKey))) return BOOTSTRAP_PRINCIPAL;
  const load = async () => {
    const key = await deps.users.activeKeyByHash(hash);
    return key ? keyPrincipal(deps.users, key) : undefined;
  };
  return deps.recentKeys ? deps.recentKeys.get(`api-key:${hash}`, load) : load();
}

/** The signed-in user behind a session cookie, if the session is alive. */
export async function principalOfSession(
  deps: Pick<AuthDeps, 'users' | 'session'>,
  token: string,
  touch = true,
): Promise<Principal | undefined> {
  const id = sessionIdOf(token);
  const found = await deps.users.activeSession(id, new Date(), deps.session.idleMs, touch);
  if (!found) return undefined;
  const acting = await userActor(deps.users, found.user.id);
  if (!acting) return undefined;
  return { keyId: null, sessionId: id, name: acting.user.name, role: 'user', ...acting };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a browser sent this request from one of our own pages. `Origin` says so when it names
 * an origin; it is `null` under our no-referrer policy for a form post, and then the browser's
 * `Sec-Fetch-Site` (which no page can set) does. A request with neither is no browser's.
 */
export function fromOurOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (origin && origin !== 'null') return origin === `${req.protocol}://${req.get('host')}`;
  const site = req.get('sec-fetch-site');
  return site === undefined ? origin === undefined : site === 'same-origin' || site === 'none';
}

/** Why a cookie-authenticated request may not change anything, if it may not. */
export function crossSiteProblem(
  req: Request,
  secret: string,
  sessionId: string,
): string | undefined {
  if (!UNSAFE.has(req.method)) return undefined;
  if (!fromOurOrigin(req)) return 'requests from other sites may not use this session';
  const sent = Buffer.from(req.get(CSRF_HEADER) ?? '');
  const expected = Buffer.from(csrfTokenOf(secret, sessionId));
  if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
    return `send the session's CSRF token (GET /api/v1/session) in the ${CSRF_HEADER} header`;
  }
  return undefined;
}

export function authenticate(deps: AuthDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const token = bearer ? undefined : cookieValue(req, SESSION_COOKIE);
    const principal = bearer
      ? await principalOfKey(deps, bearer)
      : token
        ? await principalOfSession(deps, token)
        : undefined;
    if (principal) {
      if (principal.sessionId) {
        const refused = crossSiteProblem(req, deps.session.secret, principal.sessionId);
        if (refused) return problem(res, 403, 'cross_site', refused);
      }
      res.locals.principal = principal;
      return next();
    }
    // A wrong key counts against the address; a stale cookie or no credentials do not.
    if (bearer) {
      if (await tooManyFailures(deps.guard, req)) {
        res.set('Retry-After', '60');
        return problem(
          res,
          429,
          'rate_limited',
          'too many failed authentications from this address; retry in a minute',
        );
      }
      await countFailure(deps.guard, req);
    }
    res.set('WWW-Authenticate', 'Bearer');
    problem(
      res,
      401,
      'unauthorized',
      token
        ? 'your session has ended; sign in again (POST /api/v1/session)'
        : 'sign in (POST /api/v1/session) or send an API key as `Authorization: Bearer <key>` (create one with `npm run leadwire -- api-keys create --name NAME`)',
    );
  };
}

export type Permission = 'intake' | 'read' | 'write' | 'admin';

/**
 * A coarse gate before the records' own scopes: intake keys only post leads, `admin` needs a
 * role that manages. Which records a request reaches is decided by core/permissions.ts scopeOf.
 */
export function requirePermission(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    const principal = res.locals.principal;
    const actor = principal?.actor;
    const allowed =
      actor !== undefined &&
      (permission === 'intake' ||
        (!actor.intakeOnly && (permission !== 'admin' || canManage(actor))));
    if (allowed) return next();
    problem(
      res,
      403,
      'forbidden',
      principal?.role === 'intake'
        ? `this intake key may only post leads`
        : `${principal?.name ?? 'this caller'} may not ${permission === 'admin' ? 'administer Leadwire' : permission}`,
    );
  };
}
