/**
 * Signing in and out: `POST /api/v1/session {email, password}` opens a server-side session (a
 * row holding the SHA-256 of a random token; the cookie holds the token: HttpOnly, SameSite=Lax,
 * Secure behind HTTPS), `GET` tells who is signed in and the CSRF token, `DELETE` signs out.
 * Sign-out, deactivation and a password reset end sessions at once: every request reads the row.
 */
import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../core/passwords.ts';
import { ACTIONS, ENTITIES, canManage, widestScope, type Actor } from '../../core/permissions.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { UserRepository } from '../../core/repositories/users.ts';
import { passwordAttempts, type AuthFailureGuard } from './auth-failures.ts';
import {
  SESSION_COOKIE,
  csrfTokenOf,
  fromOurOrigin,
  sessionIdOf,
  type SessionSettings,
} from './auth.ts';
import { invalidQuery, problem } from './problem.ts';

export interface SessionDeps {
  users: Pick<UserRepository, 'credentialsOf' | 'createSession' | 'endSession'>;
  guard: AuthFailureGuard;
  session: SessionSettings;
  log: Logger;
}

/** Wrong passwords per account before it is locked for the window (any address). */
const ACCOUNT_LIMIT = 10;
const ACCOUNT_WINDOW_SECONDS = 15 * 60;

const signIn = z
  .object({ email: z.string().trim().min(3).max(320), password: z.string().min(1).max(256) })
  .strict();

/** Verifying against this when the email is unknown takes as long as a real check. */
let decoy: Promise<string> | undefined;

/** The scopes an actor has, for the console to show or hide what it may do. */
export function permissionsOf(actor: Actor) {
  return {
    manage: canManage(actor),
    scopes: Object.fromEntries(
      ENTITIES.map((entity) => [
        entity,
        Object.fromEntries(
          ACTIONS.map((action) => [action, widestScope(actor.roles, entity, action)]),
        ),
      ]),
    ),
  };
}

export function setSessionCookie(req: Request, res: Response, token: string, maxMs: number) {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/',
    maxAge: maxMs,
  });
}

export function clearSessionCookie(req: Request, res: Response) {
  res.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
  });
}

/**
 * Checks an email and password under both limits, per account and per address. Each attempt
 * takes its place before the password is checked (a limit asked after would never stop a
 * guesser, and one read before would let a parallel burst through); a right password gives its
 * place back, so only wrong passwords that were sent count.
 */
export async function checkPassword(
  deps: SessionDeps,
  req: Request,
  email: string,
  password: string,
): Promise<{ ok: true; userId: number } | { ok: false; status: 401 | 429; message: string }> {
  const account = email.trim().toLowerCase();
  const attempts = passwordAttempts(deps.guard, {
    limit: ACCOUNT_LIMIT,
    windowSeconds: ACCOUNT_WINDOW_SECONDS,
  });
  const ip = req.ip ?? '';
  if (!(await attempts.take(ip, account))) {
    return {
      ok: false,
      status: 429,
      message: 'too many failed sign-ins; wait a few minutes and try again',
    };
  }
  const found = await deps.users.credentialsOf(account);
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  const valid =
    found?.passwordHash && found.user.active
      ? await verifyPassword(found.passwordHash, password)
      : (await verifyPassword(await decoy, password), false);
  if (!valid || !found) {
    deps.log.warn({ ip, known: Boolean(found) }, 'sign-in refused');
    return { ok: false, status: 401, message: 'the email or the password is not right' };
  }
  await attempts.giveBack(ip, account);
  return { ok: true, userId: found.user.id };
}

/** Opens a session for a user whose password was just checked; returns its CSRF token. */
export async function openSession(deps: SessionDeps, req: Request, res: Response, userId: number) {
  const token = randomBytes(32).toString('base64url');
  const id = sessionIdOf(token);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + deps.session.maxMs);
  await deps.users.createSession({ id, userId, createdAt: now, seenAt: now, expiresAt });
  setSessionCookie(req, res, token, deps.session.maxMs);
  deps.log.info({ userId }, 'signed in');
  return { csrfToken: csrfTokenOf(deps.session.secret, id), expiresAt };
}

/** POST /api/v1/session: mounted before authentication (it is how one authenticates). */
export function signInRoutes(deps: SessionDeps): Router {
  const router = Router();
  router.post('/api/v1/session', express.json({ limit: '4kb' }), async (req, res) => {
    // A sign-in from another site would sign the visitor in as someone else (login CSRF).
    if (!fromOurOrigin(req)) {
      return problem(res, 403, 'cross_site', 'sign-in from another site is not accepted');
    }
    const body = signIn.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const checked = await checkPassword(deps, req, body.data.email, body.data.password);
    if (!checked.ok) {
      if (checked.status === 429) res.set('Retry-After', '60');
      return problem(
        res,
        checked.status,
        checked.status === 429 ? 'rate_limited' : 'invalid_credentials',
        checked.message,
      );
    }
    const opened = await openSession(deps, req, res, checked.userId);
    res.status(201).json(opened);
  });
  return router;
}

/** GET and DELETE /api/v1/session: behind authentication. */
export function sessionRoutes(deps: Pick<SessionDeps, 'users' | 'session' | 'log'>): Router {
  const router = Router();
  router.get('/session', (_req, res) => {
    const principal = res.locals.principal;
    if (!principal) return problem(res, 401, 'unauthorized', 'sign in first');
    res.json({
      user: principal.user,
      name: principal.name,
      via: principal.sessionId ? 'session' : 'api-key',
      ...(principal.sessionId
        ? { csrfToken: csrfTokenOf(deps.session.secret, principal.sessionId) }
        : {}),
      permissions: permissionsOf(principal.actor),
    });
  });
  router.delete('/session', async (req, res) => {
    const principal = res.locals.principal;
    if (principal?.sessionId) await deps.users.endSession(principal.sessionId);
    clearSessionCookie(req, res);
    res.status(204).end();
  });
  return router;
}
