/**
 * `/`: on an empty database, the first run (create the first administrator, then be told how to
 * connect a channel); afterwards the sign-in page, or the leads for someone signed in. Sign-in
 * and first-run posts must come from our own page (login CSRF); sign-out ends the session on the
 * server.
 */
import express, { Router, type Request, type Response } from 'express';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  hashPassword,
  passwordProblem,
} from '../../../core/passwords.ts';
import { SESSION_COOKIE, cookieValue, fromOurOrigin, sessionIdOf } from '../auth.ts';
import { checkPassword, clearSessionCookie, openSession, type SessionDeps } from '../session.ts';
import type { UserRepository } from '../../../core/repositories/users.ts';
import { translator, type Translate } from './catalogue.ts';
import { Alert, PublicPage } from './layout.tsx';
import { sendPage } from './render.tsx';
import { safeNext } from './session.ts';
import { visitorLanguage } from './viewer.ts';

type ConsoleUsers = Pick<UserRepository, 'listUsers' | 'createUser' | 'updateUser'>;

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
const text = (value: unknown) => (typeof value === 'string' ? value : '');

function SignIn(props: {
  t: Translate;
  next: string;
  email?: string;
  problem?: string | undefined;
}) {
  const { t } = props;
  return (
    <form method="post" action="/sign-in" class="card narrow">
      <h1>{t('signIn.title')}</h1>
      <Alert text={props.problem} />
      <label for="email">{t('signIn.email')}</label>
      <input
        id="email"
        name="email"
        type="email"
        autocomplete="username"
        required
        autofocus
        value={props.email ?? ''}
      />
      <label for="password">{t('signIn.password')}</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
      />
      <input type="hidden" name="next" value={props.next} />
      <button type="submit">{t('signIn.submit')}</button>
      <p class="hint">{t('signIn.noAccount')}</p>
    </form>
  );
}

function Setup(props: {
  t: Translate;
  name?: string;
  email?: string;
  problem?: string | undefined;
}) {
  const { t } = props;
  return (
    <form method="post" action="/setup" class="card narrow">
      <h1>{t('setup.title')}</h1>
      <p>{t('setup.intro')}</p>
      <Alert text={props.problem} />
      <label for="name">{t('setup.name')}</label>
      <input
        id="name"
        name="name"
        autocomplete="name"
        required
        maxlength={200}
        autofocus
        value={props.name ?? ''}
      />
      <label for="email">{t('signIn.email')}</label>
      <input
        id="email"
        name="email"
        type="email"
        autocomplete="username"
        required
        maxlength={320}
        value={props.email ?? ''}
      />
      <label for="password">{t('setup.password', { min: PASSWORD_MIN_LENGTH })}</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="new-password"
        required
        minlength={PASSWORD_MIN_LENGTH}
      />
      <label for="confirm">{t('setup.confirm')}</label>
      <input
        id="confirm"
        name="confirm"
        type="password"
        autocomplete="new-password"
        required
        minlength={PASSWORD_MIN_LENGTH}
      />
      <button type="submit">{t('setup.submit')}</button>
    </form>
  );
}

export function signInPages(
  deps: SessionDeps & { users: SessionDeps['users'] & ConsoleUsers },
): Router {
  const router = Router();
  const firstRun = async () => (await deps.users.listUsers({})).length === 0;
  const page = (
    req: Request,
    res: Response,
    status: number,
    body: (t: Translate) => preact.VNode,
    title: (t: Translate) => string,
  ) => {
    const language = visitorLanguage(req);
    const t = translator(language);
    sendPage(
      res,
      status,
      <PublicPage language={language} t={t} title={title(t)}>
        {body(t)}
      </PublicPage>,
    );
  };

  router.get('/', async (req, res) => {
    if (res.locals.viewer) return res.redirect(303, '/leads');
    if (await firstRun())
      return page(
        req,
        res,
        200,
        (t) => <Setup t={t} />,
        (t) => t('setup.title'),
      );
    const problem = (t: Translate) =>
      req.query.expired
        ? t('signIn.expired')
        : req.query.signedOut
          ? t('signIn.signedOut')
          : undefined;
    page(
      req,
      res,
      200,
      (t) => <SignIn t={t} next={safeNext(req.query.next)} problem={problem(t)} />,
      (t) => t('signIn.title'),
    );
  });

  router.post('/sign-in', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const email = text(body.email).slice(0, 320);
    const answer = (status: number, problem: (t: Translate) => string) =>
      page(
        req,
        res,
        status,
        (t) => <SignIn t={t} next={next} email={email} problem={problem(t)} />,
        (t) => t('signIn.title'),
      );
    if (!fromOurOrigin(req)) return answer(403, (t) => t('signIn.elsewhere'));
    const password = text(body.password);
    if (!email || !password) return answer(400, (t) => t('signIn.missing'));
    const checked = await checkPassword(deps, req, email, password);
    if (!checked.ok) {
      if (checked.status === 429) res.set('Retry-After', '60');
      return answer(checked.status, (t) =>
        t(checked.status === 429 ? 'signIn.tooMany' : 'signIn.wrong'),
      );
    }
    await openSession(deps, req, res, checked.userId);
    res.redirect(303, next);
  });

  router.post('/setup', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = text(body.name).trim().slice(0, 200);
    const email = text(body.email).trim().toLowerCase().slice(0, 320);
    const answer = (status: number, problem: (t: Translate) => string) =>
      page(
        req,
        res,
        status,
        (t) => <Setup t={t} name={name} email={email} problem={problem(t)} />,
        (t) => t('setup.title'),
      );
    if (!fromOurOrigin(req)) return answer(403, (t) => t('signIn.elsewhere'));
    if (!(await firstRun())) return res.redirect(303, '/?next=%2Fleads');
    const password = text(body.password);
    if (!name || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
      return answer(400, (t) => t('setup.invalid'));
    if (passwordProblem(password))
      return answer(400, (t) =>
        t('setup.weak', { min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH }),
      );
    if (password !== text(body.confirm)) return answer(400, (t) => t('setup.mismatch'));
    const written = await deps.users.createUser({
      name,
      email,
      roles: ['admin'],
      passwordHash: await hashPassword(password),
      // The console speaks to them as the page they set it up from did.
      language: visitorLanguage(req),
    });
    if (!written.ok) return answer(409, (t) => t('setup.done'));
    // Two first runs at the same moment both found nobody: the first account made stays, a later
    // one is switched off before it can sign in.
    const [first] = (await deps.users.listUsers({})).sort((a, b) => a.id - b.id);
    if (first && first.id !== written.user.id) {
      await deps.users.updateUser(written.user.id, { active: false });
      deps.log.warn(
        { userId: written.user.id },
        'a second first-run administrator was switched off',
      );
      return answer(409, (t) => t('setup.done'));
    }
    deps.log.info({ userId: written.user.id }, 'first administrator created in the console');
    await openSession(deps, req, res, written.user.id);
    res.redirect(303, '/leads?welcome=1');
  });

  router.post('/sign-out', form, async (req, res) => {
    // Only from our pages: a foreign page must not sign people out.
    if (!fromOurOrigin(req))
      return res.status(403).type('text').send('sign out from our own pages\n');
    const token = cookieValue(req, SESSION_COOKIE);
    if (token) await deps.users.endSession(sessionIdOf(token));
    clearSessionCookie(req, res);
    res.redirect(303, '/?signedOut=1');
  });
  return router;
}
