/**
 * Who may see the operations pages (`/admin/queues`, `/metrics`): an admin API key sent as
 * `Authorization: Bearer` (Prometheus, scripts), or a browser session opened at `/admin/login`
 * with that key. The session is a signed cookie naming the key, never the key itself: HttpOnly,
 * SameSite=Strict (so another site cannot ride it to retry or delete jobs), Secure behind HTTPS,
 * eight hours long. Revoking the key, or rotating API_KEY, ends its sessions at once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../../core/runtime/logger.ts';
import { keyFingerprint } from '../../core/api-keys.ts';
import type { UserRepository } from '../../core/repositories/users.ts';
import { sessionPrincipal, verifyApiKey, type ApiPrincipal } from './api-keys.ts';
import { escapeHtml } from '../site/page.ts';
import { countFailure, tooManyFailures, type AuthFailureGuard } from './auth-failures.ts';

export const SESSION_COOKIE = 'lw_admin';
const SESSION_MS = 8 * 3600_000;

export interface AdminAuthDeps {
  users: Pick<UserRepository, 'activeKeyByHash' | 'activeKeyById'>;
  log: Logger;
  /** API_KEY from the environment (an admin key), if set. */
  apiKey: string | undefined;
  /** Signs session cookies; shared by every web process. */
  sessionSecret: string;
  guard: AuthFailureGuard;
}

interface Session {
  keyId: number | null;
  fingerprint: string;
  expiresAt: number;
}

const sign = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(payload).digest('base64url');

export function sealSession(secret: string, session: Session): string {
  const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

export function openSession(secret: string, value: string, now: number): Session | undefined {
  const [payload, signature] = value.split('.');
  if (!payload || !signature) return undefined;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const session = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Session;
    return session.expiresAt > now ? session : undefined;
  } catch {
    return undefined;
  }
}

function cookieValue(req: Request, name: string): string | undefined {
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

/** Whoever is behind a request's Bearer key or session cookie, if anyone. */
async function principalOf(deps: AdminAuthDeps, req: Request): Promise<ApiPrincipal | undefined> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
  let principal: ApiPrincipal | undefined;
  if (bearer) {
    principal = await verifyApiKey(deps.users, bearer, deps.apiKey);
  } else {
    const cookie = cookieValue(req, SESSION_COOKIE);
    const session = cookie ? openSession(deps.sessionSecret, cookie, Date.now()) : undefined;
    if (session) {
      principal = await sessionPrincipal(deps.users, session, deps.sessionSecret, deps.apiKey);
    }
  }
  return principal;
}

/**
 * Lets admins through. A browser without a session is sent to the login page; anything else gets
 * 401 (or 403 for a valid key that is not an admin's, so the caller knows which problem it has).
 */
export function requireAdmin(deps: AdminAuthDeps): RequestHandler {
  return async (req, res, next) => {
    // Valid credentials pass before the failure guard is asked: someone guessing keys from the
    // same address (behind one proxy, everyone has its IP) must not lock Prometheus and the
    // admins out. Guessing gets nowhere anyway: keys are 256 random bits.
    const principal = await principalOf(deps, req);
    if (principal?.role === 'admin') {
      res.locals.principal = principal;
      return next();
    }
    if (await tooManyFailures(deps.guard, req)) {
      res.status(429).set('Retry-After', '60').type('text');
      res.send('too many failed logins; retry in a minute\n');
      return;
    }
    if (principal) {
      res
        .status(403)
        .type('text')
        .send(`the ${principal.role} key "${principal.name}" is not an admin key\n`);
      return;
    }
    const hasCredentials = Boolean(req.get('authorization') ?? cookieValue(req, SESSION_COOKIE));
    if (req.get('authorization')) await countFailure(deps.guard, req);
    if (
      req.method === 'GET' &&
      req.accepts(['json', 'html']) === 'html' &&
      !req.get('authorization')
    ) {
      const target = encodeURIComponent(req.originalUrl);
      res.redirect(303, `/admin/login?next=${target}${hasCredentials ? '&expired=1' : ''}`);
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer')
      .type('text')
      .send('send an admin API key as `Authorization: Bearer <key>`, or log in at /admin/login\n');
  };
}

/** Only our own operations pages may be a login's destination (no open redirect). */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(admin\/queues|metrics)(?=[/?]|$)/.test(value)
    ? value
    : '/admin/queues';
}

function loginPage(next: string, message?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Leadwire operations: log in</title>
<style>body{font:16px system-ui,sans-serif;background:#f3f4f6;margin:0;display:grid;place-items:center;min-height:100vh}
form{background:#fff;padding:2rem;border-radius:.75rem;max-width:24rem;width:90%;box-shadow:0 1px 3px #0002}
label{display:block;font-weight:600;margin:.5rem 0}input{width:100%;box-sizing:border-box;padding:.6rem;font:inherit}
button{margin-top:1rem;padding:.6rem 1.2rem;font:inherit;background:#1d4ed8;color:#fff;border:0;border-radius:.4rem}
[role=alert]{color:#b91c1c;margin:.5rem 0}</style></head><body>
<form method="post" action="/admin/login"><h1>Leadwire operations</h1>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<label for="key">Admin API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit">Log in</button>
<p><small>Create one with <code>npm run leadwire -- api-keys create --name NAME --role admin</code>.</small></p>
</form></body></html>`;
}

function setSessionCookie(res: Response, req: Request, value: string, maxAgeMs: number): void {
  res.cookie(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/',
    maxAge: maxAgeMs,
  });
}

/** `/admin/login` (a form asking for an admin key) and `/admin/logout`. */
export function adminLoginRoutes(deps: AdminAuthDeps): Router {
  const router = Router();
  router.get('/admin/login', (req, res) => {
    const expired = req.query.expired ? 'Your session has ended; log in again.' : undefined;
    res.type('html').send(loginPage(safeNext(req.query.next), expired));
  });
  router.post(
    '/admin/login',
    express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 5 }),
    async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next);
      if (await tooManyFailures(deps.guard, req)) {
        res.status(429).set('Retry-After', '60').type('html');
        res.send(loginPage(next, 'Too many failed attempts from this address; wait a minute.'));
        return;
      }
      const key = typeof body.key === 'string' ? body.key.trim() : '';
      const principal = key ? await verifyApiKey(deps.users, key, deps.apiKey) : undefined;
      if (principal?.role !== 'admin') {
        await countFailure(deps.guard, req);
        deps.log.warn({ ip: req.ip, known: Boolean(principal) }, 'admin login refused');
        res.status(401).type('html');
        res.send(
          loginPage(next, principal ? 'That key is not an admin key.' : 'That key is not valid.'),
        );
        return;
      }
      const session = {
        keyId: principal.keyId,
        fingerprint: keyFingerprint(deps.sessionSecret, key),
        expiresAt: Date.now() + SESSION_MS,
      };
      setSessionCookie(res, req, sealSession(deps.sessionSecret, session), SESSION_MS);
      deps.log.info({ keyId: principal.keyId, keyName: principal.name }, 'admin logged in');
      res.redirect(303, next);
    },
  );
  router.post('/admin/logout', (req, res) => {
    res.clearCookie(SESSION_COOKIE, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
    });
    res.redirect(303, '/admin/login');
  });
  return router;
}
