/**
 * The console's admin screens over HTTP: only roles that manage reach them; a user made through
 * the form signs in and is signed out when deactivated; a role's grid decides what its users see
 * at once; stages and custom fields made here are the API's; an API key is shown once, works, and
 * stops when revoked; refusals say why, in the viewer's language, and keep what was typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { api, startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
const PASSWORD = 'correct horse battery';

interface Answer {
  status: number;
  html: string;
  location: string | null;
  cookie: string | null;
  cacheControl: string | null;
}

type FormValues = Record<string, string | string[]>;

async function send(
  method: string,
  path: string,
  options: { cookie?: string; form?: FormValues } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { origin: system.baseUrl };
  if (options.cookie) headers.cookie = options.cookie;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(options.form))
      for (const one of [value].flat()) params.append(name, one);
    body = params.toString();
  }
  const res = await fetch(`${system.baseUrl}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });
  return {
    status: res.status,
    html: await res.text(),
    location: res.headers.get('location'),
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] || null,
    cacheControl: res.headers.get('cache-control'),
  };
}

/** A signed-in browser: its cookie, and a poster that sends its CSRF token with every form. */
async function signIn(email: string, password = PASSWORD) {
  const signed = await send('POST', '/sign-in', { form: { email, password, next: '/leads' } });
  expect(signed.status).toBe(303);
  const cookie = signed.cookie!;
  const page = await send('GET', '/leads', { cookie });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  expect(csrf).toBeDefined();
  return {
    cookie,
    get: (path: string) => send('GET', path, { cookie }),
    post: (path: string, form: FormValues = {}) =>
      send('POST', path, { cookie, form: { ...form, _csrf: csrf! } }),
  };
}

