/**
 * The store contract, CRM part: clients (view, list, update) and deals, with the permission
 * scopes every read and write passes through, and the timeline entries and events each change
 * writes in its own transaction. Runs on SQLite, and on PostgreSQL with TEST_DATABASE=postgres.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../core/identities.ts';
import type { RecordScope } from '../../core/permissions.ts';
import type {
  ChangeContext,
  ClientFilter,
  DealFilter,
  DealPatch,
  Store,
} from '../../core/repositories/index.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { count } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
let store: Store;
let ana: number;
let bob: number;
beforeAll(async () => {
  test = await openTestStore('contract-crm');
  store = test.store;
  ana = await operator('Ana');
  bob = await operator('Bob');
});
afterAll(() => test.close());

const ALL: RecordScope = { kind: 'all' };
const NONE: RecordScope = { kind: 'none' };
const some = (...responsibleIds: number[]): RecordScope => ({
  kind: 'some',
  responsibleIds,
  unassignedChannelIds: [],
});
const email = (address: string): Identity => ({
  kind: 'email',
  key: `email:${address}`,
  raw: address,
});
const phone = (digits: string): Identity => ({
  kind: 'phone',
  key: `phone:+34${digits}`,
  raw: digits,
});
const by = (userId: number | null, iso: string): ChangeContext => ({ userId, at: new Date(iso) });

async function operator(name: string): Promise<number> {
  const written = await store.users.createUser({
    name,
    email: `${name.toLowerCase()}@crm.test`,
    roles: ['operator'],
  });
  if (!written.ok) throw new Error(`user ${name} not created: ${written.problem}`);
  return written.user.id;
}

/** A lead of the REST intake channel belonging to a client (as the ingest would have left it). */
async function addLead(clientId: number, title: string): Promise<number> {
  const row = await test.look.get<{ id: number }>(
    sql`INSERT INTO leads (type, stage, source, channel_id, client_id, title, fields, utm, updated_at)
        VALUES ('repeat', 'NEW', 'api', 1, ${clientId}, ${title}, '{}', '{}', ${test.look.at(new Date())})
        RETURNING id`,
  );
  if (!row) throw new Error('lead not stored');
  return row.id;
}

/** The id of the newest event: what a test reads the events after. */
const lastEventId = () => count(test, sql`SELECT coalesce(max(id), 0) AS n FROM events`);
const eventsAfter = async (id: number) =>
  (await store.events.list(id, undefined, 100)).map(({ type, leadId, payload }) => ({
    type,
    leadId,
    payload,
  }));
const timelineRows = () => count(test, sql`SELECT count(*) AS n FROM timeline`);

