/** The ingest handler on a real SQLite file with the real migrations, no Redis. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import { MalformedInputError } from '../../core/errors.ts';
import { migrateDatabase, openDatabase, type Db } from '../../db/open.ts';
import { SqliteStore } from '../../db/store.ts';
import { ingestBatch, ingestInbox } from '../../workers/ingest/handler.ts';

let dir: string;
let db: Db;
let store: SqliteStore;
const clock = fixedClock('2026-11-24T10:00:00Z');
const deps = () => ({ store, clock, defaultCountry: 'ES' });
const raw = (body: unknown) => JSON.stringify({ body, receivedAt: '2026-11-24T09:59:00.000Z' });

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'leadwire-handler-'));
  db = openDatabase(path.join(dir, 'leadwire.db'), { durability: 'normal' });
  migrateDatabase(db);
  store = new SqliteStore(db);
});
afterEach(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

it('creates the lead once; running the same row again changes nothing', () => {
  const { row } = store.recordInbox(
    1,
    'ext-1',
    raw({ phone: '600 111 222', message: 'hola' }),
    new Date(),
  );
  const first = ingestInbox(deps(), row.id);
  expect(first).toEqual({ status: 'done', outcome: 'created_simple', leadId: 1 });
  const again = ingestInbox(deps(), row.id);
  // Told apart from the first run, so nothing after it (a greeting, the metrics) runs twice.
  expect(again).toEqual({ status: 'done', outcome: 'created_simple', leadId: 1, earlier: true });
  expect(db.get<{ n: number }>(sql`SELECT count(*) AS n FROM messages`)?.n).toBe(1);
  const lead = db.get<{ created_at: number; stage: string }>(
    sql`SELECT created_at, stage FROM leads`,
  );
  expect(lead).toEqual({ created_at: clock.now().getTime(), stage: 'NEW' });
});

it('row 0: a message already on a lead is not added again', () => {
  const first = store.recordInbox(
    1,
    'ext-0',
    raw({ email: 'zero@example.com', message: 'hi' }),
    new Date(),
  );
  ingestInbox(deps(), first.row.id);
  // The same message reaches the inbox again under another row (a replay of an old export).
  db.$client.prepare(`UPDATE inbox SET external_id = 'ext-0-old' WHERE id = ?`).run(first.row.id);
  const again = store.recordInbox(
    1,
    'ext-0',
    raw({ email: 'zero@example.com', message: 'hi' }),
    new Date(),
  );
  expect(ingestInbox(deps(), again.row.id)).toMatchObject({
    status: 'done',
    outcome: 'duplicate',
    leadId: 1,
  });
  expect(db.get<{ n: number }>(sql`SELECT count(*) AS n FROM messages`)?.n).toBe(1);
});

it('records the same (channel, external id) only once', () => {
  const first = store.recordInbox(1, 'ext-2', raw({ email: 'a@example.com' }), new Date());
  const second = store.recordInbox(1, 'ext-2', raw({ email: 'b@example.com' }), new Date());
  expect(first.created).toBe(true);
  expect(second).toMatchObject({ created: false, row: { id: first.row.id } });
  expect(JSON.parse(second.row.raw).body.email).toBe('a@example.com');
});

it('rejects malformed input as unrecoverable and leaves the database as it was', () => {
  const { row } = store.recordInbox(1, 'ext-3', '{not json', new Date());
  expect(() => ingestInbox(deps(), row.id)).toThrow(MalformedInputError);
  const unreachable = store.recordInbox(1, 'ext-4', raw({ name: 'No Contact' }), new Date());
  expect(() => ingestInbox(deps(), unreachable.row.id)).toThrow(/no reachable identity/);
  expect(() => ingestInbox(deps(), 9999)).toThrow(/does not exist/);
  expect(db.get<{ n: number }>(sql`SELECT count(*) AS n FROM leads`)?.n).toBe(0);
  expect(store.loadInbox(row.id)?.status).toBe('pending');
});

it('finds pending rows for the reconciler, oldest first, in pages', () => {
  const old = new Date('2026-11-24T09:00:00Z');
  const ids = ['a', 'b', 'c'].map(
    (id) => store.recordInbox(1, id, raw({ email: `${id}@example.com` }), old).row.id,
  );
  store.recordInbox(
    1,
    'fresh',
    raw({ email: 'fresh@example.com' }),
    new Date('2026-11-24T10:00:00Z'),
  );
  ingestInbox(deps(), ids[1]!);
  const before = new Date('2026-11-24T09:30:00Z');
  expect(store.pendingBefore(before, 0, 10)).toEqual([ids[0], ids[2]]);
  expect(store.pendingBefore(before, ids[0]!, 1)).toEqual([ids[2]]);
});

it('commits a batch in one transaction; a failing row rolls back alone', () => {
  const ids = [
    store.recordInbox(1, 'b-1', raw({ email: 'batch@example.com', message: 'one' }), new Date()),
    store.recordInbox(1, 'b-2', raw({ email: 'BATCH@example.com', message: 'two' }), new Date()),
    store.recordInbox(1, 'b-3', '{broken', new Date()),
    store.recordInbox(1, 'b-4', raw({ email: 'other@example.com', message: 'four' }), new Date()),
    store.recordInbox(1, 'b-5', raw({ email: 'fails@example.com', message: 'five' }), new Date()),
  ].map((recorded) => recorded.row.id);
  // A store that fails after writing row b-5: its savepoint must take those writes back.
  class FailingStore extends SqliteStore {
    override applyDecision(...args: Parameters<SqliteStore['applyDecision']>) {
      const outcome = super.applyDecision(...args);
      if (args[0].externalId === 'b-5') throw new Error('disk hiccup');
      return outcome;
    }
  }
  const results = ingestBatch({ ...deps(), store: new FailingStore(db) }, ids);
  expect(
    results.map((result) => (result.ok ? result.outcome.outcome : String(result.error))),
  ).toEqual([
    'created_simple',
    'appended',
    'MalformedInputError: the stored raw event is not JSON',
    'created_simple',
    'Error: disk hiccup',
  ]);
  expect(db.get<{ n: number }>(sql`SELECT count(*) AS n FROM leads`)?.n).toBe(2);
  expect(db.get<{ n: number }>(sql`SELECT count(*) AS n FROM messages`)?.n).toBe(3);
  expect(store.loadInbox(ids[4]!)?.status).toBe('pending');
});
