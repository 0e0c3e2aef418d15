/**
 * The ingest's look-up of a sender's simple leads goes by id on both stores: it must never read
 * every simple lead there is (through leads_client_open, `client_id IS NULL`) to keep the
 * sender's few, a cost that grew with the table on every message of a known sender.
 */
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CHANNELS } from '../../connectors/registry.ts';
import { fixedClock } from '../../core/clock.ts';
import { normaliseEmail } from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import { unguarded } from '../../db/errors.ts';
import { prepareIngestStatements } from '../../db/sqlite/ingest-statements.ts';
import type { SqliteStore } from '../../db/sqlite/store.ts';
import { ingestBatch } from '../../workers/ingest/handler.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
const clock = fixedClock('2026-11-24T10:00:00Z');
const SENDERS = 120;
const address = (n: number) => `sender${n}@example.com`;

beforeEach(async () => {
  test = await openTestStore('simple-leads', {}, { durability: 'normal' });
  // One simple lead for each of many senders (channel 1 is the seeded API channel).
  const raw = (n: number) =>
    JSON.stringify({
      body: { email: address(n), message: 'hello' },
      receivedAt: '2026-11-24T09:59:00.000Z',
    });
  const events = Array.from({ length: SENDERS }, (_, n) => ({ externalId: `m${n}`, raw: raw(n) }));
  const rows = await test.store.inbox.recordBatch(1, events, clock.now());
  const deps = { channels: CHANNELS, repos: test.store, clock, defaultCountry: 'ES' };
  const results = await ingestBatch(
    deps,
    rows.map((row) => row.row.id),
  );
  expect(results.every((result) => result.ok)).toBe(true);
});
afterEach(() => test.close());

function messageFrom(n: number): InboundMessage {
  const identity = normaliseEmail(address(n));
  if (!identity.ok) throw new Error('not an address');
  return {
    externalId: `again-${n}`,
    source: 'API',
    sentAt: clock.now(),
    identities: [identity.identity],
    unrecognised: [],
    threadRefs: [],
    sender: {},
    title: 'again',
    text: 'again',
    fields: {},
    utm: {},
    attachments: [],
    meta: {},
  };
}

it("finds the sender's own simple lead", async () => {
  const channel = await test.store.channels.info(1);
  if (!channel) throw new Error('no seeded channel');
  const state = await test.store.ingest.peek(channel, messageFrom(7));
  expect(state.simpleLeads).toHaveLength(1);
  expect(state.simpleLeads[0]?.senderKeys).toEqual([`email:${address(7)}`]);
});

function sqliteReadsByPrimaryKey(): void {
  const client = unguarded<SqliteStore>(test.store).db.$client;
  const statement = prepareIngestStatements(client).simpleLeads;
  const plan = client.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all('[1, 2]') as {
    detail: string;
  }[];
  const details = plan.map((step) => step.detail).join('\n');
  expect(details).toMatch(/SEARCH leads USING INTEGER PRIMARY KEY/);
  expect(details).not.toMatch(/leads_client_open/);
}

/** PostgreSQL reads no entry of leads_client_open for a sender without a client. */
async function postgresReadsNoClientIndex(): Promise<void> {
  const { database } = test.config;
  if (database.kind !== 'postgres') throw new Error('not on PostgreSQL');
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    // The index's reads as the statistics know them once this backend's are flushed.
    const indexReads = async () => {
      await client.query('SELECT pg_stat_force_next_flush()');
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ n: string }>(
        `SELECT idx_tup_read AS n FROM pg_stat_user_indexes WHERE indexrelname = 'leads_client_open'`,
      );
      return Number(rows[0]?.n ?? 0);
    };
    const before = await indexReads();
    const key = `email:${address(7)}`;
    const { rows } = await client.query<{ state: { simple: unknown[] } }>(
      `SELECT leadwire_ingest_state(1, 'again-7', $1, '{}', NULL, NULL, NULL, $1) AS state`,
      [[key]],
    );
    expect(rows[0]?.state.simple).toHaveLength(1);
    // 0008's query read every simple lead there (SENDERS of them) to keep this one.
    expect((await indexReads()) - before).toBe(0);
  } finally {
    await client.end();
  }
}

// One test on either store (its own look at the plan): nothing is skipped in either run.
it('reads the simple leads by primary key, never through the client index', async () => {
  if (TEST_STORE === 'sqlite') sqliteReadsByPrimaryKey();
  else await postgresReadsNoClientIndex();
});
