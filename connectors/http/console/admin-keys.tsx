/**
 * `/settings/api-keys`: the keys integrations use (first characters, name, role, the user a key
 * acts as, when it was made, last used, revoked), a new key — shown in full once, on the answer
 * to the form that made it and never again (only its hash is stored) — and revoking one.
 */
import { Router, type Response } from 'express';
import { newApiKey } from '../../../core/api-keys.ts';
import {
  API_ROLES,
  type ApiKeyRecord,
  type ApiRole,
  type UserRecord,
  type UserRepository,
} from '../../../core/repositories/users.ts';
import { AdminPage, Select, adminNotFound, field, formOf, pathId, wasSaved } from './admin-kit.tsx';
import { CsrfField } from './layout.tsx';
import { sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

interface KeyDraft {
  name: string;
  role: string;
  userId: string;
}

const EMPTY: KeyDraft = { name: '', role: 'operator', userId: '' };
const NAME_MAX = 200;

function KeyTable(props: { viewer: Viewer; keys: ApiKeyRecord[]; users: UserRecord[] }) {
  const { t, when } = props.viewer;
  const userName = (id: number | null) =>
    id === null
      ? t('admin.keys.integration')
      : (props.users.find((user) => user.id === id)?.name ?? `#${id}`);
  const time = (date: Date | null) =>
    date ? <time datetime={date.toISOString()}>{when(date)}</time> : t('admin.keys.never');
  return (
    <table class="leads">
      <thead>
        <tr>
          <th scope="col">{t('admin.keys.id')}</th>
          <th scope="col">{t('admin.keys.name')}</th>
          <th scope="col">{t('admin.keys.role')}</th>
          <th scope="col">{t('admin.keys.user')}</th>
          <th scope="col">{t('admin.keys.createdAt')}</th>
          <th scope="col">{t('admin.keys.lastUsed')}</th>
          <th scope="col">{t('admin.keys.status')}</th>
        </tr>
      </thead>
      <tbody>
        {props.keys.map((key) => (
          <tr data-key={key.id}>
            <td>
              {key.id} <code>{key.prefix}…</code>
            </td>
            <td>{key.name}</td>
            <td>{t(`admin.keys.role.${key.role}`)}</td>
            <td>{userName(key.userId)}</td>
            <td>{time(key.createdAt)}</td>
            <td>{time(key.lastUsedAt)}</td>
            <td>
              {key.revokedAt ? (
                <>
                  {t('admin.keys.revokedAt')} {time(key.revokedAt)}
                </>
              ) : (
                <form method="post" action={`/settings/api-keys/${key.id}/revoke`} class="inline">
                  <CsrfField viewer={props.viewer} />
                  <button type="submit" class="danger">
                    {t('admin.keys.revoke', { name: key.name })}
                  </button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NewKeyForm(props: { viewer: Viewer; draft: KeyDraft; users: UserRecord[] }) {
  const { t } = props.viewer;
  const { draft } = props;
  return (
    <form method="post" action="/settings/api-keys" class="card stack" aria-labelledby="new-key">
      <CsrfField viewer={props.viewer} />
      <label for="name">{t('admin.keys.name')}</label>
      <input id="name" name="name" required maxlength={NAME_MAX} value={draft.name} />
      <Select
        id="role"
        name="role"
        label={t('admin.keys.role')}
        options={API_ROLES.map((role) => ({ value: role, label: t(`admin.keys.role.${role}`) }))}
        current={draft.role}
        required
      />
      <Select
        id="userId"
        name="userId"
        label={t('admin.keys.actsAs')}
        options={[
          { value: '', label: t('admin.keys.integration') },
          ...props.users
            .filter((user) => user.active)
            .map((user) => ({ value: String(user.id), label: `${user.name} (${user.email})` })),
        ]}
        current={draft.userId}
      />
      <p class="hint">{t('admin.keys.actsAsHint')}</p>
      <button type="submit">{t('admin.keys.create')}</button>
    </form>
  );
}

export function apiKeyPages(deps: { users: UserRepository }): Router {
  const { users } = deps;
  const router = Router();

  async function showKeys(res: Response, status: number, draft?: KeyDraft, problem?: string) {
    const seeing = viewer(res);
    const { t } = seeing;
    const everyone = (await users.listUsers({})).sort((a, b) => a.name.localeCompare(b.name));
    const keys = (await users.listApiKeys()).sort((a, b) => b.id - a.id);
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={t('admin.keys.title')}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
      >
        {keys.length === 0 ? (
          <p class="empty">{t('admin.keys.empty')}</p>
        ) : (
          <KeyTable viewer={seeing} keys={keys} users={everyone} />
        )}
        <h2 id="new-key">{t('admin.keys.new')}</h2>
        <NewKeyForm viewer={seeing} draft={draft ?? EMPTY} users={everyone} />
      </AdminPage>,
    );
  }

  router.get('/settings/api-keys', (_req, res) => showKeys(res, 200));

  // The same rules as `leadwire api-keys create`: a name, a known role, an active user if any.
  router.post('/settings/api-keys', async (req, res) => {
    const seeing = viewer(res);
    const { t } = seeing;
    const form = formOf(req.body);
    const draft = {
      name: field(form, 'name').trim(),
      role: field(form, 'role'),
      userId: field(form, 'userId'),
    };
    if (!draft.name || draft.name.length > NAME_MAX)
      return showKeys(res, 422, draft, t('admin.keys.invalid.name', { max: NAME_MAX }));
    const role = API_ROLES.find((known) => known === draft.role);
    if (!role) return showKeys(res, 422, draft, t('admin.keys.invalid.role'));
    const userId = draft.userId === '' ? null : pathId(draft.userId);
    const acting = userId ? await users.getUser(userId) : undefined;
    if (userId === undefined || (userId !== null && !acting?.active))
      return showKeys(res, 422, draft, t('admin.keys.invalid.user'));
    const { key, prefix, hash } = newApiKey();
    const id = await users.createApiKey({ name: draft.name, role, prefix, hash, userId });
    showCreated(res, { id, name: draft.name, role, key, acting: acting?.name });
  });

  router.post('/settings/api-keys/:id/revoke', async (req, res) => {
    const id = pathId(req.params.id);
    if (!id || !(await users.revokeApiKey(id, new Date()))) return adminNotFound(res);
    res.redirect(303, '/settings/api-keys?saved=1');
  });
  return router;
}

/** The answer to creating a key: the only page that ever shows it (and it is not cached). */
function showCreated(
  res: Response,
  made: { id: number; name: string; role: ApiRole; key: string; acting: string | undefined },
) {
  const seeing = viewer(res);
  const { t } = seeing;
  sendPage(
    res,
    201,
    <AdminPage
      viewer={seeing}
      title={t('admin.keys.created.title', { name: made.name })}
      back={{ href: '/settings/api-keys', label: t('admin.keys.back') }}
    >
      <p class="notice" role="status">
        {t('admin.keys.created.once')}
      </p>
      <label for="key">{t('admin.keys.created.key', { id: made.id })}</label>
      <input id="key" class="admin-key" readonly value={made.key} autocomplete="off" />
      <p class="hint">
        {t('admin.keys.created.how')} <code>Authorization: Bearer …</code>
      </p>
      <p>
        {t(`admin.keys.role.${made.role}`)}
        {made.acting ? ` · ${t('admin.keys.actsAsName', { name: made.acting })}` : ''}
      </p>
      <p>
        <a href="/settings/api-keys">{t('admin.keys.back')}</a>
      </p>
    </AdminPage>,
  );
}