describe(`clients on the ${TEST_STORE} store`, () => {
  it('creates contacts and companies, with the timeline and event when told who', async () => {
    const mark = await lastEventId();
    const acme = await store.clients.create(
      { kind: 'company', company: 'Acme Corp', identities: [email('info@acme.test')] },
      by(ana, '2026-05-01T10:00:00Z'),
    );
    const marta = await store.clients.create(
      {
        name: 'Marta',
        company: 'Acme Corp',
        companyId: acme.id,
        responsibleId: ana,
        identities: [email('marta@acme.test'), phone('600100200')],
      },
      by(ana, '2026-05-01T10:01:00Z'),
    );
    expect(await store.clients.get(marta.id)).toMatchObject({
      kind: 'contact',
      name: 'Marta',
      companyId: acme.id,
      responsibleId: ana,
      createdAt: new Date('2026-05-01T10:01:00Z'),
      updatedAt: null,
      identities: [
        { kind: 'email', key: 'email:marta@acme.test', raw: 'marta@acme.test' },
        { kind: 'phone', key: 'phone:+34600100200', raw: '600100200' },
      ],
    });
    expect((await store.clients.get(acme.id))?.kind).toBe('company');
    expect((await store.clients.view(marta.id, ALL))?.timeline).toEqual([
      {
        id: expect.any(Number),
        entity: 'client',
        entityId: marta.id,
        userId: ana,
        action: 'created',
        before: null,
        after: {
          kind: 'contact',
          name: 'Marta',
          company: 'Acme Corp',
          companyId: acme.id,
          responsibleId: ana,
          custom: {},
        },
        at: new Date('2026-05-01T10:01:00Z'),
      },
    ]);
    // Without a context (the ingest's own clients) nothing goes on the timeline.
    const entries = await timelineRows();
    const quiet = await store.clients.create({ identities: [email('quiet@acme.test')] });
    expect((await store.clients.get(quiet.id))?.kind).toBe('company');
    expect(await timelineRows()).toBe(entries);
    expect(await eventsAfter(mark)).toEqual([
      { type: 'client.created', leadId: null, payload: { clientId: acme.id } },
      { type: 'client.created', leadId: null, payload: { clientId: marta.id } },
    ]);
  });

  it('lists by words, identity keys, responsible and kind, newest first, a page at a time', async () => {
    const olga = await store.clients.create({
      name: 'Olga Zebrova',
      company: 'Quokka Ltd',
      responsibleId: ana,
      identities: [email('olga@zebra.test'), phone('600200300')],
    });
    const ivan = await store.clients.create({
      name: 'Ivan Zebrov',
      company: 'Quokka 50%_off',
      responsibleId: bob,
      identities: [phone('600200400')],
    });
    const zebra = await store.clients.create({ company: 'ZEBRA & Co', identities: [] });
    const ids = async (filter: Partial<ClientFilter>, scope: RecordScope = ALL) =>
      (await store.clients.list({ limit: 10, ...filter }, scope)).clients.map((c) => c.id);

    expect(await ids({ q: 'zebr' })).toEqual([zebra.id, ivan.id, olga.id]);
    expect(await ids({ q: '  QUOKKA   zebr ' })).toEqual([ivan.id, olga.id]);
    expect(await ids({ q: 'olga quokka' })).toEqual([olga.id]);
    expect(await ids({ q: 'olga acme' })).toEqual([]);
    // % and _ are letters to search for, not wildcards.
    expect(await ids({ q: 'quokka 50%_off' })).toEqual([ivan.id]);
    expect(await ids({ q: 'quokka 5%f' })).toEqual([]);
    expect(await ids({ q: 'quokka L_d' })).toEqual([]);
    expect(await ids({ q: 'zebr', kind: 'company' })).toEqual([zebra.id]);
    expect(await ids({ q: 'zebr', kind: 'contact', responsibleId: bob })).toEqual([ivan.id]);
    const keys = ['email:olga@zebra.test', 'phone:+34600200400', 'email:nobody@zebra.test'];
    expect(await ids({ identityKeys: keys })).toEqual([ivan.id, olga.id]);
    expect(await ids({ identityKeys: [] })).toEqual([]);

    expect(await ids({ q: 'zebr' }, some(ana))).toEqual([olga.id]);
    expect(await ids({ q: 'zebr' }, some(ana, bob))).toEqual([ivan.id, olga.id]);
    expect(await ids({ q: 'zebr' }, some())).toEqual([]);
    expect(await ids({ q: 'zebr' }, NONE)).toEqual([]);

    const first = await store.clients.list({ q: 'zebr', limit: 2 }, ALL);
    expect(first.clients.map((c) => c.id)).toEqual([zebra.id, ivan.id]);
    expect(first.nextCursor).toBe(String(ivan.id));
    const second = await store.clients.list(
      { q: 'zebr', limit: 2, cursor: Number(first.nextCursor) },
      ALL,
    );
    expect(second.clients.map((c) => c.id)).toEqual([olga.id]);
    expect(second.nextCursor).toBeNull();
    expect((await store.clients.list({ q: 'zebr', limit: 3 }, ALL)).nextCursor).toBeNull();
    // Each client comes with its own identities.
    expect(first.clients.map((c) => c.identities.map((i) => i.key))).toEqual([
      [],
      ['phone:+34600200400'],
    ]);
    expect(second.clients[0]).toMatchObject({
      name: 'Olga Zebrova',
      identities: [
        { kind: 'email', key: 'email:olga@zebra.test', raw: 'olga@zebra.test' },
        { kind: 'phone', key: 'phone:+34600200300', raw: '600200300' },
      ],
    });
  });

  it('views a client with its leads (newest first), deals and timeline, within scope', async () => {
    const client = await store.clients.create(
      { name: 'Viktor', responsibleId: ana, identities: [email('viktor@view.test')] },
      by(ana, '2026-05-02T09:00:00Z'),
    );
    const older = await addLead(client.id, 'first order');
    const newer = await addLead(client.id, 'second order');
    const deal = await store.deals.create(
      { title: 'Viktor deal', clientId: client.id, leadId: newer },
      by(ana, '2026-05-02T09:05:00Z'),
    );
    if (!deal.ok) throw new Error(deal.problem);
    const view = await store.clients.view(client.id, ALL);
    expect(view).toMatchObject({
      id: client.id,
      name: 'Viktor',
      identities: [{ key: 'email:viktor@view.test' }],
      deals: [{ id: deal.deal.id, title: 'Viktor deal', stage: 'NEW' }],
      timeline: [{ action: 'created' }],
    });
    expect(view?.leads.map((lead) => [lead.id, lead.title])).toEqual([
      [newer, 'second order'],
      [older, 'first order'],
    ]);
    expect(await store.clients.view(client.id, some(ana))).toBeDefined();
    expect(await store.clients.view(client.id, some(bob))).toBeUndefined();
    expect(await store.clients.view(client.id, NONE)).toBeUndefined();
    expect(await store.clients.view(987_654, ALL)).toBeUndefined();
  });

  it('updates fields and identities with the timeline and one event; a no-op writes nothing', async () => {
    const pavel = await store.clients.create({
      name: 'Pavel',
      responsibleId: ana,
      identities: [email('pavel@update.test'), phone('600300400')],
    });
    const other = await store.clients.create({
      name: 'Shared',
      identities: [email('shared@update.test')],
    });
    const mark = await lastEventId();
    const written = await store.clients.update(
      pavel.id,
      {
        name: 'Pavel Petrov',
        company: 'Petrov LLC',
        responsibleId: bob,
        addIdentities: [email('shared@update.test'), email('new@update.test')],
        removeIdentities: ['phone:+34600300400', 'phone:+34999999999'],
      },
      by(ana, '2026-05-03T12:00:00Z'),
      ALL,
    );
    expect(written).toMatchObject({
      ok: true,
      possibleDuplicates: [other.id],
      client: {
        name: 'Pavel Petrov',
        company: 'Petrov LLC',
        responsibleId: bob,
        updatedAt: new Date('2026-05-03T12:00:00Z'),
      },
    });
    const keysOf = async (id: number) =>
      (await store.clients.get(id))?.identities.map((identity) => identity.key);
    expect(await keysOf(pavel.id)).toEqual([
      'email:pavel@update.test',
      'email:shared@update.test',
      'email:new@update.test',
    ]);
    expect(await keysOf(other.id)).toEqual(['email:shared@update.test']);
    const entries = (await store.clients.view(pavel.id, ALL))?.timeline.map(
      ({ action, userId, before, after, at }) => ({ action, userId, before, after, at }),
    );
    const at = new Date('2026-05-03T12:00:00Z');
    expect(entries).toEqual([
      {
        action: 'updated',
        userId: ana,
        before: { name: 'Pavel', company: null, responsibleId: ana },
        after: { name: 'Pavel Petrov', company: 'Petrov LLC', responsibleId: bob },
        at,
      },
      {
        action: 'identity_removed',
        userId: ana,
        before: { key: 'phone:+34600300400', raw: '600300400' },
        after: null,
        at,
      },
      {
        action: 'identity_added',
        userId: ana,
        before: null,
        after: { key: 'email:shared@update.test', raw: 'shared@update.test' },
        at,
      },
      {
        action: 'identity_added',
        userId: ana,
        before: null,
        after: { key: 'email:new@update.test', raw: 'new@update.test' },
        at,
      },
    ]);
    expect(await eventsAfter(mark)).toEqual([
      {
        type: 'client.updated',
        leadId: null,
        payload: {
          clientId: pavel.id,
          changes: ['name', 'company', 'responsibleId', 'identities'],
        },
      },
    ]);

    // The same values again, an identity it owns, a key it does not: nothing changes.
    const rows = await timelineRows();
    const same = await store.clients.update(
      pavel.id,
      {
        name: 'Pavel Petrov',
        responsibleId: bob,
        addIdentities: [email('new@update.test')],
        removeIdentities: ['email:absent@update.test'],
      },
      by(ana, '2026-05-03T13:00:00Z'),
      ALL,
    );
    expect(same).toMatchObject({ ok: true, possibleDuplicates: [], client: { updatedAt: at } });
    expect(await timelineRows()).toBe(rows);
    expect(await eventsAfter(mark)).toHaveLength(1);

    // Clearing a field; identities alone are a change too.
    await store.clients.update(pavel.id, { company: null }, by(bob, '2026-05-03T14:00:00Z'), ALL);
    await store.clients.update(
      pavel.id,
      { removeIdentities: ['email:new@update.test'] },
      by(bob, '2026-05-03T15:00:00Z'),
      ALL,
    );
    const timeline = (await store.clients.view(pavel.id, ALL))?.timeline ?? [];
    expect(
      timeline.slice(-2).map(({ action, before, after }) => ({ action, before, after })),
    ).toEqual([
      { action: 'updated', before: { company: 'Petrov LLC' }, after: { company: null } },
      {
        action: 'identity_removed',
        before: { key: 'email:new@update.test', raw: 'new@update.test' },
        after: null,
      },
    ]);
    expect((await eventsAfter(mark)).slice(1).map((event) => event.payload)).toEqual([
      { clientId: pavel.id, changes: ['company'] },
      { clientId: pavel.id, changes: ['identities'] },
    ]);
    expect((await store.clients.get(pavel.id))?.updatedAt).toEqual(
      new Date('2026-05-03T15:00:00Z'),
    );
  });

  it('refuses updates out of scope, of missing clients and to unknown users', async () => {
    const client = await store.clients.create({
      name: 'Scoped',
      responsibleId: bob,
      identities: [],
    });
    const context = by(ana, '2026-05-04T10:00:00Z');
    const rows = await timelineRows();
    const mark = await lastEventId();
    const refused = { ok: false, problem: 'no-client' };
    expect(await store.clients.update(client.id, { name: 'X' }, context, some(ana))).toEqual(
      refused,
    );
    expect(await store.clients.update(client.id, { name: 'X' }, context, NONE)).toEqual(refused);
    expect(await store.clients.update(987_654, { name: 'X' }, context, ALL)).toEqual(refused);
    expect(
      await store.clients.update(
        client.id,
        { name: 'X', responsibleId: 987_654, addIdentities: [email('x@scope.test')] },
        context,
        ALL,
      ),
    ).toEqual({ ok: false, problem: 'no-user' });
    expect(await store.clients.get(client.id)).toMatchObject({ name: 'Scoped', identities: [] });
    expect(await timelineRows()).toBe(rows);
    expect(await eventsAfter(mark)).toEqual([]);
    const allowed = await store.clients.update(client.id, { name: 'Mine' }, context, some(bob));
    expect(allowed).toMatchObject({ ok: true, client: { name: 'Mine' } });
  });
});

