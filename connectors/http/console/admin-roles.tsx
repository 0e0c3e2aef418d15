/**
 * `/settings/roles`: each role with what it grants — per entity and action a scope (none, own,
 * department, all) — and whether it manages (these screens, channels, the operations pages); a
 * new role; one role's page to change its grid or delete it while nobody has it.
 */
import { Router, type Response } from 'express';
import { ACTIONS, ENTITIES, SCOPES, type Action, type Entity } from '../../../core/permissions.ts';
import type { RoleRecord, UserRepository } from '../../../core/repositories/users.ts';
import { leavesNoManager, roleBody, rolePatch } from '../operator/people.ts';
import {
  AdminPage,
  Select,
  adminNotFound,
  field,
  formOf,
  pathId,
  refusal,
  ticked,
  wasSaved,
  type Form,
} from './admin-kit.tsx';
import type { MessageKey } from './catalogue.ts';
import { CsrfField } from './layout.tsx';
import { sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

type Grid = Record<Entity, Record<Action, string>>;

interface RoleDraft {
  code: string;
  name: string;
  manage: boolean;
  grants: Grid;
}

const gridOf = (scopeAt: (entity: Entity, action: Action) => string): Grid =>
  Object.fromEntries(
    ENTITIES.map((entity) => [
      entity,
      Object.fromEntries(ACTIONS.map((action) => [action, scopeAt(entity, action)])),
    ]),
  ) as Grid;

/** The grid's select of one entity and action is named `<entity>.<action>`. */
const cell = (entity: Entity, action: Action) => `${entity}.${action}`;

const draftOfRole = (role: RoleRecord): RoleDraft => ({
  code: role.code,
  name: role.name,
  manage: role.manage,
  grants: gridOf((entity, action) => role.grants[entity]?.[action] ?? 'none'),
});

const draftOfForm = (form: Form): RoleDraft => ({
  code: field(form, 'code').trim(),
  name: field(form, 'name'),
  manage: ticked(form, 'manage'),
  grants: gridOf((entity, action) => field(form, cell(entity, action))),
});

const EMPTY: RoleDraft = { code: '', name: '', manage: false, grants: gridOf(() => 'none') };

const HINTS: Partial<Record<string, MessageKey>> = {
  code: 'admin.roles.invalid.code',
  name: 'admin.roles.invalid.name',
  grants: 'admin.roles.invalid.grants',
};

function RoleFields(props: { viewer: Viewer; draft: RoleDraft; withCode: boolean }) {
  const { t } = props.viewer;
  const { draft } = props;
  const scopes = SCOPES.map((scope) => ({ value: scope, label: t(`admin.scope.${scope}`) }));
  return (
    <>
      {props.withCode ? (
        <>
          <label for="code">{t('admin.roles.code')}</label>
          <input
            id="code"
            name="code"
            required
            maxlength={32}
            pattern="[a-z][a-z0-9_\-]{0,31}"
            aria-describedby="code-hint"
            value={draft.code}
          />
          <p id="code-hint" class="hint">
            {t('admin.roles.codeHint')}
          </p>
        </>
      ) : null}
      <label for="name">{t('admin.roles.name')}</label>
      <input id="name" name="name" required maxlength={100} value={draft.name} />
      <label class="check">
        <input type="checkbox" name="manage" value="true" checked={draft.manage} />{' '}
        {t('admin.roles.manage')}
      </label>
      <div class="admin-scroll">
        <table class="admin-grid">
          <caption>{t('admin.roles.grid')}</caption>
          <thead>
            <tr>
              <td></td>
              {ACTIONS.map((action) => (
                <th scope="col">{t(`admin.action.${action}`)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {ENTITIES.map((entity) => (
              <tr>
                <th scope="row">{t(`admin.entity.${entity}`)}</th>
                {ACTIONS.map((action) => (
                  <td>
                    <Select
                      id={`grant-${entity}-${action}`}
                      name={cell(entity, action)}
                      label={t('admin.roles.cell', {
                        entity: t(`admin.entity.${entity}`),
                        action: t(`admin.action.${action}`),
                      })}
                      labelHidden
                      options={scopes}
                      current={draft.grants[entity][action]}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function rolePages(deps: { users: UserRepository }): Router {
  const { users } = deps;
  const router = Router();

  async function showRoles(res: Response, status: number, draft?: RoleDraft, problem?: string) {
    const seeing = viewer(res);
    const { t } = seeing;
    const roles = await users.listRoles();
    const everyone = await users.listUsers({});
    const holders = (code: string) => everyone.filter((user) => user.roles.includes(code)).length;
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={t('admin.roles.title')}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
      >
        <table class="leads">
          <thead>
            <tr>
              <th scope="col">{t('admin.roles.name')}</th>
              <th scope="col">{t('admin.roles.code')}</th>
              <th scope="col">{t('admin.roles.manages')}</th>
              <th scope="col">{t('admin.roles.holders')}</th>
            </tr>
          </thead>
          <tbody>
            {roles.map((role) => (
              <tr data-role={role.id}>
                <td>
                  <a href={`/settings/roles/${role.id}`}>{role.name}</a>
                </td>
                <td>
                  <code>{role.code}</code>
                </td>
                <td>{t(role.manage ? 'admin.yes' : 'admin.no')}</td>
                <td>{holders(role.code)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2 id="new-role">{t('admin.roles.new')}</h2>
        <form method="post" action="/settings/roles" class="card stack" aria-labelledby="new-role">
          <CsrfField viewer={seeing} />
          <RoleFields viewer={seeing} draft={draft ?? EMPTY} withCode />
          <button type="submit">{t('admin.roles.create')}</button>
        </form>
      </AdminPage>,
    );
  }

  async function showRole(
    res: Response,
    status: number,
    role: RoleRecord,
    draft?: RoleDraft,
    problem?: string,
  ) {
    const seeing = viewer(res);
    const { t } = seeing;
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={role.name}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
        back={{ href: '/settings/roles', label: t('admin.roles.back') }}
      >
        <p class="sub">
          <code>{role.code}</code>
        </p>
        <form method="post" action={`/settings/roles/${role.id}`} class="card stack">
          <CsrfField viewer={seeing} />
          <RoleFields viewer={seeing} draft={draft ?? draftOfRole(role)} withCode={false} />
          <button type="submit">{t('admin.save')}</button>
        </form>
        <h2>{t('admin.roles.delete')}</h2>
        <form method="post" action={`/settings/roles/${role.id}/delete`} class="stack">
          <CsrfField viewer={seeing} />
          <p class="hint">{t('admin.roles.deleteHint')}</p>
          <button type="submit" class="danger">
            {t('admin.roles.delete')}
          </button>
        </form>
      </AdminPage>,
    );
  }

  const find = async (raw: unknown) => {
    const id = pathId(raw);
    return id ? (await users.listRoles()).find((role) => role.id === id) : undefined;
  };

  router.get('/settings/roles', (_req, res) => showRoles(res, 200));

  router.post('/settings/roles', async (req, res) => {
    const { t } = viewer(res);
    const draft = draftOfForm(formOf(req.body));
    const body = roleBody.safeParse(draft);
    if (!body.success) return showRoles(res, 422, draft, refusal(t, body.error, HINTS));
    const written = await users.createRole(body.data);
    if (!written.ok) return showRoles(res, 422, draft, t('admin.roles.codeTaken'));
    res.redirect(303, `/settings/roles/${written.role.id}?saved=1`);
  });

  router.get('/settings/roles/:id', async (req, res) => {
    const role = await find(req.params.id);
    if (!role) return adminNotFound(res);
    await showRole(res, 200, role);
  });

  router.post('/settings/roles/:id', async (req, res) => {
    const { t } = viewer(res);
    const role = await find(req.params.id);
    if (!role) return adminNotFound(res);
    const draft = { ...draftOfForm(formOf(req.body)), code: role.code };
    const { code: _fixed, ...patch } = draft;
    const body = rolePatch.safeParse(patch);
    if (!body.success) return showRole(res, 422, role, draft, refusal(t, body.error, HINTS));
    if (await leavesNoManager(users, { roleId: role.id, manage: body.data.manage }))
      return showRole(res, 422, role, draft, t('admin.lastManager'));
    const written = await users.updateRole(role.id, body.data);
    if (!written.ok) return adminNotFound(res);
    res.redirect(303, `/settings/roles/${role.id}?saved=1`);
  });

  router.post('/settings/roles/:id/delete', async (req, res) => {
    const { t } = viewer(res);
    const role = await find(req.params.id);
    if (!role) return adminNotFound(res);
    const deleted = await users.deleteRole(role.id);
    if (!deleted.ok && 'problem' in deleted && deleted.problem === 'in-use')
      return showRole(res, 422, role, undefined, t('admin.roles.inUse'));
    if (!deleted.ok) return adminNotFound(res);
    res.redirect(303, '/settings/roles?saved=1');
  });
  return router;
}
