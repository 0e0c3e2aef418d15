/**
 * Duplicates and merges over the operator API, on the test's store: candidates with reasons,
 * pairs in pages, "not a duplicate", a merge with picked values, its undo (and an undo refused
 * after a later change), the automatic merge of an identical client, and permissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { newApiKey } from '../../core/api-keys.ts';
import { startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  system = await startSystem({ label: 'duplicates-api' });
});
afterAll(() => system.close());

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function request(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${system.baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const asAdmin = (method: string, path: string, body?: unknown) =>
  request(method, path, body, { authorization: `Bearer ${system.apiKey}` });

/** An API key acting as a new user with `roles`: that user's permissions. */
async function keyOf(email: string, roles: string[]) {
  const written = await system.store.users.createUser({
    name: email.split('@')[0] ?? email,
    email,
    roles,
    departmentId: null,
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!written.ok) throw new Error(written.problem);
  const { key, prefix, hash } = newApiKey();
  await system.store.users.createApiKey({
    name: email,
    role: 'operator',
    prefix,
    hash,
    userId: written.user.id,
  });
  return {
    user: written.user,
    as: (method: string, path: string, body?: unknown) =>
      request(method, path, body, { authorization: `Bearer ${key}` }),
  };
}

async function newClient(body: Record<string, unknown>): Promise<Answer> {
  const created = await asAdmin('POST', '/api/v1/clients', body);
  expect(created.status).toBe(201);
  return created;
}

describe('duplicates over the API', () => {
  let ana: number;
  let anna: number;
  let pedro: number;

  it('answers a created client with who else it may be, and why', async () => {
    ana = Number((await newClient({ name: 'Ana García', phones: ['+34 600 111 222'] })).body.id);
    anna = Number(
      (await newClient({ name: 'Anna Garcia', emails: ['anna@dup-api.test'] })).body.id,
    );
    const third = await newClient({
      name: 'Pedro Ruiz',
      phones: ['600 111 222'],
      country: 'ES',
    });
    pedro = Number(third.body.id);
    expect(third.body.duplicates).toEqual([
      expect.objectContaining({ id: ana, reasons: [{ kind: 'phone', value: '+34600111222' }] }),
    ]);
    expect(third.body.mergedInto).toBeUndefined();
  });

  it('lists one record’s candidates and every pair, and validates the query', async () => {
    const one = await asAdmin('GET', `/api/v1/duplicates?entity=client&id=${ana}`);
    expect(one.status).toBe(200);
    expect((one.body.candidates as { id: number }[]).map((c) => c.id)).toEqual([pedro, anna]);
    const pairs = await asAdmin('GET', '/api/v1/duplicates?entity=client&limit=50');
    expect(pairs.body.pairs).toHaveLength(2);
    expect(pairs.body.nextCursor).toBeNull();
    expect((await asAdmin('GET', '/api/v1/duplicates?entity=deal')).status).toBe(400);
    expect((await asAdmin('GET', '/api/v1/duplicates?entity=client&id=999999')).status).toBe(404);
  });

  it('remembers "not a duplicate" for a suggested pair only', async () => {
    expect(
      (await asAdmin('POST', '/api/v1/duplicates/dismiss', { entity: 'client', ids: [anna, ana] }))
        .status,
    ).toBe(204);
    const one = await asAdmin('GET', `/api/v1/duplicates?entity=client&id=${ana}`);
    expect((one.body.candidates as { id: number }[]).map((c) => c.id)).toEqual([pedro]);
    const unrelated = await asAdmin('POST', '/api/v1/duplicates/dismiss', {
      entity: 'client',
      ids: [anna, pedro],
    });
    expect(unrelated.status).toBe(404);
  });

  it('previews and merges with the picked values, then undoes it exactly', async () => {
    const preview = await asAdmin(
      'GET',
      `/api/v1/merges/preview?entity=client&survivorId=${ana}&mergedId=${pedro}`,
    );
    expect(preview.body).toMatchObject({
      conflicts: [{ field: 'name', survivor: 'Ana García', merged: 'Pedro Ruiz' }],
      automatic: false,
    });
    const before = await asAdmin('GET', `/api/v1/clients/${ana}`);
    const merged = await asAdmin('POST', '/api/v1/merges', {
      entity: 'client',
      survivorId: ana,
      mergedId: pedro,
      picks: { name: 'merged' },
    });
    expect(merged.status).toBe(201);
    const after = await asAdmin('GET', `/api/v1/clients/${ana}`);
    expect(after.body.name).toBe('Pedro Ruiz');
    expect((await asAdmin('GET', `/api/v1/clients/${pedro}`)).status).toBe(200);
    const listed = await asAdmin('GET', '/api/v1/clients?limit=200');
    expect((listed.body.clients as { id: number }[]).map((c) => c.id)).not.toContain(pedro);

    const undone = await asAdmin('POST', `/api/v1/merges/${String(merged.body.id)}/undo`);
    expect(undone.status).toBe(200);
    const restored = await asAdmin('GET', `/api/v1/clients/${ana}`);
    expect({ ...restored.body, timeline: [] }).toEqual({ ...before.body, timeline: [] });
    const again = await asAdmin('POST', `/api/v1/merges/${String(merged.body.id)}/undo`);
    expect(again).toMatchObject({ status: 409, body: { error: 'already_undone' } });
  });

  it('refuses an undo after a later change and says what changed', async () => {
    const merged = await asAdmin('POST', '/api/v1/merges', {
      entity: 'client',
      survivorId: ana,
      mergedId: pedro,
      picks: {},
    });
    await asAdmin('PATCH', `/api/v1/clients/${ana}`, { company: 'Acme' });
    const undone = await asAdmin('POST', `/api/v1/merges/${String(merged.body.id)}/undo`);
    expect(undone.status).toBe(409);
    expect(undone.body).toMatchObject({
      error: 'undo_blocked',
      details: [{ path: `client ${ana} company`, message: expect.stringContaining('"Acme"') }],
    });
  });

  it('refuses bad merges', async () => {
    const same = await asAdmin('POST', '/api/v1/merges', {
      entity: 'client',
      survivorId: anna,
      mergedId: anna,
    });
    expect(same.status).toBe(422);
    const field = await asAdmin('POST', '/api/v1/merges', {
      entity: 'client',
      survivorId: anna,
      mergedId: ana,
      picks: { password: 'merged' },
    });
    expect(field.status).toBe(422);
    const gone = await asAdmin('POST', '/api/v1/merges', {
      entity: 'client',
      survivorId: anna,
      mergedId: pedro,
    });
    expect(gone.status).toBe(404);
  });

  it('merges a new client that agrees with a known one on everything at once', async () => {
    const first = await newClient({ name: 'Luis Gómez', emails: ['luis@dup-api.test'] });
    const second = await newClient({ name: 'Luis Gómez', emails: ['LUIS@dup-api.test'] });
    expect(second.body).toMatchObject({ mergedInto: first.body.id });
    const third = await newClient({ name: 'Luis G. Otero', emails: ['luis@dup-api.test'] });
    expect(third.body.mergedInto).toBeUndefined();
  });

  it('keeps duplicates and merges within the operator’s scope', async () => {
    const olga = await keyOf('olga@dup-api.test', ['operator']);
    const mine = await newClient({
      name: 'Marta Vidal',
      phones: ['+34 622 000 111'],
      responsibleId: olga.user.id,
    });
    const alsoMine = await newClient({
      name: 'Marta Vidal Soler',
      phones: ['+34 622 000 111'],
      responsibleId: olga.user.id,
    });
    const others = await newClient({ name: 'Marta Vidal', phones: ['+34 622 000 111'] });
    const seen = await olga.as(
      'GET',
      `/api/v1/duplicates?entity=client&id=${String(mine.body.id)}`,
    );
    expect((seen.body.candidates as { id: number }[]).map((c) => c.id)).toEqual([alsoMine.body.id]);
    const theirs = await olga.as('POST', '/api/v1/merges', {
      entity: 'client',
      survivorId: mine.body.id,
      mergedId: others.body.id,
    });
    expect(theirs.status).toBe(404);
    const own = await olga.as('POST', '/api/v1/merges', {
      entity: 'client',
      survivorId: mine.body.id,
      mergedId: alsoMine.body.id,
      picks: { name: 'merged' },
    });
    expect(own.status).toBe(201);
    expect((await olga.as('POST', `/api/v1/merges/${String(own.body.id)}/undo`)).status).toBe(200);
  });
});
