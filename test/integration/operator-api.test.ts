/**
 * The operator's API over HTTP, on the test's store: signing in (sessions, CSRF, the failure
 * limits), the permission matrix (roles × scopes × actions × entities), and the lead lifecycle
 * end to end — a new person's simple lead converted into a contact and a deal, the same person
 * writing again from a phone linked to them as a repeat lead for the contact's responsible, and
 * that repeat lead converting into a deal and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { ACTIONS, ENTITIES, SCOPES, type Scope } from '../../core/permissions.ts';
import { createApiKey, startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  system = await startSystem({ label: 'operator-api' });
  await system.startInProcessWorker();
});
afterAll(() => system.close());

interface Answer {
  status: number;
  body: Record<string, unknown> & { leads?: { id: number }[] };
  headers: Headers;
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
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

const asAdmin = (method: string, path: string, body?: unknown) =>
  request(method, path, body, { authorization: `Bearer ${system.apiKey}` });

async function newUser(email: string, roles: string[], departmentId: number | null = null) {
  const written = await system.store.users.createUser({
    name: email.split('@')[0] ?? email,
    email,
    roles,
    departmentId,
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!written.ok) throw new Error(written.problem);
  return written.user;
}

/** A signed-in browser: its cookie and CSRF token on every request, from our own origin. */
async function signIn(email: string) {
  const opened = await request('POST', '/api/v1/session', { email, password: PASSWORD });
  expect(opened.status).toBe(201);
  const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const csrf = String(opened.body.csrfToken);
  return (method: string, path: string, body?: unknown) =>
    request(method, path, body, { cookie, 'x-csrf-token': csrf, origin: system.baseUrl });
}

async function intake(body: Record<string, unknown>): Promise<number> {
  const res = await asAdmin('POST', '/api/v1/leads?wait=true', body);
  expect(res.body.status).toBe('done');
  return Number(res.body.leadId);
}