describe(`deals on the ${TEST_STORE} store`, () => {
  it('has its stages in order', async () => {
    expect((await store.stages.list('deal')).map((s) => [s.code, s.semantics])).toEqual([
      ['NEW', 'process'],
      ['PREPARATION', 'process'],
      ['NEGOTIATION', 'process'],
      ['WON', 'success'],
      ['LOSE', 'failure'],
    ]);
  });

  it('creates deals on the first stage in progress or the one given, with timeline and event', async () => {
    const client = await store.clients.create({ name: 'Dmitri', identities: [] });
    const lead = await addLead(client.id, 'a deal to be');
    const mark = await lastEventId();
    const at = new Date('2026-05-05T10:00:00Z');
    const created = await store.deals.create(
      {
        title: 'Big order',
        amount: 1200.5,
        currency: 'EUR',
        clientId: client.id,
        responsibleId: ana,
        leadId: lead,
      },
      { userId: ana, at },
    );
    if (!created.ok) throw new Error(created.problem);
    const { deal } = created;
    expect(deal).toEqual({
      id: expect.any(Number),
      title: 'Big order',
      amount: 1200.5,
      currency: 'EUR',
      stage: 'NEW',
      open: true,
      clientId: client.id,
      responsibleId: ana,
      leadId: lead,
      custom: {},
      createdAt: at,
      updatedAt: at,
      closedAt: null,
    });
    const won = await store.deals.create(
      { title: 'Already won', stage: 'WON' },
      { userId: null, at },
    );
    expect(won).toMatchObject({
      ok: true,
      deal: { stage: 'WON', open: false, closedAt: at, clientId: null, amount: null },
    });
    expect((await store.deals.get(deal.id, ALL))?.timeline).toEqual([
      {
        id: expect.any(Number),
        entity: 'deal',
        entityId: deal.id,
        userId: ana,
        action: 'created',
        before: null,
        after: {
          title: 'Big order',
          amount: 1200.5,
          currency: 'EUR',
          stage: 'NEW',
          clientId: client.id,
          responsibleId: ana,
          leadId: lead,
          custom: {},
        },
        at,
      },
    ]);
    const wonId = won.ok ? won.deal.id : -1;
    expect(await eventsAfter(mark)).toEqual([
      {
        type: 'deal.created',
        leadId: lead,
        payload: { dealId: deal.id, clientId: client.id, leadId: lead },
      },
      {
        type: 'deal.created',
        leadId: null,
        payload: { dealId: wonId, clientId: null, leadId: null },
      },
    ]);

    const deals = await count(test, sql`SELECT count(*) AS n FROM deals`);
    const context = { userId: ana, at };
    expect(await store.deals.create({ title: 'x', stage: 'NOPE' }, context)).toEqual({
      ok: false,
      problem: 'no-stage',
    });
    expect(await store.deals.create({ title: 'x', clientId: 987_654 }, context)).toEqual({
      ok: false,
      problem: 'no-client',
    });
    expect(await store.deals.create({ title: 'x', responsibleId: 987_654 }, context)).toEqual({
      ok: false,
      problem: 'no-user',
    });
    expect(await count(test, sql`SELECT count(*) AS n FROM deals`)).toBe(deals);
    expect(await eventsAfter(mark)).toHaveLength(2);
  });

  it('updates fields, stage (open and closed follow it) and responsible, with entries and events', async () => {
    const lead = await addLead((await store.clients.create({ identities: [] })).id, 'lead');
    const created = await store.deals.create(
      { title: 'Order', amount: 100, responsibleId: ana, leadId: lead },
      by(ana, '2026-05-06T09:00:00Z'),
    );
    if (!created.ok) throw new Error(created.problem);
    const id = created.deal.id;
    const mark = await lastEventId();
    const moved = await store.deals.update(
      id,
      { title: 'Bigger order', amount: 150, stage: 'NEGOTIATION', currency: undefined },
      by(ana, '2026-05-06T10:00:00Z'),
      ALL,
    );
    expect(moved).toMatchObject({
      ok: true,
      deal: {
        title: 'Bigger order',
        amount: 150,
        stage: 'NEGOTIATION',
        open: true,
        closedAt: null,
      },
    });
    const won = await store.deals.update(
      id,
      { stage: 'WON' },
      by(ana, '2026-05-06T11:00:00Z'),
      ALL,
    );
    expect(won).toMatchObject({
      ok: true,
      deal: { open: false, closedAt: new Date('2026-05-06T11:00:00Z') },
    });
    const reopened = await store.deals.update(
      id,
      { stage: 'PREPARATION' },
      by(ana, '2026-05-06T12:00:00Z'),
      ALL,
    );
    expect(reopened).toMatchObject({
      ok: true,
      deal: { open: true, closedAt: null, updatedAt: new Date('2026-05-06T12:00:00Z') },
    });
    const assigned = await store.deals.update(
      id,
      { responsibleId: bob },
      by(ana, '2026-05-06T13:00:00Z'),
      ALL,
    );
    expect(assigned).toMatchObject({ ok: true, deal: { responsibleId: bob } });

    const timeline = (await store.deals.get(id, ALL))?.timeline ?? [];
    expect(timeline.map(({ action, before, after }) => ({ action, before, after }))).toEqual([
      expect.objectContaining({ action: 'created' }),
      {
        action: 'updated',
        before: { title: 'Order', amount: 100, stage: 'NEW' },
        after: { title: 'Bigger order', amount: 150, stage: 'NEGOTIATION' },
      },
      { action: 'stage_changed', before: { stage: 'NEW' }, after: { stage: 'NEGOTIATION' } },
      { action: 'updated', before: { stage: 'NEGOTIATION' }, after: { stage: 'WON' } },
      { action: 'stage_changed', before: { stage: 'NEGOTIATION' }, after: { stage: 'WON' } },
      { action: 'updated', before: { stage: 'WON' }, after: { stage: 'PREPARATION' } },
      { action: 'stage_changed', before: { stage: 'WON' }, after: { stage: 'PREPARATION' } },
      { action: 'updated', before: { responsibleId: ana }, after: { responsibleId: bob } },
      { action: 'assigned', before: { responsibleId: ana }, after: { responsibleId: bob } },
    ]);
    expect(await eventsAfter(mark)).toEqual(
      [
        { type: 'deal.stage_changed', payload: { dealId: id, from: 'NEW', to: 'NEGOTIATION' } },
        { type: 'deal.updated', payload: { dealId: id, changes: ['title', 'amount', 'stage'] } },
        { type: 'deal.stage_changed', payload: { dealId: id, from: 'NEGOTIATION', to: 'WON' } },
        { type: 'deal.updated', payload: { dealId: id, changes: ['stage'] } },
        { type: 'deal.stage_changed', payload: { dealId: id, from: 'WON', to: 'PREPARATION' } },
        { type: 'deal.updated', payload: { dealId: id, changes: ['stage'] } },
        { type: 'deal.assigned', payload: { dealId: id, from: ana, to: bob } },
        { type: 'deal.updated', payload: { dealId: id, changes: ['responsibleId'] } },
      ].map((event) => ({ ...event, leadId: lead })),
    );

    // The same values again: nothing written, the deal as it was.
    const rows = await timelineRows();
    const events = await lastEventId();
    const same = await store.deals.update(
      id,
      { title: 'Bigger order', stage: 'PREPARATION', responsibleId: bob },
      by(ana, '2026-05-06T14:00:00Z'),
      ALL,
    );
    expect(same).toMatchObject({ ok: true, deal: { updatedAt: new Date('2026-05-06T13:00:00Z') } });
    expect(await timelineRows()).toBe(rows);
    expect(await lastEventId()).toBe(events);

    // Refusals write nothing either.
    const context = by(ana, '2026-05-06T15:00:00Z');
    const problem = async (patch: DealPatch, scope: RecordScope = ALL, dealId = id) => {
      const written = await store.deals.update(dealId, patch, context, scope);
      return written.ok ? 'written' : written.problem;
    };
    expect(await problem({ stage: 'NOPE' })).toBe('no-stage');
    expect(await problem({ clientId: 987_654 })).toBe('no-client');
    expect(await problem({ responsibleId: 987_654 })).toBe('no-user');
    expect(await problem({ title: 'x' }, ALL, 987_654)).toBe('no-deal');
    expect(await problem({ title: 'x' }, some(ana))).toBe('no-deal');
    expect(await problem({ title: 'x' }, NONE)).toBe('no-deal');
    expect(await timelineRows()).toBe(rows);
    expect(await lastEventId()).toBe(events);
    expect(await store.deals.update(id, { title: 'Mine' }, context, some(bob))).toMatchObject({
      ok: true,
      deal: { title: 'Mine' },
    });
  });

  it('lists by client, responsible, lead, stage and open, newest first, within scope', async () => {
    const client = await store.clients.create({ name: 'Lister', identities: [] });
    const lead = await addLead(client.id, 'lead');
    const context = by(ana, '2026-05-07T09:00:00Z');
    const make = async (deal: { stage: string; responsibleId: number; leadId?: number }) => {
      const written = await store.deals.create(
        { title: 'd', clientId: client.id, ...deal },
        context,
      );
      if (!written.ok) throw new Error(written.problem);
      return written.deal.id;
    };
    const d1 = await make({ stage: 'NEW', responsibleId: ana });
    const d2 = await make({ stage: 'WON', responsibleId: bob });
    const d3 = await make({ stage: 'NEGOTIATION', responsibleId: ana, leadId: lead });
    const ids = async (filter: Partial<DealFilter>, scope: RecordScope = ALL) =>
      (await store.deals.list({ clientId: client.id, limit: 10, ...filter }, scope)).deals.map(
        (deal) => deal.id,
      );
    expect(await ids({})).toEqual([d3, d2, d1]);
    expect(await ids({ open: true })).toEqual([d3, d1]);
    expect(await ids({ open: false })).toEqual([d2]);
    expect(await ids({ stage: 'WON' })).toEqual([d2]);
    expect(await ids({ responsibleId: ana })).toEqual([d3, d1]);
    expect(await ids({ leadId: lead })).toEqual([d3]);
    expect(await ids({}, some(bob))).toEqual([d2]);
    expect(await ids({}, NONE)).toEqual([]);
    const first = await store.deals.list({ clientId: client.id, limit: 2 }, ALL);
    expect(first.deals.map((deal) => deal.id)).toEqual([d3, d2]);
    expect(first.nextCursor).toBe(String(d2));
    const second = await store.deals.list(
      { clientId: client.id, limit: 2, cursor: Number(first.nextCursor) },
      ALL,
    );
    expect(second).toEqual({ deals: [expect.objectContaining({ id: d1 })], nextCursor: null });

    expect(await store.deals.get(d2, some(bob))).toMatchObject({
      id: d2,
      timeline: [{ action: 'created' }],
    });
    expect(await store.deals.get(d2, some(ana))).toBeUndefined();
    expect(await store.deals.get(d2, NONE)).toBeUndefined();
    expect(await store.deals.get(987_654, ALL)).toBeUndefined();
  });
});
