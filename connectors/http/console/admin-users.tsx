/**
 * `/settings/users`: everyone who signs in (name, email, roles, department, capacity, active),
 * a new user with an initial password, and one user's page to change them, switch them off or
 * on (switching off ends their sessions) and set a new password. The API's schemas and password
 * rules decide what is refused.
 */
import { Router, type Response } from 'express';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  hashPassword,
  passwordProblem,
} from '../../../core/passwords.ts';
import type { UserRecord, UserRepository } from '../../../core/repositories/users.ts';
import { leavesNoManager, newUser, userPatch } from '../operator/people.ts';
import {
  AdminPage,
  adminNotFound,
  field,
  formOf,
  pathId,
  refusal,
  wasSaved,
} from './admin-kit.tsx';
import { CsrfField } from './layout.tsx';
import { sendPage } from './render.tsx';
import {
  USER_HINTS,
  USER_PROBLEMS,
  PasswordField,
  UserFields,
  UserTable,
  candidate,
  draftOfForm,
  draftOfUser,
  type Choices,
  type UserDraft,
} from './admin-user-fields.tsx';
import { viewer, type Viewer } from './viewer.ts';

export function userPages(deps: { users: UserRepository }): Router {
  const { users } = deps;
  const router = Router();
  const choices = async (): Promise<Choices> => ({
    roles: await users.listRoles(),
    departments: await users.listDepartments(),
  });

  async function showList(res: Response, status: number, draft?: UserDraft, problem?: string) {
    const seeing = viewer(res);
    const { t } = seeing;
    const all = (await users.listUsers({})).sort((a, b) => a.name.localeCompare(b.name));
    const known = await choices();
    // A new user starts as an operator in the viewer's own time zone and language.
    const typed = draft ?? {
      name: '',
      email: '',
      roles: ['operator'],
      departmentId: '',
      capacity: '',
      timeZone: seeing.timeZone,
      language: seeing.language,
    };
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={t('admin.users.title')}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
      >
        <UserTable viewer={seeing} users={all} choices={known} />
        <h2 id="new-user">{t('admin.users.new')}</h2>
        <form method="post" action="/settings/users" class="card stack" aria-labelledby="new-user">
          <CsrfField viewer={seeing} />
          <UserFields viewer={seeing} draft={typed} choices={known} />
          <PasswordField viewer={seeing} label="admin.users.password" />
          <button type="submit">{t('admin.users.create')}</button>
        </form>
      </AdminPage>,
    );
  }

  async function showUser(
    res: Response,
    status: number,
    user: UserRecord,
    draft?: UserDraft,
    problem?: string,
  ) {
    const seeing = viewer(res);
    const { t, when } = seeing;
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={user.name}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
        back={{ href: '/settings/users', label: t('admin.users.back') }}
      >
        <p class="sub">
          {t(user.active ? 'admin.users.active' : 'admin.users.inactive')} ·{' '}
          {t('admin.users.since')}{' '}
          <time datetime={user.createdAt.toISOString()}>{when(user.createdAt)}</time>
        </p>
        <form method="post" action={`/settings/users/${user.id}`} class="card stack">
          <CsrfField viewer={seeing} />
          <UserFields
            viewer={seeing}
            draft={draft ?? draftOfUser(user)}
            choices={await choices()}
          />
          <button type="submit">{t('admin.save')}</button>
        </form>
        <h2>{t(user.active ? 'admin.users.deactivate' : 'admin.users.activate')}</h2>
        <form method="post" action={`/settings/users/${user.id}/active`} class="stack">
          <CsrfField viewer={seeing} />
          <input type="hidden" name="active" value={user.active ? 'false' : 'true'} />
          <p class="hint">
            {t(user.active ? 'admin.users.deactivateHint' : 'admin.users.activateHint')}
          </p>
          <button type="submit" class={user.active ? 'danger' : undefined}>
            {t(user.active ? 'admin.users.deactivate' : 'admin.users.activate')}
          </button>
        </form>
        <h2>{t('admin.users.setPassword')}</h2>
        <form method="post" action={`/settings/users/${user.id}/password`} class="stack">
          <CsrfField viewer={seeing} />
          <PasswordField viewer={seeing} label="admin.users.newPassword" />
          <p class="hint">{t('admin.users.passwordHint')}</p>
          <button type="submit">{t('admin.users.setPassword')}</button>
        </form>
      </AdminPage>,
    );
  }

  const weak = (t: Viewer['t'], password: string) =>
    passwordProblem(password)
      ? t('admin.users.weakPassword', { min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH })
      : undefined;

  router.get('/settings/users', (_req, res) => showList(res, 200));

  router.post('/settings/users', async (req, res) => {
    const { t } = viewer(res);
    const form = formOf(req.body);
    const draft = draftOfForm(form);
    const password = field(form, 'password');
    const body = newUser.safeParse({ ...candidate(draft), password });
    if (!body.success) return showList(res, 422, draft, refusal(t, body.error, USER_HINTS));
    const refused = weak(t, password);
    if (refused) return showList(res, 422, draft, refused);
    const { password: _typed, ...user } = body.data;
    const written = await users.createUser({ ...user, passwordHash: await hashPassword(password) });
    if (!written.ok) return showList(res, 422, draft, t(USER_PROBLEMS[written.problem]));
    res.redirect(303, '/settings/users?saved=1');
  });

  router.get('/settings/users/:id', async (req, res) => {
    const id = pathId(req.params.id);
    const user = id ? await users.getUser(id) : undefined;
    if (!user) return adminNotFound(res);
    await showUser(res, 200, user);
  });

  router.post('/settings/users/:id', async (req, res) => {
    const { t } = viewer(res);
    const id = pathId(req.params.id);
    const user = id ? await users.getUser(id) : undefined;
    if (!user) return adminNotFound(res);
    const draft = draftOfForm(formOf(req.body));
    const body = userPatch.safeParse(candidate(draft));
    if (!body.success) return showUser(res, 422, user, draft, refusal(t, body.error, USER_HINTS));
    if (await leavesNoManager(users, { userId: user.id, patch: body.data }))
      return showUser(res, 422, user, draft, t('admin.lastManager'));
    const written = await users.updateUser(user.id, body.data);
    if (!written.ok) return showUser(res, 422, user, draft, t(USER_PROBLEMS[written.problem]));
    res.redirect(303, `/settings/users/${user.id}?saved=1`);
  });

  router.post('/settings/users/:id/active', async (req, res) => {
    const id = pathId(req.params.id);
    const active = field(formOf(req.body), 'active') === 'true';
    const user = id ? await users.getUser(id) : undefined;
    if (user && (await leavesNoManager(users, { userId: user.id, patch: { active } })))
      return showUser(res, 422, user, undefined, viewer(res).t('admin.lastManager'));
    const written = id ? await users.updateUser(id, userPatch.parse({ active })) : undefined;
    if (!written?.ok) return adminNotFound(res);
    res.redirect(303, `/settings/users/${written.user.id}?saved=1`);
  });

  router.post('/settings/users/:id/password', async (req, res) => {
    const { t } = viewer(res);
    const id = pathId(req.params.id);
    const user = id ? await users.getUser(id) : undefined;
    if (!user) return adminNotFound(res);
    const password = field(formOf(req.body), 'password');
    const refused = weak(t, password);
    if (refused) return showUser(res, 422, user, undefined, refused);
    if (!(await users.setPassword(user.id, await hashPassword(password))))
      return adminNotFound(res);
    res.redirect(303, `/settings/users/${user.id}?saved=1`);
  });
  return router;
}