describe('signing in', () => {
  it('opens a server-side session that needs its CSRF token and our origin to change anything', async () => {
    await newUser('ana@crm.test', ['operator']);
    const wrong = await request('POST', '/api/v1/session', {
      email: 'ana@crm.test',
      password: 'not it at all',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const opened = await request('POST', '/api/v1/session', {
      email: ' ANA@crm.test',
      password: PASSWORD,
    });
    expect(opened.status).toBe(201);
    const setCookie = opened.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^lw_session=[\w-]{40,};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    const cookie = setCookie.split(';')[0] ?? '';
    const csrf = String(opened.body.csrfToken);

    const me = await request('GET', '/api/v1/session', undefined, { cookie });
    expect(me.body).toMatchObject({
      via: 'session',
      csrfToken: csrf,
      user: { email: 'ana@crm.test' },
    });
    expect(me.body.permissions).toMatchObject({
      manage: false,
      scopes: { leads: { read: 'own' } },
    });

    const note = { text: 'called, no answer' };
    const leadId = await intake({ email: 'csrf@example.com', message: 'hi' });
    // Without the token, or from another site, a cookie changes nothing.
    const bare = await request('POST', `/api/v1/leads/${leadId}/notes`, note, { cookie });
    expect(bare.status).toBe(403);
    const foreign = await request('POST', `/api/v1/leads/${leadId}/notes`, note, {
      cookie,
      'x-csrf-token': csrf,
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
    const crossSite = await request('POST', `/api/v1/leads/${leadId}/notes`, note, {
      cookie,
      'x-csrf-token': csrf,
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.status).toBe(403);
    // A sign-in posted from another site is refused (login CSRF).
    const planted = await request(
      'POST',
      '/api/v1/session',
      { email: 'ana@crm.test', password: PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(planted.status).toBe(403);
    // A form post under no-referrer says `Origin: null`: the browser's Sec-Fetch-Site decides.
    const nullOrigin = await request('POST', `/api/v1/leads/${leadId}/notes`, note, {
      cookie,
      'x-csrf-token': csrf,
      origin: 'null',
      'sec-fetch-site': 'cross-site',
    });
    expect(nullOrigin.status).toBe(403);
    const ours = await request('POST', `/api/v1/leads/${leadId}/notes`, note, {
      cookie,
      'x-csrf-token': csrf,
      origin: 'null',
      'sec-fetch-site': 'same-origin',
    });
    expect(ours.status).toBe(404); // signed in fine, but the lead is not Ana's

    // Signing out ends the session on the server: the cookie is worth nothing afterwards.
    const out = await request('DELETE', '/api/v1/session', undefined, {
      cookie,
      'x-csrf-token': csrf,
      origin: system.baseUrl,
    });
    expect(out.status).toBe(204);
    expect((await request('GET', '/api/v1/session', undefined, { cookie })).status).toBe(401);
  });

  it('a deactivated user is signed out at once; an API key acting as a user has their rights', async () => {
    const user = await newUser('leaving@crm.test', ['operator']);
    const session = await signIn('leaving@crm.test');
    expect((await session('GET', '/api/v1/leads')).status).toBe(200);
    const bound = await createApiKey(system.store, 'as leaving', 'operator');
    await system.store.users.revokeApiKey(bound.id, new Date());
    const { newApiKey } = await import('../../core/api-keys.ts');
    const key = newApiKey();
    await system.store.users.createApiKey({
      name: 'acting',
      role: 'operator',
      prefix: key.prefix,
      hash: key.hash,
      userId: user.id,
    });
    const mine = await intake({ email: 'acting@example.com', message: 'hello' });
    const asKey = (path: string) =>
      request('GET', path, undefined, { authorization: `Bearer ${key.key}` });
    // The user's scope is `own`: a lead of nobody's queue is not theirs.
    expect((await asKey(`/api/v1/leads/${mine}`)).status).toBe(404);
    await asAdmin('PATCH', `/api/v1/leads/${mine}`, { responsibleId: user.id });
    expect((await asKey(`/api/v1/leads/${mine}`)).status).toBe(200);

    expect((await asAdmin('PATCH', `/api/v1/users/${user.id}`, { active: false })).status).toBe(
      200,
    );
    expect((await session('GET', '/api/v1/leads')).status).toBe(401);
    expect((await asKey(`/api/v1/leads/${mine}`)).status).toBe(401);
  });
});

describe('permissions: roles × scopes × actions × entities', () => {
  it('each scope reaches exactly its records, for every entity and action; out of scope is 404', async () => {
    const root = await asAdmin('POST', '/api/v1/departments', { name: 'Sales' });
    const team = await asAdmin('POST', '/api/v1/departments', {
      name: 'Sales Madrid',
      parentId: root.body.id,
    });
    const elsewhere = await asAdmin('POST', '/api/v1/departments', { name: 'Support' });
    const grant = (scope: Scope) =>
      Object.fromEntries(
        ENTITIES.map((entity) => [entity, Object.fromEntries(ACTIONS.map((a) => [a, scope]))]),
      );
    for (const scope of SCOPES) {
      const role = await asAdmin('POST', '/api/v1/roles', {
        code: `only-${scope}`,
        name: scope,
        grants: grant(scope),
      });
      expect(role.status).toBe(201);
    }
    // Each tester heads Sales (so department scope covers Sales Madrid under it).
    const colleague = await newUser('colleague@matrix.test', ['operator'], Number(team.body.id));
    const stranger = await newUser('stranger@matrix.test', ['operator'], Number(elsewhere.body.id));

    for (const scope of SCOPES) {
      const tester = await newUser(`${scope}@matrix.test`, [`only-${scope}`], Number(root.body.id));
      const as = await signIn(`${scope}@matrix.test`);
      const owners = { own: tester.id, colleague: colleague.id, stranger: stranger.id };
      const reach: Record<keyof typeof owners, boolean> = {
        own: scope !== 'none',
        colleague: scope === 'department' || scope === 'all',
        stranger: scope === 'all',
      };
      for (const [who, ownerId] of Object.entries(owners) as [keyof typeof owners, number][]) {
        const leadId = await intake({ email: `${scope}-${who}@people.test`, message: 'hi' });
        await asAdmin('PATCH', `/api/v1/leads/${leadId}`, { responsibleId: ownerId });
        const client = await asAdmin('POST', '/api/v1/clients', {
          name: `${scope} ${who}`,
          responsibleId: ownerId,
        });
        const deal = await asAdmin('POST', '/api/v1/deals', {
          title: `${scope} ${who}`,
          responsibleId: ownerId,
        });
        const records = {
          leads: [leadId, { title: 'renamed' }],
          clients: [client.body.id, { name: 'renamed' }],
          deals: [deal.body.id, { title: 'renamed' }],
        } as const;
        for (const [entity, [id, change]] of Object.entries(records)) {
          const expected = reach[who] ? 200 : 404;
          const label = `${scope} → ${who}'s ${entity}`;
          expect((await as('GET', `/api/v1/${entity}/${id}`)).status, `read ${label}`).toBe(
            expected,
          );
          expect(
            (await as('PATCH', `/api/v1/${entity}/${id}`, change)).status,
            `update ${label}`,
          ).toBe(expected);
          const listed = await as('GET', `/api/v1/${entity}?limit=200`);
          const ids = ((listed.body[entity] as { id: number }[] | undefined) ?? []).map(
            (r) => r.id,
          );
          expect(ids.includes(Number(id)), `list ${label}`).toBe(reach[who]);
        }
        // Activities: a call booked on the lead for its responsible.
        const call = await asAdmin('POST', '/api/v1/activities', {
          leadId,
          kind: 'call',
          subject: `call ${scope} ${who}`,
          dueAt: '2026-07-01T10:00:00Z',
        });
        const todo = await as('GET', '/api/v1/activities?limit=500');
        const seen = (todo.body.activities as { id: number }[]).map((a) => a.id);
        expect(seen.includes(Number(call.body.id)), `list ${scope} → ${who}'s activity`).toBe(
          reach[who],
        );
        const done = await as('POST', `/api/v1/activities/${call.body.id}/complete`);
        expect(done.status, `complete ${scope} → ${who}'s activity`).toBe(reach[who] ? 200 : 404);
      }
      // A department filter takes the departments under it too.
      const inSales = await asAdmin('GET', `/api/v1/leads?departmentId=${root.body.id}&limit=200`);
      const salesOwners = new Set(
        (inSales.body.leads as unknown as { responsibleId: number }[]).map((l) => l.responsibleId),
      );
      expect(salesOwners.has(colleague.id)).toBe(true);
      expect(salesOwners.has(stranger.id)).toBe(false);
      // Creating: any scope but none may create clients and deals.
      const created = await as('POST', '/api/v1/deals', { title: `made by ${scope}` });
      expect(created.status).toBe(scope === 'none' ? 403 : 201);
      // Administration needs a role that manages; none of these does.
      expect(
        (await as('POST', '/api/v1/roles', { code: `x-${scope}`, name: 'x', grants: {} })).status,
      ).toBe(403);
    }
  });

  it('an operator also works the unassigned leads of the queues they are in, not of others', async () => {
    const operator = await newUser('queue@matrix.test', ['operator']);
    const leadId = await intake({ email: 'unassigned@people.test', message: 'anyone?' });
    const as = await signIn('queue@matrix.test');
    expect((await as('GET', `/api/v1/leads/${leadId}`)).status).toBe(404);
    await system.store.users.addToQueue(1, operator.id);
    expect((await as('GET', `/api/v1/leads/${leadId}`)).status).toBe(200);
    const unassigned = await as('GET', '/api/v1/leads?unassigned=true');
    expect(unassigned.body.leads?.map((lead) => lead.id)).toContain(leadId);
  });
});

describe('the lead lifecycle', () => {
  it('simple lead → contact and deal → the person writes from a linked phone → repeat lead → deal only', async () => {
    const owner = await newUser('owner@life.test', ['operator']);
    const as = await signIn('owner@life.test');
    const first = await intake({
      email: 'Marta.Lopez@Example.com',
      message: 'Need a quote',
      name: 'Marta López',
    });
    await asAdmin('PATCH', `/api/v1/leads/${first}`, { responsibleId: owner.id });
    const lead = await as('GET', `/api/v1/leads/${first}`);
    expect(lead.body).toMatchObject({ type: 'simple', open: true, responsibleId: owner.id });

    // A note and a stage change go on the lead's timeline with who did it.
    expect(
      (await as('POST', `/api/v1/leads/${first}/notes`, { text: 'wants 20 seats' })).status,
    ).toBe(201);
    expect((await as('PATCH', `/api/v1/leads/${first}`, { stage: 'IN_PROCESS' })).status).toBe(200);

    // A repeat-only rule: a simple lead converts into any combination.
    const converted = await as('POST', `/api/v1/leads/${first}/convert`, {
      contact: {},
      deal: { amount: 1200, currency: 'eur' },
    });
    expect(converted.status).toBe(201);
    const contactId = Number(converted.body.contactId);
    expect(converted.body).toMatchObject({
      clientId: contactId,
      lead: { stage: 'CONVERTED', open: false },
    });

    const client = await as('GET', `/api/v1/clients/${contactId}`);
    expect(client.body).toMatchObject({ name: 'Marta López', responsibleId: owner.id });
    expect((client.body.identities as { key: string }[]).map((i) => i.key)).toEqual([
      'email:marta.lopez@example.com',
    ]);
    expect((client.body.deals as { amount: number; currency: string }[])[0]).toMatchObject({
      amount: 1200,
      currency: 'EUR',
    });
    expect((client.body.leads as { id: number }[]).map((l) => l.id)).toContain(first);

    const history = await as('GET', `/api/v1/leads/${first}`);
    const timeline = history.body.timeline as { action: string; userId: number | null }[];
    // The admin key assigned it (no user); the owner did the rest.
    expect(timeline.map((entry) => [entry.action, entry.userId])).toEqual([
      ['assigned', null],
      ['note_added', owner.id],
      ['stage_changed', owner.id],
      ['converted', owner.id],
    ]);
    const events = await asAdmin('GET', '/api/v1/events?limit=1000');
    const types = (events.body.events as { type: string; leadId: number }[])
      .filter((event) => event.leadId === first)
      .map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'lead.note_added',
        'lead.stage_changed',
        'client.created',
        'deal.created',
        'lead.converted',
      ]),
    );

    // The operator links the person's phone to the contact; they write from it.
    const linked = await as('PATCH', `/api/v1/clients/${contactId}`, {
      add: { phones: ['+34 600 111 222'] },
    });
    expect(linked.status).toBe(200);
    const again = await intake({ phone: '600111222', message: 'Hi, it is Marta again' });
    const repeat = await as('GET', `/api/v1/leads/${again}`);
    expect(repeat.body).toMatchObject({
      type: 'repeat',
      clientId: contactId,
      responsibleId: owner.id,
      open: true,
    });
    // Search finds both leads of the person, whichever way the address is spelled.
    const found = await as('GET', '/api/v1/leads?email=marta.lopez%2Btag@EXAMPLE.com');
    expect(found.body.leads?.map((l) => l.id).sort()).toEqual([first, again].sort());
    const byPhone = await as('GET', '/api/v1/leads?phone=%2B34600111222&open=true');
    expect(byPhone.body.leads?.map((l) => l.id)).toEqual([again]);

    // A repeat lead converts only into a deal for its client.
    for (const body of [{ contact: {} }, { company: { name: 'X' } }, { clientId: contactId }, {}]) {
      const refused = await as('POST', `/api/v1/leads/${again}/convert`, body);
      expect(refused.status, JSON.stringify(body)).toBe(422);
    }
    const deal = await as('POST', `/api/v1/leads/${again}/convert`, { deal: { title: 'Renewal' } });
    expect(deal.status).toBe(201);
    expect(deal.body).toMatchObject({ clientId: contactId, contactId: null, companyId: null });
    const deals = await as('GET', `/api/v1/deals?clientId=${contactId}`);
    expect((deals.body.deals as { title: string }[]).map((d) => d.title).sort()).toEqual([
      'Marta López (API)',
      'Renewal',
    ]);
    // A closed lead converts no more.
    expect((await as('POST', `/api/v1/leads/${again}/convert`, { deal: {} })).status).toBe(409);
  });

  it('automatic assignment skips operators at capacity; when all are full the lead says so', async () => {
    // The queue of the REST channel gets one operator who takes one open lead at most.
    const others = await asAdmin('GET', '/api/v1/users?active=true');
    for (const user of others.body.users as { id: number }[])
      await asAdmin('PATCH', `/api/v1/users/${user.id}`, { active: false });
    const busy = await newUser('busy@life.test', ['operator']);
    await asAdmin('PATCH', `/api/v1/users/${busy.id}`, { capacity: 1 });
    await system.store.users.addToQueue(1, busy.id);
    const first = await intake({ email: 'cap1@people.test', message: 'one' });
    expect((await asAdmin('GET', `/api/v1/leads/${first}`)).body).toMatchObject({
      responsibleId: busy.id,
      unassigned: null,
    });
    const second = await intake({ email: 'cap2@people.test', message: 'two' });
    expect((await asAdmin('GET', `/api/v1/leads/${second}`)).body).toMatchObject({
      responsibleId: null,
      unassigned: 'capacity',
    });
    const waiting = await asAdmin('GET', '/api/v1/leads?unassigned=true&open=true');
    expect(waiting.body.leads?.map((lead) => lead.id)).toContain(second);
    // Closing a lead makes room again; assigning by hand clears the mark.
    await asAdmin('PATCH', `/api/v1/leads/${first}`, { junkReason: 'OTHER' });
    const third = await intake({ email: 'cap3@people.test', message: 'three' });
    expect((await asAdmin('GET', `/api/v1/leads/${third}`)).body).toMatchObject({
      responsibleId: busy.id,
    });
    const handed = await asAdmin('PATCH', `/api/v1/leads/${second}`, { responsibleId: busy.id });
    expect(handed.body).toMatchObject({ responsibleId: busy.id, unassigned: null });
  });

  it('offers the existing client instead of creating a second one, and junks with a reason', async () => {
    const known = await asAdmin('POST', '/api/v1/clients', {
      name: 'Known',
      emails: ['known@people.test'],
    });
    // A simple lead that shares the client's address (made before the client knew it).
    const leadId = await intake({ email: 'late@people.test', message: 'hello' });
    await asAdmin('PATCH', `/api/v1/clients/${known.body.id}`, {
      add: { emails: ['late@people.test'] },
    });
    const offered = await asAdmin('POST', `/api/v1/leads/${leadId}/convert`, { contact: {} });
    expect(offered.status).toBe(409);
    expect((offered.body.candidates as { id: number }[]).map((c) => c.id)).toEqual([known.body.id]);
    // An operator is offered a client they may not read by its id alone, and cannot join it.
    const seller = await newUser('seller@life.test', ['operator']);
    await asAdmin('PATCH', `/api/v1/leads/${leadId}`, { responsibleId: seller.id });
    const asSeller = await signIn('seller@life.test');
    const hidden = await asSeller('POST', `/api/v1/leads/${leadId}/convert`, { contact: {} });
    expect(hidden.body.candidates).toEqual([{ id: known.body.id, readable: false }]);
    const notTheirs = await asSeller('POST', `/api/v1/leads/${leadId}/convert`, {
      clientId: known.body.id,
    });
    expect(notTheirs.status).toBe(422);
    const foreignDeal = await asSeller('POST', '/api/v1/deals', {
      title: 'on a client not mine',
      clientId: known.body.id,
    });
    expect(foreignDeal.status).toBe(422);
    const joined = await asAdmin('POST', `/api/v1/leads/${leadId}/convert`, {
      clientId: known.body.id,
    });
    expect(joined.status).toBe(201);

    const junk = await intake({ email: 'spam@people.test', message: 'buy now' });
    expect((await asAdmin('PATCH', `/api/v1/leads/${junk}`, { junkReason: 'NOPE' })).status).toBe(
      422,
    );
    const junked = await asAdmin('PATCH', `/api/v1/leads/${junk}`, { junkReason: 'SPAM' });
    expect(junked.body).toMatchObject({ stage: 'JUNK', open: false, junkReason: 'SPAM' });
    // A NUL typed into a field is dropped, on both stores (PostgreSQL cannot keep it).
    const nul = await asAdmin('PATCH', `/api/v1/leads/${junk}`, { title: 'Spam\u0000 offer' });
    expect(nul.status).toBe(200);
    // SQLite keeps it as typed; PostgreSQL drops it.
    expect(['Spam\u0000 offer', 'Spam offer']).toContain(nul.body.title);
    const badSignIn = await request('POST', '/api/v1/session', {
      email: 'a\u0000@crm.test',
      password: 'whatever it is',
    });
    expect(badSignIn.status).toBe(401);
    // A cursor of another sort is refused, never read as the first page.
    expect((await asAdmin('GET', '/api/v1/leads?sort=updated&cursor=12')).status).toBe(400);
    expect((await asAdmin('GET', '/api/v1/activities?bogus=1')).status).toBe(400);
    // Unknown filters are refused, never ignored.
    expect((await asAdmin('GET', '/api/v1/leads?stagee=JUNK')).status).toBe(400);
    const listed = await asAdmin('GET', '/api/v1/leads?stage=JUNK&open=false');
    expect(listed.body.leads?.map((l) => l.id)).toContain(junk);
  });
});

describe('stages and custom fields', () => {
  it('stages are listed, created, renamed, reordered and deleted with their leads moved', async () => {
    const operator = await newUser('stager@crm.test', ['operator']);
    const as = await signIn('stager@crm.test');
    expect(
      (await as('POST', '/api/v1/stages', { code: 'X', name: 'X', semantics: 'process' })).status,
    ).toBe(403);

    const created = await asAdmin('POST', '/api/v1/stages', {
      code: 'QUALIFIED',
      name: 'Qualified',
      semantics: 'process',
    });
    expect(created.status).toBe(201);
    expect(
      (
        await asAdmin('POST', '/api/v1/stages', {
          code: 'QUALIFIED',
          name: 'Again',
          semantics: 'process',
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await asAdmin('POST', '/api/v1/stages', {
          code: 'not ok!',
          name: 'Bad',
          semantics: 'process',
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await asAdmin('POST', '/api/v1/stages', {
          code: 'A'.repeat(22),
          name: 'Long',
          semantics: 'process',
        })
      ).status,
    ).toBe(400);
    const renamed = await asAdmin('PATCH', '/api/v1/stages/QUALIFIED', { name: 'Qualified lead' });
    expect(
      (renamed.body.stages as { code: string; name: string }[]).find((s) => s.code === 'QUALIFIED')
        ?.name,
    ).toBe('Qualified lead');

    const codes = ((await as('GET', '/api/v1/stages')).body.stages as { code: string }[]).map(
      (s) => s.code,
    );
    expect(codes).toEqual(['NEW', 'IN_PROCESS', 'PROCESSED', 'CONVERTED', 'JUNK', 'QUALIFIED']);
    const order = ['NEW', 'QUALIFIED', 'IN_PROCESS', 'PROCESSED', 'CONVERTED', 'JUNK'];
    const reordered = await asAdmin('PUT', '/api/v1/stages/order', { codes: order });
    expect((reordered.body.stages as { code: string }[]).map((s) => s.code)).toEqual(order);
    expect((await asAdmin('PUT', '/api/v1/stages/order', { codes: order.slice(1) })).status).toBe(
      422,
    );

    const leadId = await intake({ email: 'staged@people.test', message: 'hi' });
    await asAdmin('PATCH', `/api/v1/leads/${leadId}`, {
      stage: 'IN_PROCESS',
      responsibleId: operator.id,
    });
    expect((await asAdmin('DELETE', '/api/v1/stages/IN_PROCESS')).status).toBe(400);
    expect((await asAdmin('DELETE', '/api/v1/stages/IN_PROCESS?moveTo=NOPE')).status).toBe(422);
    const deleted = await asAdmin('DELETE', '/api/v1/stages/IN_PROCESS?moveTo=QUALIFIED');
    expect(deleted.body).toMatchObject({ moved: 1 });
    const lead = await as('GET', `/api/v1/leads/${leadId}`);
    expect(lead.body).toMatchObject({ stage: 'QUALIFIED', open: true });
    expect((lead.body.timeline as { action: string; after: unknown }[]).at(-1)).toMatchObject({
      action: 'stage_changed',
      after: { stage: 'QUALIFIED', reason: 'stage deleted' },
    });
    // New leads start in NEW; one stage of each semantics always remains.
    expect((await asAdmin('DELETE', '/api/v1/stages/NEW?moveTo=QUALIFIED')).body.error).toBe(
      'initial_stage',
    );
    expect((await asAdmin('DELETE', '/api/v1/stages/CONVERTED?moveTo=JUNK')).body.error).toBe(
      'last_of_its_kind',
    );
    // Deals have stages of their own, with the same rules.
    const won = await asAdmin('POST', '/api/v1/deals', { title: 'Big one', stage: 'NEGOTIATION' });
    const movedDeals = await asAdmin('DELETE', '/api/v1/deal-stages/NEGOTIATION?moveTo=WON');
    expect(movedDeals.body).toMatchObject({ moved: 1 });
    expect((await asAdmin('GET', `/api/v1/deals/${won.body.id}`)).body).toMatchObject({
      stage: 'WON',
      open: false,
    });
    expect((await asAdmin('DELETE', '/api/v1/deal-stages/LOSE?moveTo=WON')).body.error).toBe(
      'last_of_its_kind',
    );
    // Every moved record says so on its timeline and in the events feed.
    expect(
      ((await asAdmin('GET', `/api/v1/deals/${won.body.id}`)).body.timeline as { action: string }[])
        .map((entry) => entry.action)
        .at(-1),
    ).toBe('stage_changed');
    const feed = (await asAdmin('GET', '/api/v1/events?type=lead.stage_changed&limit=1000')).body
      .events as { leadId: number; payload: { to: string; reason?: string } }[];
    expect(feed.filter((event) => event.leadId === leadId).at(-1)?.payload).toMatchObject({
      to: 'QUALIFIED',
      reason: 'stage deleted',
    });
  });

  it('custom fields are defined per entity and every value is checked, kept canonical and on the timeline', async () => {
    const define = (body: Record<string, unknown>) =>
      asAdmin('POST', '/api/v1/custom-fields', body);
    expect(
      (await define({ entity: 'lead', key: 'budget', label: 'Budget', type: 'money' })).status,
    ).toBe(201);
    expect(
      (await define({ entity: 'lead', key: 'budget', label: 'Again', type: 'number' })).status,
    ).toBe(409);
    expect(
      (await define({ entity: 'lead', key: 'size', label: 'Size', type: 'list' })).status,
    ).toBe(400);
    await define({
      entity: 'lead',
      key: 'size',
      label: 'Size',
      type: 'list',
      options: ['S', 'M', 'L'],
    });
    await define({ entity: 'lead', key: 'visit', label: 'Visit', type: 'date' });
    await define({ entity: 'lead', key: 'mobile', label: 'Mobile', type: 'phone' });
    await define({
      entity: 'deal',
      key: 'renewal',
      label: 'Renewal',
      type: 'boolean',
      required: true,
    });

    const leadId = await intake({ email: 'custom@people.test', message: 'hi' });
    const set = (custom: Record<string, unknown>) =>
      asAdmin('PATCH', `/api/v1/leads/${leadId}`, { custom });
    const ok = await set({
      budget: { amount: 1500, currency: 'eur' },
      size: 'M',
      mobile: '600 123 456',
      visit: '2026-03-01',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.custom).toEqual({
      budget: { amount: 1500, currency: 'EUR' },
      size: 'M',
      mobile: '+34600123456',
      visit: '2026-03-01',
    });
    const wrong = await set({ size: 'XL', visit: '2026-02-30', budget: 12, nope: 1 });
    expect(wrong.status).toBe(422);
    expect((wrong.body.details as { path: string }[]).map((d) => d.path).sort()).toEqual([
      'custom.budget',
      'custom.nope',
      'custom.size',
      'custom.visit',
    ]);
    // Filterable, in the field's own form: any spelling of the phone finds it.
    const byField = async (query: string) =>
      ((await asAdmin('GET', `/api/v1/leads?${query}`)).body.leads ?? []).map((lead) => lead.id);
    expect(await byField('custom.size=M')).toEqual([leadId]);
    expect(await byField('custom.size=L')).toEqual([]);
    expect(await byField('custom.mobile=600%20123%20456')).toEqual([leadId]);
    expect(await byField('custom.visit=2026-03-01&custom.size=M')).toEqual([leadId]);
    const badFilter = await asAdmin('GET', '/api/v1/leads?custom.size=XL&custom.nope=1');
    expect(badFilter.status).toBe(400);
    expect((badFilter.body.details as { path: string }[]).map((d) => d.path)).toEqual([
      'custom.size',
      'custom.nope',
    ]);
    const cleared = await set({ size: null });
    expect(cleared.body.custom).not.toHaveProperty('size');
    const timeline = cleared.body.timeline as {
      action: string;
      before: { custom?: unknown };
      after: { custom?: unknown };
    }[];
    expect(timeline.at(-1)).toMatchObject({
      action: 'updated',
      before: { custom: { size: 'M' } },
      after: { custom: { size: null } },
    });

    // Form fields (and the intake's `fields`) with a custom field's key fill it, when valid.
    await define({ entity: 'lead', key: 'employees', label: 'Employees', type: 'number' });
    const fromForm = await intake({
      email: 'form@people.test',
      message: 'from the site',
      fields: { employees: '25', size: 'XXL', visit: '2026-04-02' },
    });
    const formLead = await asAdmin('GET', `/api/v1/leads/${fromForm}`);
    expect(formLead.body.custom).toEqual({ employees: 25, visit: '2026-04-02' });
    expect(formLead.body.fields).toMatchObject({ size: 'XXL' });
    // A required field must be given when a deal is made.
    expect((await asAdmin('POST', '/api/v1/deals', { title: 'No renewal said' })).status).toBe(422);
    const deal = await asAdmin('POST', '/api/v1/deals', {
      title: 'Said',
      custom: { renewal: false },
    });
    expect(deal.body).toMatchObject({ custom: { renewal: false } });
    expect(
      (await asAdmin('PATCH', `/api/v1/deals/${deal.body.id}`, { custom: { renewal: null } }))
        .status,
    ).toBe(422);
  });
});

// Last: it leaves this address over its limit of failures.
describe('the failure limits', () => {
  it('counts only credentials that were sent and wrong: per account, per address, valid ones first', async () => {
    // Thirty requests without credentials (a page of <img> tags) lock nobody out.
    for (let i = 0; i < 35; i++) expect((await request('GET', '/api/v1/leads')).status).toBe(401);
    expect((await asAdmin('GET', '/api/v1/leads')).status).toBe(200);
    await newUser('target@crm.test', ['operator']);
    for (let i = 0; i < 10; i++) {
      const guess = await request('POST', '/api/v1/session', {
        email: 'target@crm.test',
        password: `guess number ${i}`,
      });
      expect(guess.status).toBe(401);
    }
    // The account is locked for guessers, whatever they send now, right or wrong.
    const locked = await request('POST', '/api/v1/session', {
      email: 'target@crm.test',
      password: PASSWORD,
    });
    expect(locked.status).toBe(429);
    // Other accounts from the same address still sign in (the address is under its limit).
    await newUser('other@crm.test', ['operator']);
    const other = await request('POST', '/api/v1/session', {
      email: 'other@crm.test',
      password: PASSWORD,
    });
    expect(other.status).toBe(201);
    // A parallel burst cannot pass a check made before any of it failed: at most 10 are tried.
    await newUser('burst@crm.test', ['operator']);
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request('POST', '/api/v1/session', { email: 'burst@crm.test', password: `burst ${i}` }),
      ),
    );
    const tried = burst.filter((answer) => answer.status === 401).length;
    expect(tried).toBeLessThanOrEqual(10);
    expect(burst.filter((answer) => answer.status === 429).length).toBe(20 - tried);
    // Wrong keys count against the address; a valid key passes even then.
    for (let i = 0; i < 31; i++)
      await request('GET', '/api/v1/leads', undefined, { authorization: `Bearer lw_wrong${i}` });
    const guessed = await request('GET', '/api/v1/leads', undefined, {
      authorization: 'Bearer lw_wrong_again',
    });
    expect(guessed.status).toBe(429);
    expect((await asAdmin('GET', '/api/v1/leads')).status).toBe(200);
  });
});
