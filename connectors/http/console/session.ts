/**
 * The console's side of the session: the signed-in viewer of every page, the CSRF check of every
 * form post (the hidden `_csrf` field, or htmx's X-CSRF-Token header, and our own origin), and
 * where someone not signed in is sent (the sign-in page, then back).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  cookieValue,
  csrfTokenOf,
  fromOurOrigin,
  principalOfSession,
  type AuthDeps,
} from '../auth.ts';
import { CSRF_FIELD } from './layout.tsx';
import { viewerOf } from './viewer.ts';

const SAFE = new Set(['GET', 'HEAD']);

export function sameToken(sent: unknown, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Only a path of our own console may follow a sign-in (no open redirect). */
export function safeNext(value: unknown): string {
  return typeof value === 'string' &&
    /^\/(?![/\\])[\w\-./?=&%+,]*$/.test(value) &&
    !value.startsWith('/api/')
    ? value
    : '/leads';
}

/** Sets `res.locals.viewer` when the request carries a live session (no redirect here). */
export function readViewer(deps: Pick<AuthDeps, 'users' | 'session'>): RequestHandler {
  return async (req, res, next) => {
    const token = cookieValue(req, SESSION_COOKIE);
    const principal = token ? await principalOfSession(deps, token) : undefined;
    if (principal?.sessionId) {
      res.locals.principal = principal;
      res.locals.viewer = viewerOf(
        principal,
        csrfTokenOf(deps.session.secret, principal.sessionId),
      );
    }
    next();
  };
}

const isHtmx = (req: Request) => req.get('hx-request') === 'true';

/**
 * Lets a signed-in viewer through; a form post must come from our pages with the session's token.
 * Anyone else goes to the sign-in page, and comes back to where they were going.
 */
export const requireViewer: RequestHandler = (req, res, next) => {
  const viewer = res.locals.viewer;
  if (!viewer) {
    const expired = cookieValue(req, SESSION_COOKIE) ? '&expired=1' : '';
    const target = SAFE.has(req.method) ? req.originalUrl : '/leads';
    const to = `/?next=${encodeURIComponent(target)}${expired}`;
    if (isHtmx(req)) {
      res.set('HX-Redirect', to).status(401).end();
      return;
    }
    res.redirect(303, to);
    return;
  }
  if (!SAFE.has(req.method)) {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const sent = req.get(CSRF_HEADER) ?? body[CSRF_FIELD];
    if (!fromOurOrigin(req) || !sameToken(sent, viewer.csrf)) {
      res
        .status(403)
        .type('text')
        .send(
          'This form is out of date or was sent from another site: reload the page and try again.\n',
        );
      return;
    }
  }
  next();
};
