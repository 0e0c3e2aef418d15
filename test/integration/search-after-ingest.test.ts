/**
 * The ingest writes a batch's search documents at the end of its transaction (SQLite migration
 * 0017), not row by row through the triggers: what it commits must be searchable just as if the
 * triggers had written it, a row that fails adds nothing, and every other writer still indexes
 * through the triggers. The first part runs on the test's store (both stores give the same
 * answers); the second reads SQLite's index itself, on a SQLite file of its own in both runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../connectors/registry.ts';
import { fixedClock } from '../../core/clock.ts';
import type { Store } from '../../core/repositories/index.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { unguarded } from '../../db/errors.ts';
import { openStore } from '../../db/open.ts';
import type { SqliteStore } from '../../db/sqlite/store.ts';
import { ingestBatch } from '../../workers/ingest/handler.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const clock = fixedClock('2026-12-07T10:00:00.000Z');
const ALL = { kind: 'all' } as const;

const raw = (body: Record<string, unknown>) =>
  JSON.stringify({ body, receivedAt: '2026-12-07T09:59:00.000Z' });

/** Records the events on the API channel (1) and ingests them in ONE batch. */
async function batch(store: Store, events: { id: string; raw: string }[]) {
  const rows = await store.inbox.recordBatch(
    1,
    events.map((event) => ({ externalId: event.id, raw: event.raw })),
    clock.now(),
  );
  const deps = { channels: CHANNELS, repos: store, clock, defaultCountry: 'ES' };
  return ingestBatch(
    deps,
    rows.map((recorded) => recorded.row.id),
  );
}

async function find(store: Store, q: string): Promise<number[]> {
  const { leads } = await store.leads.list({ limit: 50, q }, ALL);
  return leads.map((lead) => lead.id);
}

describe('a batch of rows, then search', () => {
  let test: TestStore;
  let ana: number;
  let bo: number;

  beforeAll(async () => {
    test = await openTestStore('search-after-ingest');
    const results = await batch(test.store, [
      {
        id: 'a-1',
        raw: raw({
          name: 'Ana Quintero',
          email: 'ana@zephyr.test',
          company: 'Zephyr Works',
          message: 'We need scaffolding for the north façade',
        }),
      },
      // The same sender in the same batch: a second message on the lead the first one made.
      { id: 'a-2', raw: raw({ email: 'ana@zephyr.test', message: 'Also two ladders, please' }) },
      // Not JSON: this row fails alone, and nothing of it is indexed.
      { id: 'broken', raw: '{"body": {"message": "phantom gondolas"' },
      {
        id: 'b-1',
        raw: raw({ name: 'Bo Lindqvist', phone: '+34 612 345 678', message: 'Quote for cranes' }),
      },
    ]);
    expect(results.map((result) => result.ok)).toEqual([true, true, false, true]);
    const leadOf = (n: number) => {
      const result = results[n];
      if (!result?.ok || result.outcome.leadId == null) throw new Error(`row ${n} made no lead`);
      return result.outcome.leadId;
    };
    ana = leadOf(0);
    bo = leadOf(3);
    expect(leadOf(1)).toBe(ana);
  });
  afterAll(() => test.close());

  it("finds each message's words, with its lead's fields", async () => {
    expect(await find(test.store, 'scaffolding facade')).toEqual([ana]);
    expect(await find(test.store, 'ladders')).toEqual([ana]);
    // Every word in one document: a message carries its lead's name and company.
    expect(await find(test.store, 'ladders zephyr')).toEqual([ana]);
    expect(await find(test.store, 'quintero')).toEqual([ana]);
    expect(await find(test.store, 'cranes lindqvist')).toEqual([bo]);
  });

  it('indexes nothing of a row that failed', async () => {
    expect(await find(test.store, 'gondolas')).toEqual([]);
  });
});

describe("SQLite's index after an ingest batch", () => {
  let dir: string;
  let store: Store;
  let sqlite: SqliteStore;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'leadwire-search-index-'));
    store = await openStore(loadConfig({ DATA_DIR: dir }), { durability: 'normal' });
    sqlite = unguarded<SqliteStore>(store);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = () => sqlite.db.$client;
  /** The rowids of a lead's documents: lead id × 2^32 for its own fields, more for messages. */
  const documentsOf = (leadId: number) =>
    (
      client()
        .prepare(
          'SELECT rowid - (? << 32) AS n FROM lead_search WHERE rowid BETWEEN ? << 32 AND (? << 32) + 4294967295',
        )
        .all(leadId, leadId, leadId) as { n: number }[]
    ).map((row) => row.n);

  /** A lead written by another writer than the ingest (an import, say), without messages. */
  const addLead = (name: string, company: string) =>
    Number(
      client()
        .prepare(
          `INSERT INTO leads (type, stage, open, source, channel_id, title, name, company, created_at, updated_at)
           VALUES ('simple', 'NEW', 1, 'import', 1, 'Imported', ?, ?, 0, 0)`,
        )
        .run(name, company).lastInsertRowid,
    );

  it("replaces a lead's own document by its first message's, and leaves the triggers on", async () => {
    // A lead made by another writer, without messages, owning the sender's address: the
    // triggers index its fields alone.
    const leadId = addLead('Carla Ortiz', 'Borealis SL');
    client()
      .prepare(
        `INSERT INTO identities (kind, key, raw, lead_id, created_at)
         VALUES ('email', 'email:carla@borealis.test', 'carla@borealis.test', ?, 0)`,
      )
      .run(leadId);
    expect(documentsOf(leadId)).toEqual([0]);

    const [result] = await batch(store, [
      { id: 'c-1', raw: raw({ email: 'carla@borealis.test', message: 'Renewal of the contract' }) },
    ]);
    expect(result?.ok && result.outcome.leadId).toBe(leadId);
    // Its fields now travel with the message: one document, not two.
    const documents = documentsOf(leadId);
    expect(documents).toHaveLength(1);
    expect(documents[0]).toBeGreaterThan(0);
    expect(await find(store, 'borealis renewal')).toEqual([leadId]);

    // Nothing is left that would keep the triggers off for the next writer.
    expect(client().prepare('SELECT count(*) AS n FROM search_deferred').get()).toEqual({ n: 0 });
    const later = addLead('Dario Fo', 'Nimbus Srl');
    expect(documentsOf(later)).toEqual([0]);
  });
});
