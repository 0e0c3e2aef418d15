/** The ingest handler on a real store (SQLite file or PostgreSQL database) with the real migrations, no Redis. */
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import { MalformedInputError } from '../../core/errors.ts';
import type { IngestRepository } from '../../core/repositories/ingest.ts';
import { CHANNELS } from '../../connectors/registry.ts';
import { ingestBatch, ingestInbox } from '../../workers/ingest/handler.ts';
import { count } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
const clock = fixedClock('2026-11-24T10:00:00Z');
const deps = (ingest?: IngestRepository) => ({
  channels: CHANNELS,
  repos: { ...test.store, ...(ingest ? { ingest } : {}) },
  clock,
  defaultCountry: 'ES',
});
const raw = (body: unknown) => JSON.stringify({ body, receivedAt: '2026-11-24T09:59:00.000Z' });
const record = (externalId: string, event: string, at = new Date()) =>
  test.store.inbox.record(1, externalId, event, at);

beforeEach(async () => {
  test = await openTestStore('handler', {}, { durability: 'normal' });
});
afterEach(() => test.close());

it('creates the lead once; running the same row again changes nothing', async () => {
  const { row } = await record('ext-1', raw({ phone: '600 111 222', message: 'hola' }));
  const first = await ingestInbox(deps(), row.id);
  expect(first).toEqual({ status: 'done', outcome: 'created_simple', leadId: 1 });
  const again = await ingestInbox(deps(), row.id);
  // Told apart from the first run, so nothing after it (a greeting, the metrics) runs twice.
  expect(again).toEqual({ status: 'done', outcome: 'created_simple', leadId: 1, earlier: true });
  expect(await count(test, sql`SELECT count(*) AS n FROM messages`)).toBe(1);
  const lead = await test.look.get<{ created_at: number; stage: string }>(
    sql`SELECT created_at, stage FROM leads`,
  );
  expect(lead).toEqual({ created_at: clock.now().getTime(), stage: 'NEW' });
  expect(await test.store.inbox.get(row.id)).toMatchObject({
    status: 'done',
    attempts: 1,
    processedAt: clock.now(),
  });
});

it('row 0: a message already on a lead is not added again', async () => {
  const first = await record('ext-0', raw({ email: 'zero@example.com', message: 'hi' }));
  await ingestInbox(deps(), first.row.id);
  // The same message reaches the inbox again under another row (a replay of an old export).
  await test.look.run(sql`UPDATE inbox SET external_id = 'ext-0-old' WHERE id = ${first.row.id}`);
  const again = await record('ext-0', raw({ email: 'zero@example.com', message: 'hi' }));
  expect(await ingestInbox(deps(), again.row.id)).toMatchObject({
    status: 'done',
    outcome: 'duplicate',
    leadId: 1,
  });
  expect(await count(test, sql`SELECT count(*) AS n FROM messages`)).toBe(1);
});

it('records the same (channel, external id) only once', async () => {
  const first = await record('ext-2', raw({ email: 'a@example.com' }));
  const second = await record('ext-2', raw({ email: 'b@example.com' }));
  expect(first.created).toBe(true);
  expect(second).toMatchObject({ created: false, row: { id: first.row.id } });
  expect(JSON.parse(second.row.raw).body.email).toBe('a@example.com');
});

it('rejects malformed input as unrecoverable and leaves the database as it was', async () => {
  const { row } = await record('ext-3', '{not json');
  await expect(ingestInbox(deps(), row.id)).rejects.toThrow(MalformedInputError);
  const unreachable = await record('ext-4', raw({ name: 'No Contact' }));
  await expect(ingestInbox(deps(), unreachable.row.id)).rejects.toThrow(/no reachable identity/);
  await expect(ingestInbox(deps(), 9999)).rejects.toThrow(/does not exist/);
  expect(await count(test, sql`SELECT count(*) AS n FROM leads`)).toBe(0);
  expect((await test.store.inbox.get(row.id))?.status).toBe('pending');
});

