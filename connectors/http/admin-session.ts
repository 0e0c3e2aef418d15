/**
 * Who may see the operations pages (`/admin/queues`, `/metrics`): an admin API key sent as
 * `Authorization: Bearer` (Prometheus, scripts), or a signed-in user whose role manages — the
 * same server-side session as the console and the API (`/admin/login` opens one with email and
 * password). Signing out there ends the session on the server too.
 */
import express, { Router, type Request, type RequestHandler } from 'express';
import { hashApiKey } from '../../core/api-keys.ts';
import { canManage } from '../../core/permissions.ts';
import {
  SESSION_COOKIE,
  cookieValue,
  fromOurOrigin,
  principalOfKey,
  principalOfSession,
  sessionIdOf,
  type AuthDeps,
} from './auth.ts';
import { countFailure, tooManyFailures } from './auth-failures.ts';
import type { Principal } from './principal.ts';
import { checkPassword, clearSessionCookie, openSession, type SessionDeps } from './session.ts';
import { escapeHtml } from '../site/page.ts';

export type AdminAuthDeps = AuthDeps &
  SessionDeps & { users: SessionDeps['users'] & AuthDeps['users'] };

const bearerOf = (req: Request) => /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];

async function principalOf(deps: AdminAuthDeps, req: Request): Promise<Principal | undefined> {
  const bearer = bearerOf(req);
  if (bearer) return principalOfKey(deps, bearer);
  const token = cookieValue(req, SESSION_COOKIE);
  return token ? principalOfSession(deps, token) : undefined;
}

/** How long an admin key once verified is trusted while the database does not answer. */
const REMEMBERED_MS = 60 * 60_000;
const REMEMBERED_KEYS = 64;

/**
 * Admin keys this process verified lately, by hash. While the database does not answer, a key
 * seen here passes: Prometheus's scrape must go on reporting `leadwire_dependency_up` of the
 * database as 0 instead of failing as a whole (a revocation made before the outage was already
 * seen; one made during it cannot be, as nothing can be written then).
 */
function rememberedKeys() {
  const seen = new Map<string, { principal: Principal; at: number }>();
  return {
    remember(key: string, principal: Principal) {
      const hash = hashApiKey(key);
      seen.delete(hash);
      seen.set(hash, { principal, at: Date.now() });
      // The oldest first: a map keeps its insertion order.
      for (const oldest of seen.keys()) {
        if (seen.size <= REMEMBERED_KEYS) break;
        seen.delete(oldest);
      }
    },
    recall(key: string): Principal | undefined {
      const found = seen.get(hashApiKey(key));
      return found && Date.now() - found.at < REMEMBERED_MS ? found.principal : undefined;
    },
  };
}

/** A cookie's unsafe request must come from our own pages (the dashboard's retry buttons). */
const sameOrigin = (req: Request) =>
  req.method === 'GET' || req.method === 'HEAD' || fromOurOrigin(req);

/**
 * Lets admins through. A browser without a session is sent to the sign-in page; anything else
 * gets 401 (or 403 for valid credentials without administration, so the caller knows which).
 */
export function requireAdmin(deps: AdminAuthDeps): RequestHandler {
  const keys = rememberedKeys();
  return async (req, res, next) => {
    // Valid credentials pass before the failure guard is asked: someone guessing from the same
    // address (behind one proxy, everyone has its IP) must not lock Prometheus and the admins out.
    const bearer = bearerOf(req);
    const principal = await principalOf(deps, req).catch((error: unknown) => {
      const known = bearer === undefined ? undefined : keys.recall(bearer);
      if (!known) throw error;
      return known;
    });
    if (principal && canManage(principal.actor)) {
      if (bearer) keys.remember(bearer, principal);
      if (principal.sessionId && !sameOrigin(req)) {
        res.status(403).type('text').send('cross-site requests may not use this session\n');
        return;
      }
      res.locals.principal = principal;
      return next();
    }
    if (principal) {
      res.status(403).type('text').send(`${principal.name} may not see the operations pages\n`);
      return;
    }
    if (req.get('authorization')) {
      if (await tooManyFailures(deps.guard, req)) {
        res.status(429).set('Retry-After', '60').type('text');
        res.send('too many failed authentications; retry in a minute\n');
        return;
      }
      await countFailure(deps.guard, req);
    } else if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
      const expired = cookieValue(req, SESSION_COOKIE) ? '&expired=1' : '';
      res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}${expired}`);
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer')
      .type('text')
      .send('send an admin API key as `Authorization: Bearer <key>`, or sign in at /admin/login\n');
  };
}

/** Only our own operations pages may be a sign-in's destination (no open redirect). */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(admin\/queues|metrics)(?=[/?]|$)/.test(value)
    ? value
    : '/admin/queues';
}

function loginPage(next: string, message?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Leadwire operations: sign in</title>
<style>body{font:16px system-ui,sans-serif;background:#f3f4f6;margin:0;display:grid;place-items:center;min-height:100vh}
form{background:#fff;padding:2rem;border-radius:.75rem;max-width:24rem;width:90%;box-shadow:0 1px 3px #0002}
label{display:block;font-weight:600;margin:.5rem 0}input{width:100%;box-sizing:border-box;padding:.6rem;font:inherit}
button{margin-top:1rem;padding:.6rem 1.2rem;font:inherit;background:#1d4ed8;color:#fff;border:0;border-radius:.4rem}
[role=alert]{color:#b91c1c;margin:.5rem 0}</style></head><body>
<form method="post" action="/admin/login"><h1>Leadwire operations</h1>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit">Sign in</button>
<p><small>No account yet? An administrator creates one with <code>npm run leadwire -- users create</code>; the first with <code>npm run leadwire -- init</code>.</small></p>
</form></body></html>`;
}

/** `/admin/login` (email and password) and `/admin/logout`. */
export function adminLoginRoutes(deps: AdminAuthDeps): Router {
  const router = Router();
  router.get('/admin/login', (req, res) => {
    const expired = req.query.expired ? 'Your session has ended; sign in again.' : undefined;
    res.type('html').send(loginPage(safeNext(req.query.next), expired));
  });
  router.post(
    '/admin/login',
    express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 5 }),
    async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next);
      if (!sameOrigin(req)) {
        res.status(403).type('html').send(loginPage(next, 'Sign in from this page.'));
        return;
      }
      const email = typeof body.email === 'string' ? body.email : '';
      const password = typeof body.password === 'string' ? body.password : '';
      if (!email || !password) {
        res.status(400).type('html').send(loginPage(next, 'Give your email and password.'));
        return;
      }
      const checked = await checkPassword(deps, req, email, password);
      if (!checked.ok) {
        if (checked.status === 429) res.set('Retry-After', '60');
        res.status(checked.status).type('html').send(loginPage(next, checked.message));
        return;
      }
      await openSession(deps, req, res, checked.userId);
      res.redirect(303, next);
    },
  );
  router.post('/admin/logout', async (req, res) => {
    if (!sameOrigin(req)) {
      res.status(403).type('text').send('sign out from our own pages\n');
      return;
    }
    const token = cookieValue(req, SESSION_COOKIE);
    if (token) await deps.users.endSession(sessionIdOf(token));
    clearSessionCookie(req, res);
    res.redirect(303, '/admin/login');
  });
  return router;
}