async function person(email: string, roles: string[], language = 'en') {
  const made = await system.store.users.createUser({
    name: email.split('@')[0]!,
    email,
    roles,
    language,
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(made.problem);
  return made.user.id;
}

/** Every field of the role grid, each `none` unless given. */
function grid(scopes: Record<string, string> = {}): FormValues {
  const form: FormValues = {};
  for (const entity of ['leads', 'clients', 'deals', 'activities'])
    for (const action of ['read', 'create', 'update', 'delete', 'export'])
      form[`${entity}.${action}`] = scopes[`${entity}.${action}`] ?? 'none';
  return form;
}

const NEW_USER = {
  name: 'Lucía <b>Gómez</b>',
  email: 'lucia@admin.test',
  roles: 'operator',
  departmentId: '',
  capacity: '5',
  timeZone: 'Europe/Madrid',
  language: 'es',
};

let admin: Awaited<ReturnType<typeof signIn>>;
let martaId: number;

beforeAll(async () => {
  system = await startSystem({ label: 'console-admin' });
  martaId = await person('marta@admin.test', ['admin']);
  admin = await signIn('marta@admin.test');
});
afterAll(() => system.close());

describe('the last manager', () => {
  it('cannot be deactivated, lose the admin role, or have the only managing role stop managing', async () => {
    const lockout = 'This would leave nobody who can sign in and manage Leadwire';
    const off = await admin.post(`/settings/users/${martaId}/active`, { active: 'false' });
    expect(off.status).toBe(422);
    expect(off.html).toContain(lockout);
    const demoted = await admin.post(`/settings/users/${martaId}`, {
      name: 'marta',
      email: 'marta@admin.test',
      roles: 'operator',
      departmentId: '',
      capacity: '',
      timeZone: 'UTC',
      language: 'en',
    });
    expect(demoted.status).toBe(422);
    expect(demoted.html).toContain(lockout);
    const adminRole = (await system.store.users.listRoles()).find((r) => r.code === 'admin')!;
    const unmanaged = await admin.post(`/settings/roles/${adminRole.id}`, {
      name: 'Administrator',
      ...grid({ 'leads.read': 'all' }),
    });
    expect(unmanaged.status).toBe(422);
    expect(unmanaged.html).toContain(lockout);
    // The API keeps the same rule.
    const call = api(system);
    expect((await call('PATCH', `/api/v1/users/${martaId}`, { active: false })).body).toMatchObject(
      { error: 'last_manager' },
    );
    expect(
      (await call('PATCH', `/api/v1/roles/${adminRole.id}`, { manage: false })).body,
    ).toMatchObject({ error: 'last_manager' });
    const marta = (await system.store.users.listUsers({})).find((u) => u.id === martaId)!;
    expect(marta).toMatchObject({ active: true, roles: ['admin'] });
    expect((await system.store.users.listRoles()).find((r) => r.code === 'admin')?.manage).toBe(
      true,
    );
    // With a second administrator, either may be switched off.
    const second = await person('second-admin@admin.test', ['admin']);
    expect((await admin.post(`/settings/users/${second}/active`, { active: 'false' })).status).toBe(
      303,
    );
  });
});

describe('who reaches the admin screens', () => {
  it('refuses every page and form to a role that does not manage, and changes nothing', async () => {
    const pabloId = await person('pablo@admin.test', ['operator']);
    const pablo = await signIn('pablo@admin.test');
    expect((await pablo.get('/leads')).html).not.toContain('href="/settings"');
    expect((await admin.get('/leads')).html).toContain('href="/settings"');
    for (const path of [
      '/settings',
      '/settings/users',
      `/settings/users/${pabloId}`,
      '/settings/departments',
      '/settings/roles',
      '/settings/roles/1',
      '/settings/stages',
      '/settings/deal-stages',
      '/settings/fields',
      '/settings/api-keys',
    ]) {
      const page = await pablo.get(path);
      expect(page.status, path).toBe(403);
      expect(page.html, path).toContain('Only a role that manages');
    }
    const users = (await system.store.users.listUsers({})).length;
    const keys = (await system.store.users.listApiKeys()).length;
    for (const [path, form] of [
      ['/settings/users', { ...NEW_USER, email: 'sneaky@admin.test', password: PASSWORD }],
      [`/settings/users/${pabloId}`, { ...NEW_USER, roles: 'admin' }],
      [`/settings/users/${pabloId}/password`, { password: 'another long password' }],
      [`/settings/users/${martaId}/active`, { active: 'false' }],
      ['/settings/departments', { name: 'Sneaky' }],
      ['/settings/roles', { code: 'sneaky', name: 'Sneaky', manage: 'true', ...grid() }],
      ['/settings/roles/1', { name: 'Sneaky', manage: 'true', ...grid() }],
      ['/settings/stages', { code: 'SNEAKY', name: 'Sneaky', semantics: 'process' }],
      ['/settings/stages/NEW/name', { name: 'Sneaky' }],
      ['/settings/stages/JUNK/delete', { moveTo: 'NEW' }],
      ['/settings/fields', { entity: 'lead', key: 'sneaky', label: 'Sneaky', type: 'string' }],
      ['/settings/api-keys', { name: 'Sneaky', role: 'admin', userId: '' }],
      ['/settings/api-keys/1/revoke', {}],
    ] as [string, FormValues][]) {
      expect((await pablo.post(path, form)).status, path).toBe(403);
    }
    expect((await system.store.users.listUsers({})).length).toBe(users);
    expect((await system.store.users.listApiKeys()).length).toBe(keys);
    expect((await system.store.users.getUser(pabloId))?.roles).toEqual(['operator']);
    expect((await system.store.users.getUser(martaId))?.active).toBe(true);
    expect((await system.store.users.listRoles()).map((role) => role.code)).not.toContain('sneaky');
    expect((await system.store.stages.list('lead')).map((stage) => stage.name)).toContain('New');
    expect((await system.store.stages.list('lead')).map((stage) => stage.code)).toContain('JUNK');
    expect(await system.store.customFields.list()).toEqual([]);
    // The test's own admin key still works: nothing was revoked.
    expect((await api(system)('GET', '/api/v1/stages')).status).toBe(200);
    // Without a session, the sign-in page, then back.
    const away = await send('GET', '/settings/users');
    expect(away.status).toBe(303);
    expect(away.location).toBe(`/?next=${encodeURIComponent('/settings/users')}`);
  });

  it('links the admin screens, the queue dashboard and the metrics, which take the session', async () => {
    const index = await admin.get('/settings');
    expect(index.status).toBe(200);
    for (const href of ['/settings/users', '/settings/roles', '/settings/api-keys'])
      expect(index.html).toContain(`href="${href}"`);
    expect(index.html).toContain('href="/admin/queues"');
    expect(index.html).toContain('href="/metrics"');
    expect((await admin.get('/metrics')).status).toBe(200);
  });
});

describe('users', () => {
  it('creates a user who signs in, escapes their name, and signs them out when deactivated', async () => {
    const made = await admin.post('/settings/users', { ...NEW_USER, password: PASSWORD });
    expect(made.status).toBe(303);
    expect(made.location).toBe('/settings/users?saved=1');
    const lucia = (await system.store.users.listUsers({})).find(
      (user) => user.email === 'lucia@admin.test',
    )!;
    expect(lucia).toMatchObject({
      name: 'Lucía <b>Gómez</b>',
      roles: ['operator'],
      capacity: 5,
      timeZone: 'Europe/Madrid',
      language: 'es',
      active: true,
    });
    const list = await admin.get('/settings/users?saved=1');
    expect(list.html).toContain('Saved.');
    expect(list.html).toContain('Lucía &lt;b>Gómez&lt;/b>');
    expect(list.html).not.toContain('<b>Gómez</b>');

    // She signs in, in her language; deactivated, her session ends and she cannot sign in again.
    const signedIn = await signIn('lucia@admin.test');
    expect((await signedIn.get('/leads')).html).toContain('<html lang="es"');
    const off = await admin.post(`/settings/users/${lucia.id}/active`, { active: 'false' });
    expect(off.status).toBe(303);
    expect((await signedIn.get('/leads')).status).toBe(303);
    const again = await send('POST', '/sign-in', {
      form: { email: 'lucia@admin.test', password: PASSWORD },
    });
    expect(again.status).toBe(401);
    expect((await admin.get(`/settings/users/${lucia.id}`)).html).toContain('deactivated');

    // Back on, with a new password (a weak one is refused) and two roles, in another department.
    expect(
      (await admin.post(`/settings/users/${lucia.id}/active`, { active: 'true' })).status,
    ).toBe(303);
    const weak = await admin.post(`/settings/users/${lucia.id}/password`, { password: 'short' });
    expect(weak.status).toBe(422);
    expect(weak.html).toContain('The password needs 10 to 256 characters.');
    expect(
      (
        await admin.post(`/settings/users/${lucia.id}/password`, {
          password: 'a brand new passphrase',
        })
      ).status,
    ).toBe(303);
    expect((await signIn('lucia@admin.test', 'a brand new passphrase')).cookie).toMatch(
      /^lw_session=/,
    );
    const department = await admin.post('/settings/departments', { name: 'Sevilla' });
    expect(department.status).toBe(303);
    const sevilla = (await system.store.users.listDepartments()).find((d) => d.name === 'Sevilla')!;
    const edited = await admin.post(`/settings/users/${lucia.id}`, {
      ...NEW_USER,
      roles: ['operator', 'supervisor'],
      departmentId: String(sevilla.id),
      capacity: '',
    });
    expect(edited.status).toBe(303);
    expect(await system.store.users.getUser(lucia.id)).toMatchObject({
      roles: ['operator', 'supervisor'],
      departmentId: sevilla.id,
      capacity: null,
    });
  });

  it('refuses a bad email, a weak password or a taken email with 422, keeping what was typed', async () => {
    const typed = { ...NEW_USER, name: 'Nuria', email: 'not-an-email', capacity: '7' };
    const badEmail = await admin.post('/settings/users', { ...typed, password: PASSWORD });
    expect(badEmail.status).toBe(422);
    expect(badEmail.html).toContain('role="alert"');
    expect(badEmail.html).toContain('The email address is not valid.');
    expect(badEmail.html).toContain('value="Nuria"');
    expect(badEmail.html).toContain('value="not-an-email"');
    expect(badEmail.html).toContain('value="7"');
    expect(badEmail.html).toContain('<option value="Europe/Madrid" selected');
    expect(badEmail.html).not.toContain(PASSWORD);

    const weak = await admin.post('/settings/users', {
      ...typed,
      email: 'nuria@admin.test',
      password: 'short1',
    });
    expect(weak.status).toBe(422);
    expect(weak.html).toContain('The password needs 10 to 256 characters.');
    expect(weak.html).toContain('value="nuria@admin.test"');
    expect(weak.html).not.toContain('short1');

    const taken = await admin.post('/settings/users', {
      ...typed,
      email: 'marta@admin.test',
      password: PASSWORD,
    });
    expect(taken.status).toBe(422);
    expect(taken.html).toContain('Another user has this email.');
    expect((await system.store.users.listUsers({})).map((user) => user.name)).not.toContain(
      'Nuria',
    );

    // In the viewer's language.
    await person('pilar@admin.test', ['admin'], 'es');
    const pilar = await signIn('pilar@admin.test');
    const spanish = await pilar.post('/settings/users', { ...typed, password: PASSWORD });
    expect(spanish.status).toBe(422);
    expect(spanish.html).toContain('La dirección de correo no es válida.');
  });
});

describe('departments and roles', () => {
  it('keeps the department tree sound: no cycles, no deleting one that is not empty', async () => {
    expect((await admin.post('/settings/departments', { name: 'Ventas' })).status).toBe(303);
    const ventas = (await system.store.users.listDepartments()).find((d) => d.name === 'Ventas')!;
    const madrid = await admin.post('/settings/departments', {
      name: 'Madrid',
      parentId: String(ventas.id),
      headId: String(martaId),
    });
    expect(madrid.status).toBe(303);
    const madridId = (await system.store.users.listDepartments()).find(
      (d) => d.name === 'Madrid',
    )!.id;
    const tree = await admin.get('/settings/departments');
    expect(tree.html).toMatch(
      /Ventas<\/a><ul class="admin-tree"><li data-department="\d+"><a[^>]*>Madrid/,
    );
    const cycle = await admin.post(`/settings/departments/${ventas.id}`, {
      name: 'Ventas',
      parentId: String(madridId),
      headId: '',
    });
    expect(cycle.status).toBe(422);
    expect(cycle.html).toContain('cannot be under itself');
    const full = await admin.post(`/settings/departments/${ventas.id}/delete`);
    expect(full.status).toBe(422);
    expect(full.html).toContain('still has users or departments under it');
    expect((await system.store.users.listDepartments()).map((d) => d.name)).toContain('Ventas');
  });

  it('applies a role’s grid at once to what its users may see and do', async () => {
    const client = await api(system)('POST', '/api/v1/clients', { name: 'Cliente Rejilla' });
    expect(client.status).toBe(201);
    const made = await admin.post('/settings/roles', {
      code: 'auditor',
      name: 'Auditor',
      ...grid({ 'clients.read': 'all' }),
    });
    expect(made.status).toBe(303);
    const role = (await system.store.users.listRoles()).find((r) => r.code === 'auditor')!;
    expect(made.location).toBe(`/settings/roles/${role.id}?saved=1`);
    expect(role.grants.clients?.read).toBe('all');
    expect(role.manage).toBe(false);
    await person('ines@admin.test', ['auditor']);
    const ines = await signIn('ines@admin.test');
    const seen = await ines.get(`/clients/${client.body.id}`);
    expect(seen.status).toBe(200);
    expect(seen.html).toContain('Cliente Rejilla');
    expect((await ines.get('/settings')).status).toBe(403);

    // Reading clients taken away, managing given: her next request knows.
    const changed = await admin.post(`/settings/roles/${role.id}`, {
      name: 'Auditor',
      manage: 'true',
      ...grid({ 'leads.read': 'own' }),
    });
    expect(changed.status).toBe(303);
    expect((await ines.get(`/clients/${client.body.id}`)).status).toBe(404);
    expect((await ines.get('/settings')).status).toBe(200);
    const page = await admin.get(`/settings/roles/${role.id}`);
    expect(page.html).toMatch(
      /name="leads\.read"[^>]*>(<option[^>]*>[^<]*<\/option>)*<option value="own" selected/,
    );

    // A role somebody has is not deleted; a scope that is none of the four is refused.
    const inUse = await admin.post(`/settings/roles/${role.id}/delete`);
    expect(inUse.status).toBe(422);
    expect(inUse.html).toContain('Users still have this role');
    const bad = await admin.post(`/settings/roles/${role.id}`, {
      name: 'Auditor',
      ...grid({ 'deals.read': 'everything' }),
    });
    expect(bad.status).toBe(422);
    expect(bad.html).toContain('Choose a scope from the list in every cell.');
  });
});

describe('stages and custom fields', () => {
  it('makes stages and fields the API serves', async () => {
    const added = await admin.post('/settings/stages', {
      code: 'WAITING',
      name: 'Waiting',
      semantics: 'process',
    });
    expect(added.status).toBe(303);
    const codes = async () =>
      ((await api(system)('GET', '/api/v1/stages')).body.stages as { code: string }[]).map(
        (stage) => stage.code,
      );
    expect((await codes()).slice(-2)).toEqual(['JUNK', 'WAITING']);
    expect((await admin.post('/settings/stages/WAITING/move', { direction: 'up' })).status).toBe(
      303,
    );
    expect((await codes()).slice(-2)).toEqual(['WAITING', 'JUNK']);
    expect((await admin.post('/settings/stages/WAITING/name', { name: 'On hold' })).status).toBe(
      303,
    );
    const stages = (await api(system)('GET', '/api/v1/stages')).body.stages as {
      code: string;
      name: string;
    }[];
    expect(stages.find((stage) => stage.code === 'WAITING')?.name).toBe('On hold');
    const taken = await admin.post('/settings/stages', {
      code: 'WAITING',
      name: 'Again',
      semantics: 'process',
    });
    expect(taken.status).toBe(422);
    expect(taken.html).toContain('A stage with this code exists.');
    expect(taken.html).toContain('value="Again"');
    const initial = await admin.post('/settings/stages/NEW/delete', { moveTo: 'WAITING' });
    expect(initial.status).toBe(422);
    expect(initial.html).toContain('New leads start in this stage');

    const noOptions = await admin.post('/settings/fields', {
      entity: 'lead',
      key: 'budget_band',
      label: 'Budget band',
      type: 'list',
      options: '',
    });
    expect(noOptions.status).toBe(422);
    expect(noOptions.html).toContain('A list needs its options');
    expect(noOptions.html).toContain('value="budget_band"');
    const field = await admin.post('/settings/fields', {
      entity: 'lead',
      key: 'budget_band',
      label: 'Budget band',
      type: 'list',
      options: 'low\r\n mid \r\n\r\nhigh',
    });
    expect(field.status).toBe(303);
    const listed = async () =>
      (await api(system)('GET', '/api/v1/custom-fields?entity=lead')).body.fields as {
        id: number;
        key: string;
        type: string;
        required: boolean;
        options: string[];
      }[];
    const [budget] = await listed();
    expect(budget).toMatchObject({
      key: 'budget_band',
      type: 'list',
      required: false,
      options: ['low', 'mid', 'high'],
    });
    const edited = await admin.post(`/settings/fields/${budget!.id}`, {
      label: 'Budget',
      required: 'true',
      options: 'low\nhigh',
      sort: '5',
    });
    expect(edited.status).toBe(303);
    expect((await listed())[0]).toMatchObject({ required: true, options: ['low', 'high'] });
    expect((await admin.post(`/settings/fields/${budget!.id}/delete`)).status).toBe(303);
    expect(await listed()).toEqual([]);
  });
});

describe('API keys', () => {
  it('shows a new key once, and the key works until it is revoked', async () => {
    const made = await admin.post('/settings/api-keys', {
      name: 'Zapier <script>',
      role: 'operator',
      userId: '',
    });
    expect(made.status).toBe(201);
    expect(made.cacheControl).toContain('no-store');
    const key = /value="(lw_[A-Za-z0-9_-]+)"/.exec(made.html)?.[1];
    expect(key).toBeDefined();
    expect(made.html).toContain('Zapier &lt;script>');

    const list = await admin.get('/settings/api-keys');
    expect(list.html).toContain(`${key!.slice(0, 10)}…`);
    expect(list.html).not.toContain(key!);
    expect(list.html).not.toContain('<script>');

    const asKey = () =>
      fetch(`${system.baseUrl}/api/v1/stages`, { headers: { authorization: `Bearer ${key}` } });
    expect((await asKey()).status).toBe(200);
    const stored = (await system.store.users.listApiKeys()).find((k) =>
      k.name.startsWith('Zapier'),
    )!;
    expect(stored).toMatchObject({ role: 'operator', userId: null, revokedAt: null });
    const revoked = await admin.post(`/settings/api-keys/${stored.id}/revoke`);
    expect(revoked.status).toBe(303);
    expect((await asKey()).status).toBe(401);
    expect((await admin.get('/settings/api-keys')).html).toContain('revoked');

    // A key may act only as an active user.
    const inactive = await person('gone@admin.test', ['operator']);
    await system.store.users.updateUser(inactive, { active: false });
    const refused = await admin.post('/settings/api-keys', {
      name: 'As nobody',
      role: 'operator',
      userId: String(inactive),
    });
    expect(refused.status).toBe(422);
    expect(refused.html).toContain('Choose an active user from the list, or no user.');
    expect(refused.html).toContain('value="As nobody"');
    expect((await system.store.users.listApiKeys()).map((k) => k.name)).not.toContain('As nobody');
  });
});