it('finds pending rows for the reconciler, oldest first, in pages', async () => {
  const old = new Date('2026-11-24T09:00:00Z');
  const ids: number[] = [];
  for (const id of ['a', 'b', 'c'])
    ids.push((await record(id, raw({ email: `${id}@example.com` }), old)).row.id);
  await record('fresh', raw({ email: 'fresh@example.com' }), new Date('2026-11-24T10:00:00Z'));
  await ingestInbox(deps(), ids[1]!);
  const before = new Date('2026-11-24T09:30:00Z');
  expect(await test.store.inbox.pendingBefore(before, 0, 10)).toEqual([ids[0], ids[2]]);
  expect(await test.store.inbox.pendingBefore(before, ids[0]!, 1)).toEqual([ids[2]]);
});

it('commits a batch in one transaction; a row whose writes fail rolls back alone', async () => {
  const events = [
    ['b-1', raw({ email: 'batch@example.com', message: 'one' })],
    ['b-2', raw({ email: 'BATCH@example.com', message: 'two' })],
    ['b-3', '{broken'],
    ['b-4', raw({ email: 'other@example.com', message: 'four' })],
    ['b-5', raw({ email: 'fails@example.com', message: 'five' })],
  ] as const;
  const ids: number[] = [];
  for (const [externalId, event] of events) ids.push((await record(externalId, event)).row.id);
  // Row b-5's plan names a client that does not exist: its lead and message are written, then
  // its client identity breaks a foreign key, and all of that row's writes must be undone.
  const store = test.store;
  const failing: IngestRepository = {
    peek: (channel, message) => store.ingest.peek(channel, message),
    commit: (items, plan) =>
      store.ingest.commit(items, (item, current, state) => {
        const planned = plan(item, current, state);
        if (item.row.externalId !== 'b-5') return planned;
        const identities = [{ kind: 'email' as const, key: 'email:x@y.z', raw: 'x@y.z' }];
        return { ...planned, clientIdentities: { clientId: 424242, identities } };
      }),
  };
  const results = await ingestBatch(deps(failing), ids);
  expect(
    results.map((result) => (result.ok ? result.outcome.outcome : String(result.error))),
  ).toEqual([
    'created_simple',
    'appended',
    'MalformedInputError: the stored raw event is not JSON',
    'created_simple',
    expect.stringMatching(/foreign key/i),
  ]);
  expect(await count(test, sql`SELECT count(*) AS n FROM leads`)).toBe(2);
  expect(await count(test, sql`SELECT count(*) AS n FROM messages`)).toBe(3);
  expect((await test.store.inbox.get(ids[4]!))?.status).toBe('pending');
  // The rows that committed are searchable; nothing of the one undone is.
  const found = async (q: string) =>
    (await test.store.leads.list({ limit: 10, q }, { kind: 'all' })).leads.length;
  expect([await found('two'), await found('four'), await found('five')]).toEqual([1, 1, 0]);
});

it('a batch that interleaves senders keeps each on one lead (later rows see the writes before them)', async () => {
  // Ana, Ben, Ben, Ana, Ben, Ana by email and phone in turn: once Ben's second row makes the batch
  // send what it has planned, Ana's rows must still see the lead her first row created.
  const who = [
    { email: 'ana@example.com' },
    { phone: '600 100 200' },
    { phone: '+34 600 100 200' },
    { email: 'ANA@example.com' },
    { phone: '600100200' },
    { email: 'ana@EXAMPLE.com' },
  ];
  const ids: number[] = [];
  for (const [n, sender] of who.entries())
    ids.push((await record(`mix-${n}`, raw({ ...sender, message: `m${n}` }))).row.id);
  const results = await ingestBatch(deps(), ids);
  expect(results.map((result) => result.ok && result.outcome.outcome)).toEqual([
    'created_simple',
    'created_simple',
    'appended',
    'appended',
    'appended',
    'appended',
  ]);
  const leads = await test.look.all<{ lead_id: number; n: number }>(
    sql`SELECT lead_id, count(*) AS n FROM messages GROUP BY lead_id ORDER BY lead_id`,
  );
  expect(leads.map((lead) => Number(lead.n))).toEqual([3, 3]);
});
