/**
 * The web's inbox commits in a thread (db/sqlite/inbox-thread.ts), on a real SQLite file with the
 * real migrations: what it answers is what the main connection then reads, a row that fails
 * fails alone, calls made during a commit go in the next one, and a database it cannot share
 * keeps recording on the main connection. SQLite only: PostgreSQL commits without blocking.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settled } from '../../core/runtime/tick-batch.ts';
import {
  inboxThread,
  type InboxThread,
  type NewRow,
  type Recorded,
} from '../../db/sqlite/inbox-thread.ts';
import { prepareIngestStatements, type InboxDbRow } from '../../db/sqlite/ingest-statements.ts';
import { migrateDatabase, openDatabase, type Db } from '../../db/sqlite/open.ts';
import { sqliteInbox } from '../../db/sqlite/inbox.ts';

const API_CHANNEL = 1;
const row = (externalId: string, channelId = API_CHANNEL): NewRow => ({
  channelId,
  externalId,
  raw: JSON.stringify({ externalId }),
  receivedAt: new Date('2026-03-01T10:00:00Z'),
});

// Its own SQLite files whatever the run's store: the thread exists only for SQLite.
describe('the inbox thread', () => {
  let dir: string;
  let db: Db;
  let thread: InboxThread | undefined;
  /** The external ids the main connection recorded because the thread had ended. */
  let ranHere: string[];
  let fallback: (rows: NewRow[]) => Settled<Recorded>[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'leadwire-inbox-thread-'));
    db = openDatabase(path.join(dir, 'leadwire.db'), { durability: 'full' });
    migrateDatabase(db);
    const sql = prepareIngestStatements(db.$client);
    ranHere = [];
    fallback = (rows) =>
      db.$client.transaction(() =>
        rows.map((row): Settled<Recorded> => {
          ranHere.push(row.externalId);
          const at = row.receivedAt.getTime();
          const inserted = sql.insertInbox.get(row.channelId, row.externalId, row.raw, at);
          if (inserted) return { ok: true, value: { row: inserted as InboxDbRow, created: true } };
          const existing = sql.inboxByExternal.get(row.channelId, row.externalId)!;
          return { ok: true, value: { row: existing, created: false } };
        }),
      )();
    thread = inboxThread(
      db.$client,
      { insertSql: sql.insertInbox.source, existingSql: sql.inboxByExternal.source },
      fallback,
    );
  });
  afterEach(async () => {
    await thread?.stop();
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = (externalId: string) =>
    db.$client
      .prepare('SELECT id, raw FROM inbox WHERE channel_id = ? AND external_id = ?')
      .get(API_CHANNEL, externalId) as { id: number; raw: string } | undefined;

  it('commits rows the main connection then reads, once per external id', async () => {
    const [first] = await thread!.record([row('t-1')]);
    expect(first).toMatchObject({
      ok: true,
      value: { created: true, row: { external_id: 't-1' } },
    });
    const id = first?.ok ? first.value.row.id : 0;
    expect(stored('t-1')).toEqual({ id, raw: '{"externalId":"t-1"}' });
    const [again] = await thread!.record([{ ...row('t-1'), raw: '{"other":true}' }]);
    expect(again).toMatchObject({ ok: true, value: { created: false, row: { id } } });
    expect(stored('t-1')?.raw).toBe('{"externalId":"t-1"}');
  });

  it('fails a row on its own, as the SQLite error it was, and keeps the others', async () => {
    const results = await thread!.record([row('f-1'), row('f-2', 999_999), row('f-3')]);
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
    const failed = results[1];
    expect(failed?.ok ? undefined : failed?.error).toBeInstanceOf(Database.SqliteError);
    expect((failed?.ok ? undefined : failed?.error) as { code?: string }).toMatchObject({
      code: expect.stringMatching(/^SQLITE_CONSTRAINT/),
    });
    expect(stored('f-1')).toBeDefined();
    expect(stored('f-3')).toBeDefined();
  });

  it('answers each call with its own rows when calls arrive during a commit', async () => {
    const calls = [['a-1'], ['b-1', 'b-2'], ['c-1']].map((ids) =>
      thread!.record(ids.map((id) => row(id))),
    );
    const answers = await Promise.all(calls);
    expect(
      answers.map((results) =>
        results.map((result) => (result.ok ? result.value.row.external_id : 'failed')),
      ),
    ).toEqual([['a-1'], ['b-1', 'b-2'], ['c-1']]);
    // Each with its own raw event (the thread does not send it back: it is filled in here).
    expect(
      answers.flat().map((result) => (result.ok ? JSON.parse(result.value.row.raw) : null)),
    ).toEqual(['a-1', 'b-1', 'b-2', 'c-1'].map((externalId) => ({ externalId })));
  });

  it('records a call made while it stops on the main connection, its own row, committed', async () => {
    await thread!.record([row('w-0')]);
    const stopping = thread!.stop();
    const [during] = await thread!.record([row('w-1')]);
    expect(during).toMatchObject({ ok: true, value: { row: { external_id: 'w-1' } } });
    expect(stored('w-1')).toBeDefined();
    expect(ranHere).toEqual(['w-1']);
    await stopping;
  });

  // 80 MB in one call: more than the thread could hold at once.
  it('splits one call of many large rows into batches the thread can hold', async () => {
    const large = (id: string) => ({
      ...row(id),
      raw: JSON.stringify({ id, pad: 'x'.repeat(1 << 20) }),
    });
    const ids = Array.from({ length: 80 }, (_, i) => `one-${i}`);
    const results = await thread!.record(ids.map(large));
    expect(results.map((result) => (result.ok ? result.value.row.external_id : 'failed'))).toEqual(
      ids,
    );
    expect(ranHere).toEqual([]);
  });

  it('after it was stopped, records on the main connection', async () => {
    await thread!.record([row('s-1')]);
    await thread!.stop();
    const [after] = await thread!.record([row('s-2')]);
    expect(after?.ok).toBe(true);
    expect(stored('s-2')).toBeDefined();
    expect(ranHere).toEqual(['s-2']);
  });

  it('answers every caller with its own row, committed, when a stop meets new calls', async () => {
    // A stop while a batch is in the thread and calls keep coming: none may be answered with
    // another call's row, nor before its own row is committed.
    const answered: string[] = [];
    const call = (ids: string[]) =>
      thread!.record(ids.map((id) => row(id))).then((results) =>
        results.map((result, i) => {
          const id = ids[i]!;
          expect(result.ok, id).toBe(true);
          if (result.ok) expect(result.value.row.external_id).toBe(id);
          expect(stored(id), id).toBeDefined();
          answered.push(id);
          return id;
        }),
      );
    const first = call(['r-a']);
    const stopping = thread!.stop();
    const later = [call(['r-b']), call(['r-c1', 'r-c2'])];
    await Promise.all([first, stopping, ...later]);
    expect(answered.sort()).toEqual(['r-a', 'r-b', 'r-c1', 'r-c2']);
  });

  it('splits a burst of large posts into batches the thread can hold', async () => {
    const large = (id: string) => ({
      ...row(id),
      raw: JSON.stringify({ id, pad: 'x'.repeat(1 << 20) }),
    });
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => thread!.record([large(`big-${i}`)])),
    );
    expect(results.flat().every((result) => result.ok)).toBe(true);
    // Committed by the thread, each with its raw event (not copied back, filled in here).
    expect(ranHere).toEqual([]);
    expect(
      results.flat().map((result) => (result.ok ? JSON.parse(result.value.row.raw).id : null)),
    ).toEqual(Array.from({ length: 24 }, (_, i) => `big-${i}`));
  });

  it('is not used for a database it cannot share; the inbox records on its own connection', async () => {
    const memory = openDatabase(':memory:', { durability: 'full' });
    migrateDatabase(memory);
    const sql = prepareIngestStatements(memory.$client);
    const insertSql = sql.insertInbox.source;
    expect(
      inboxThread(memory.$client, { insertSql, existingSql: insertSql }, fallback),
    ).toBeUndefined();
    const recorded = await sqliteInbox(memory, sql).record(API_CHANNEL, 'm-1', '{}', new Date());
    expect(recorded).toMatchObject({ created: true, row: { externalId: 'm-1' } });
    memory.$client.close();
  });

  it('records the batch of a thread that died on the main connection, and the next ones too', async () => {
    const broken = inboxThread(
      db.$client,
      { insertSql: 'SELECT * FROM no_such_table', existingSql: 'SELECT 1' },
      fallback,
    );
    const [first] = await broken!.record([row('d-1')]);
    expect(first?.ok).toBe(true);
    const [second] = await broken!.record([row('d-2')]);
    expect(second?.ok).toBe(true);
    expect(ranHere).toEqual(['d-1', 'd-2']);
    expect(stored('d-1')).toBeDefined();
    expect(stored('d-2')).toBeDefined();
    await broken!.stop();
  });
});
