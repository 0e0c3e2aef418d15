/**
 * The store contract for people (UserRepository): users with roles, departments as a tree,
 * roles, sign-in sessions and API keys bound to users answer the same on both stores (this file
 * runs against SQLite, and against PostgreSQL with TEST_DATABASE=postgres).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED_ROLES, type Grants } from '../../core/permissions.ts';
import type { Store } from '../../core/repositories/index.ts';
import type {
  DepartmentRecord,
  NewUser,
  SessionRecord,
  UserRecord,
} from '../../core/repositories/users.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
let store: Store;
beforeAll(async () => {
  test = await openTestStore('people');
  store = test.store;
});
afterAll(() => test.close());

const at = (iso: string) => new Date(iso);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function user(values: Partial<NewUser> & { email: string }): Promise<UserRecord> {
  const written = await store.users.createUser({ name: 'Someone', roles: ['operator'], ...values });
  if (!written.ok) throw new Error(`${values.email} was not created: ${written.problem}`);
  return written.user;
}

async function department(
  name: string,
  parentId: number | null = null,
  headId: number | null = null,
): Promise<DepartmentRecord> {
  const written = await store.users.createDepartment({ name, parentId, headId });
  if (!written.ok) throw new Error(`department ${name} was not created: ${written.problem}`);
  return written.department;
}

const session = (id: string, userId: number, createdAt: Date, ttlMs = 30 * 24 * HOUR) =>
  ({
    id,
    userId,
    createdAt,
    seenAt: createdAt,
    expiresAt: new Date(+createdAt + ttlMs),
  }) satisfies SessionRecord;

describe(`people on the ${TEST_STORE} store`, () => {
  it('starts with the seeded roles', async () => {
    const roles = await store.users.listRoles();
    expect(roles.map(({ id: _id, ...role }) => role)).toEqual(SEEDED_ROLES);
    expect(new Set(roles.map((role) => role.id)).size).toBe(3);
  });

  it('creates users with a lower-cased email, sorted roles and the defaults', async () => {
    const written = await store.users.createUser({
      name: 'Olga',
      email: '  Olga@Example.COM ',
      roles: ['supervisor', 'operator', 'supervisor'],
    });
    expect(written).toEqual({
      ok: true,
      user: {
        id: expect.any(Number),
        name: 'Olga',
        email: 'olga@example.com',
        departmentId: null,
        active: true,
        timeZone: 'UTC',
        language: 'en',
        capacity: null,
        roles: ['operator', 'supervisor'],
        hasPassword: false,
        createdAt: expect.any(Date),
      },
    });
    if (!written.ok) return;
    expect(await store.users.getUser(written.user.id)).toEqual(written.user);
    expect(await store.users.getUser(987_654)).toBeUndefined();

    const sales = await department('Sales (create)');
    const full = await user({
      name: 'Pablo',
      email: 'pablo@example.com',
      roles: ['admin'],
      departmentId: sales.id,
      timeZone: 'Europe/Madrid',
      language: 'es',
      capacity: 5,
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    });
    expect(full).toMatchObject({
      departmentId: sales.id,
      timeZone: 'Europe/Madrid',
      language: 'es',
      capacity: 5,
      roles: ['admin'],
      hasPassword: true,
    });
    expect(full).not.toHaveProperty('passwordHash');
  });

  it('refuses a taken email (in any case), an unknown or missing role, an unknown department', async () => {
    await user({ email: 'taken@example.com' });
    const create = (values: Partial<NewUser>) =>
      store.users.createUser({
        name: 'X',
        email: 'new@example.com',
        roles: ['operator'],
        ...values,
      });
    expect(await create({ email: 'Taken@Example.com' })).toEqual({
      ok: false,
      problem: 'email-taken',
    });
    expect(await create({ roles: ['operator', 'root'] })).toEqual({
      ok: false,
      problem: 'unknown-role',
    });
    expect(await create({ roles: [] })).toEqual({ ok: false, problem: 'unknown-role' });
    expect(await create({ departmentId: 987_654 })).toEqual({
      ok: false,
      problem: 'unknown-department',
    });
    // Nothing of the refused attempts was kept.
    expect(await store.users.credentialsOf('new@example.com')).toBeUndefined();
    expect(await user({ email: 'new@example.com' })).toMatchObject({ roles: ['operator'] });
  });

  it('lists users by activity and department', async () => {
    const support = await department('Support (list)');
    const a = await user({ email: 'list-a@example.com', departmentId: support.id });
    const b = await user({ email: 'list-b@example.com', departmentId: support.id });
    await store.users.updateUser(b.id, { active: false });
    const inSupport = await store.users.listUsers({ departmentId: support.id });
    expect(inSupport.map((u) => u.id)).toEqual([a.id, b.id]);
    expect(
      (await store.users.listUsers({ departmentId: support.id, active: true })).map((u) => u.id),
    ).toEqual([a.id]);
    const all = await store.users.listUsers({});
    expect(all.map((u) => u.id)).toEqual([...all.map((u) => u.id)].sort((x, y) => x - y));
    expect(all.find((u) => u.id === a.id)).toEqual(a);
    expect((await store.users.listUsers({ active: false })).map((u) => u.id)).toContain(b.id);
    expect((await store.users.listUsers({ active: false })).map((u) => u.id)).not.toContain(a.id);
  });

  it('updates a user: fields, roles replaced, nulls, and the same refusals', async () => {
    const sales = await department('Sales (update)');
    const ana = await user({ name: 'Ana', email: 'ana@example.com', capacity: 3 });
    await user({ email: 'other@example.com' });
    const updated = await store.users.updateUser(ana.id, {
      name: 'Ana María',
      email: ' ANA.MARIA@example.com',
      roles: ['supervisor', 'admin'],
      departmentId: sales.id,
      timeZone: 'America/Bogota',
      language: 'es-CO',
    });
    expect(updated).toEqual({
      ok: true,
      user: {
        ...ana,
        name: 'Ana María',
        email: 'ana.maria@example.com',
        roles: ['admin', 'supervisor'],
        departmentId: sales.id,
        timeZone: 'America/Bogota',
        language: 'es-CO',
      },
    });
    expect(await store.users.updateUser(ana.id, { departmentId: null, capacity: null })).toEqual({
      ok: true,
      user: expect.objectContaining({ departmentId: null, capacity: null, name: 'Ana María' }),
    });
    expect(await store.users.updateUser(ana.id, {})).toMatchObject({
      ok: true,
      user: { id: ana.id },
    });
    expect(await store.users.updateUser(ana.id, { email: 'Other@example.com' })).toEqual({
      ok: false,
      problem: 'email-taken',
    });
    expect(await store.users.updateUser(ana.id, { roles: ['root'] })).toEqual({
      ok: false,
      problem: 'unknown-role',
    });
    expect(await store.users.updateUser(ana.id, { roles: [] })).toEqual({
      ok: false,
      problem: 'unknown-role',
    });
    expect(await store.users.updateUser(ana.id, { departmentId: 987_654 })).toEqual({
      ok: false,
      problem: 'unknown-department',
    });
    expect(await store.users.updateUser(987_654, { name: 'Nobody' })).toEqual({
      ok: false,
      problem: 'no-user',
    });
    // A refused update changed nothing, its roles included.
    expect(await store.users.getUser(ana.id)).toMatchObject({
      email: 'ana.maria@example.com',
      roles: ['admin', 'supervisor'],
    });
  });

  it('sets a password, finds the credentials by email in any case, and signs the user out', async () => {
    const eva = await user({ email: 'eva@example.com' });
    expect(await store.users.credentialsOf('eva@example.com')).toEqual({
      user: eva,
      passwordHash: null,
    });
    const now = at('2026-05-01T10:00:00Z');
    await store.users.createSession(session('eva-1', eva.id, now));
    await store.users.createSession(session('eva-2', eva.id, now));
    expect(await store.users.setPassword(eva.id, 'hash-1')).toBe(true);
    expect(await store.users.credentialsOf(' EVA@example.com')).toEqual({
      user: { ...eva, hasPassword: true },
      passwordHash: 'hash-1',
    });
    expect(await store.users.activeSession('eva-1', now, HOUR)).toBeUndefined();
    expect(await store.users.endSessions(eva.id)).toBe(0);
    expect(await store.users.setPassword(987_654, 'hash')).toBe(false);
    expect(await store.users.credentialsOf('nobody@example.com')).toBeUndefined();
  });

  it('keeps a session alive while it is used, moving seenAt at most once a minute', async () => {
    const leo = await user({ email: 'leo@example.com' });
    const start = at('2026-05-01T10:00:00Z');
    const created = session('leo-1', leo.id, start);
    await store.users.createSession(created);
    const later = (ms: number) => new Date(+start + ms);

    expect(await store.users.activeSession('leo-1', later(30_000), HOUR)).toEqual({
      session: created,
      user: leo,
    });
    // Within the minute: seenAt stays where it was.
    expect((await store.users.activeSession('leo-1', later(MINUTE), HOUR))?.session.seenAt).toEqual(
      start,
    );
    const moved = await store.users.activeSession('leo-1', later(MINUTE + 1), HOUR);
    expect(moved?.session).toEqual({ ...created, seenAt: later(MINUTE + 1) });
    // Stored: idle time now counts from the new seenAt.
    expect(
      (await store.users.activeSession('leo-1', later(MINUTE + 1 + HOUR), HOUR))?.session.seenAt,
    ).toEqual(later(MINUTE + 1 + HOUR));
    expect(await store.users.activeSession('unknown', start, HOUR)).toBeUndefined();
  });

  it('looks at a session without counting it as use when asked not to touch it', async () => {
    const ivo = await user({ email: 'ivo@example.com' });
    const start = at('2026-05-01T10:00:00Z');
    await store.users.createSession(session('ivo-1', ivo.id, start));
    const later = (ms: number) => new Date(+start + ms);
    // A live stream's check, every half minute for most of an hour: the session stays idle.
    for (let ms = 30_000; ms < HOUR; ms += 10 * MINUTE)
      expect(
        (await store.users.activeSession('ivo-1', later(ms), HOUR, false))?.session.seenAt,
      ).toEqual(start);
    expect(await store.users.activeSession('ivo-1', later(HOUR + 1), HOUR, false)).toBeUndefined();
  });

  it('ends an idle session and one past its absolute expiry, deleting them', async () => {
    const mia = await user({ email: 'mia@example.com' });
    const start = at('2026-05-01T10:00:00Z');
    await store.users.createSession(session('mia-idle', mia.id, start));
    await store.users.createSession(session('mia-old', mia.id, start, 2 * HOUR));
    const later = (ms: number) => new Date(+start + ms);

    expect(await store.users.activeSession('mia-idle', later(HOUR + 1), HOUR)).toBeUndefined();
    // Deleted, not just refused: a longer idle allowance does not bring it back.
    expect(await store.users.activeSession('mia-idle', later(HOUR + 1), 24 * HOUR)).toBeUndefined();

    // Busy all along, yet over at expiresAt.
    for (const ms of [50 * MINUTE, 100 * MINUTE])
      expect(await store.users.activeSession('mia-old', later(ms), HOUR)).toBeDefined();
    expect(await store.users.activeSession('mia-old', later(2 * HOUR), HOUR)).toBeDefined();
    expect(await store.users.activeSession('mia-old', later(2 * HOUR + 1), HOUR)).toBeUndefined();
    expect(await store.users.endSessions(mia.id)).toBe(0);
  });

  it('ends one session or all of a user’s; deactivating ends them all', async () => {
    const noa = await user({ email: 'noa@example.com' });
    const start = at('2026-05-01T10:00:00Z');
    for (const id of ['noa-1', 'noa-2', 'noa-3'])
      await store.users.createSession(session(id, noa.id, start));
    await store.users.endSession('noa-1');
    expect(await store.users.activeSession('noa-1', start, HOUR)).toBeUndefined();
    expect(await store.users.activeSession('noa-2', start, HOUR)).toBeDefined();
    expect(await store.users.endSessions(noa.id)).toBe(2);

    await store.users.createSession(session('noa-4', noa.id, start));
    await store.users.createSession(session('noa-5', noa.id, start));
    expect(await store.users.updateUser(noa.id, { active: false })).toMatchObject({
      ok: true,
      user: { active: false },
    });
    expect(await store.users.endSessions(noa.id)).toBe(0);
    expect(await store.users.actorFacts(noa.id)).toBeUndefined();

    // A session of an inactive user (one created after all) is not active.
    await store.users.createSession(session('noa-6', noa.id, start));
    expect(await store.users.activeSession('noa-6', start, HOUR)).toBeUndefined();
    await store.users.updateUser(noa.id, { active: true });
    expect(await store.users.activeSession('noa-6', start, HOUR)).toMatchObject({
      user: { id: noa.id, active: true },
    });
    expect(await store.users.activeSession('noa-4', start, HOUR)).toBeUndefined();
  });

  it('gives a user’s facts: roles, the users of their department subtree, their queues', async () => {
    const company = await department('Company (facts)');
    const sales = await department('Sales (facts)', company.id);
    const north = await department('North (facts)', sales.id);
    const support = await department('Support (facts)', company.id);
    const boss = await user({
      email: 'boss@example.com',
      roles: ['supervisor', 'operator'],
      departmentId: sales.id,
    });
    const seller = await user({ email: 'seller@example.com', departmentId: sales.id });
    const northern = await user({ email: 'northern@example.com', departmentId: north.id });
    const gone = await user({ email: 'gone@example.com', departmentId: north.id });
    await store.users.updateUser(gone.id, { active: false });
    const helper = await user({ email: 'helper@example.com', departmentId: support.id });
    const top = await user({ email: 'top@example.com', departmentId: company.id });
    const loner = await user({ email: 'loner@example.com' });
    await store.users.addToQueue(1, boss.id);

    const facts = await store.users.actorFacts(boss.id);
    expect(facts).toEqual({
      user: boss,
      roles: (await store.users.listRoles()).filter((role) =>
        ['operator', 'supervisor'].includes(role.code),
      ),
      // A deactivated colleague's records stay their supervisor's to see and hand over.
      departmentUserIds: [boss.id, seller.id, northern.id, gone.id],
      queueChannelIds: [1],
    });
    expect((await store.users.actorFacts(top.id))?.departmentUserIds).toEqual([
      boss.id,
      seller.id,
      northern.id,
      gone.id,
      helper.id,
      top.id,
    ]);
    expect((await store.users.actorFacts(northern.id))?.departmentUserIds).toEqual([
      northern.id,
      gone.id,
    ]);
    expect(await store.users.actorFacts(loner.id)).toMatchObject({
      departmentUserIds: [loner.id],
      queueChannelIds: [],
    });
    expect(await store.users.actorFacts(987_654)).toBeUndefined();
  });

  it('keeps departments a tree: unknown parent or head, names taken, no cycles', async () => {
    const head = await user({ email: 'head@example.com' });
    const root = await department('Root (tree)', null, head.id);
    expect(root).toEqual({
      id: expect.any(Number),
      name: 'Root (tree)',
      parentId: null,
      headId: head.id,
    });
    const child = await department('Child (tree)', root.id);
    const grandchild = await department('Grandchild (tree)', child.id);
    const create = (values: Partial<Omit<DepartmentRecord, 'id'>>) =>
      store.users.createDepartment({ name: 'New (tree)', parentId: null, headId: null, ...values });
    expect(await create({ parentId: 987_654 })).toEqual({ ok: false, problem: 'unknown-parent' });
    expect(await create({ headId: 987_654 })).toEqual({ ok: false, problem: 'unknown-head' });
    expect(await create({ name: 'Child (tree)' })).toEqual({ ok: false, problem: 'name-taken' });

    const update = store.users.updateDepartment;
    expect(await update(root.id, { parentId: root.id })).toEqual({ ok: false, problem: 'cycle' });
    expect(await update(root.id, { parentId: grandchild.id })).toEqual({
      ok: false,
      problem: 'cycle',
    });
    expect(await update(child.id, { parentId: 987_654 })).toEqual({
      ok: false,
      problem: 'unknown-parent',
    });
    expect(await update(child.id, { headId: 987_654 })).toEqual({
      ok: false,
      problem: 'unknown-head',
    });
    expect(await update(child.id, { name: 'Root (tree)' })).toEqual({
      ok: false,
      problem: 'name-taken',
    });
    expect(await update(987_654, { name: 'Nowhere' })).toEqual({
      ok: false,
      problem: 'no-department',
    });
    // A grandchild moves up to the root; then the child may go under it.
    expect(await update(grandchild.id, { parentId: root.id, name: 'Moved (tree)' })).toEqual({
      ok: true,
      department: { id: grandchild.id, name: 'Moved (tree)', parentId: root.id, headId: null },
    });
    expect(await update(child.id, { parentId: grandchild.id, headId: head.id })).toEqual({
      ok: true,
      department: { id: child.id, name: 'Child (tree)', parentId: grandchild.id, headId: head.id },
    });
    expect(await update(root.id, { headId: null })).toMatchObject({
      ok: true,
      department: { headId: null },
    });
    const listed = await store.users.listDepartments();
    expect(
      listed.filter((d) => d.name.endsWith('(tree)')).map((d) => [d.name, d.parentId]),
    ).toEqual([
      ['Root (tree)', null],
      ['Child (tree)', grandchild.id],
      ['Moved (tree)', root.id],
    ]);
  });

  it('deletes a department only once it has no users and no sub-departments', async () => {
    const parent = await department('Parent (delete)');
    const child = await department('Child (delete)', parent.id);
    const member = await user({ email: 'member@example.com', departmentId: child.id });
    expect(await store.users.deleteDepartment(parent.id)).toEqual({
      ok: false,
      problem: 'not-empty',
    });
    expect(await store.users.deleteDepartment(child.id)).toEqual({
      ok: false,
      problem: 'not-empty',
    });
    // An inactive user still belongs to it.
    await store.users.updateUser(member.id, { active: false });
    expect(await store.users.deleteDepartment(child.id)).toEqual({
      ok: false,
      problem: 'not-empty',
    });
    await store.users.updateUser(member.id, { departmentId: null });
    expect(await store.users.deleteDepartment(child.id)).toEqual({ ok: true });
    expect(await store.users.deleteDepartment(parent.id)).toEqual({ ok: true });
    expect(await store.users.deleteDepartment(parent.id)).toEqual({
      ok: false,
      problem: 'no-department',
    });
    const names = (await store.users.listDepartments()).map((d) => d.name);
    expect(names).not.toContain('Parent (delete)');
  });

  it('creates, updates and deletes roles; a role in use stays', async () => {
    const grants: Grants = { leads: { read: 'all', update: 'department' } };
    const created = await store.users.createRole({
      code: 'auditor',
      name: 'Auditor',
      grants,
      manage: false,
    });
    expect(created).toEqual({
      ok: true,
      role: { id: expect.any(Number), code: 'auditor', name: 'Auditor', grants, manage: false },
    });
    if (!created.ok) return;
    const { role } = created;
    expect(
      await store.users.createRole({ code: 'auditor', name: 'Again', grants: {}, manage: true }),
    ).toEqual({ ok: false, problem: 'code-taken' });
    const wider: Grants = { leads: { read: 'all' }, deals: { read: 'all', export: 'all' } };
    expect(
      await store.users.updateRole(role.id, { name: 'Auditors', grants: wider, manage: true }),
    ).toEqual({
      ok: true,
      role: { ...role, name: 'Auditors', grants: wider, manage: true },
    });
    expect(await store.users.updateRole(role.id, {})).toMatchObject({
      ok: true,
      role: { name: 'Auditors' },
    });
    expect(await store.users.updateRole(987_654, { name: 'Nobody' })).toEqual({
      ok: false,
      problem: 'no-role',
    });

    const auditor = await user({ email: 'auditor@example.com', roles: ['auditor'] });
    expect(auditor.roles).toEqual(['auditor']);
    expect(await store.users.deleteRole(role.id)).toEqual({ ok: false, problem: 'in-use' });
    await store.users.updateUser(auditor.id, { roles: ['operator'] });
    expect(await store.users.deleteRole(role.id)).toEqual({ ok: true });
    expect(await store.users.deleteRole(role.id)).toEqual({ ok: false, problem: 'no-role' });
    expect((await store.users.listRoles()).map((r) => r.code)).toEqual([
      'operator',
      'supervisor',
      'admin',
    ]);
  });

  it('binds an API key to a user, or to nobody (an integration)', async () => {
    const kim = await user({ email: 'kim@example.com' });
    const bound = await store.users.createApiKey({
      name: 'kim’s script',
      role: 'operator',
      prefix: 'lw_kim',
      hash: 'a'.repeat(64),
      userId: kim.id,
    });
    const free = await store.users.createApiKey({
      name: 'crm',
      role: 'intake',
      prefix: 'lw_crm',
      hash: 'b'.repeat(64),
    });
    expect(await store.users.activeKeyById(bound)).toMatchObject({
      userId: kim.id,
      name: 'kim’s script',
    });
    expect(await store.users.activeKeyByHash('b'.repeat(64))).toMatchObject({
      id: free,
      userId: null,
    });
    expect((await store.users.listApiKeys()).map((k) => [k.id, k.userId])).toEqual([
      [bound, kim.id],
      [free, null],
    ]);
    expect(await store.users.userExists(kim.id)).toBe(true);
    expect(await store.users.unknownUsers([kim.id, 987_654])).toEqual([987_654]);
  });
});
