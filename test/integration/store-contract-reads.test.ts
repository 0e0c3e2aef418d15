/**
 * The store contract, the console's part: when each operator last opened each lead (the list's
 * unread marks) and the lead filters they saved, on SQLite and on PostgreSQL
 * (TEST_DATABASE=postgres).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import type { Store } from '../../core/repositories/index.ts';
import { CHANNELS } from '../../connectors/registry.ts';
import { ingestInbox } from '../../workers/ingest/handler.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { addUser } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
let store: Store;
const clock = fixedClock('2026-06-01T10:00:00.000Z');

async function intake(externalId: string, email: string): Promise<number> {
  const raw = JSON.stringify({
    body: { email, message: 'hola' },
    receivedAt: '2026-06-01T09:00:00.000Z',
  });
  const { row } = await store.inbox.record(1, externalId, raw, new Date());
  const outcome = await ingestInbox(
    { channels: CHANNELS, repos: store, clock, defaultCountry: 'ES' },
    row.id,
  );
  if (outcome.leadId == null) throw new Error(`${externalId} made no lead`);
  return outcome.leadId;
}

let ana: number;
let pablo: number;
let first: number;
let second: number;

beforeAll(async () => {
  test = await openTestStore('contract-reads');
  store = test.store;
  ana = (await addUser(test, { name: 'Ana', email: 'ana@reads.test' })).id;
  pablo = (await addUser(test, { name: 'Pablo', email: 'pablo@reads.test' })).id;
  first = await intake('r-1', 'one@reads.test');
  second = await intake('r-2', 'two@reads.test');
});
afterAll(() => test.close());

describe(`reads and saved filters on the ${TEST_STORE} store`, () => {
  it('keeps the latest time each user opened each lead, per user', async () => {
    expect(await store.leads.readsOf(ana, [first, second])).toEqual(new Map());
    await store.leads.markRead(ana, first, new Date('2026-06-01T10:00:00Z'));
    await store.leads.markRead(ana, first, new Date('2026-06-01T11:30:00Z'));
    await store.leads.markRead(pablo, second, new Date('2026-06-01T10:05:00Z'));
    expect(await store.leads.readsOf(ana, [first, second])).toEqual(
      new Map([[first, new Date('2026-06-01T11:30:00Z')]]),
    );
    expect(await store.leads.readsOf(pablo, [first, second])).toEqual(
      new Map([[second, new Date('2026-06-01T10:05:00Z')]]),
    );
    expect(await store.leads.readsOf(pablo, [])).toEqual(new Map());
    // A view that finishes after a later one does not move the mark back.
    await store.leads.markRead(ana, first, new Date('2026-06-01T11:00:00Z'));
    expect((await store.leads.readsOf(ana, [first])).get(first)).toEqual(
      new Date('2026-06-01T11:30:00Z'),
    );
  });

  it('saves filters per user by name, replaces one of the same name, deletes only its own', async () => {
    const at = new Date('2026-06-01T12:00:00Z');
    const mine = await store.leads.saveFilter(ana, 'Mine, new', 'view=mine&stage=NEW', at);
    await store.leads.saveFilter(ana, 'Review', 'review=1', at);
    await store.leads.saveFilter(pablo, 'Review', 'review=1&type=repeat', at);
    const replaced = await store.leads.saveFilter(ana, 'Mine, new', 'view=mine', at);
    expect(replaced.id).toBe(mine.id);
    expect(
      (await store.leads.savedFilters(ana)).map(({ name, query }) => ({ name, query })),
    ).toEqual([
      { name: 'Mine, new', query: 'view=mine' },
      { name: 'Review', query: 'review=1' },
    ]);
    expect(await store.leads.deleteFilter(pablo, mine.id)).toBe(false);
    expect(await store.leads.deleteFilter(ana, mine.id)).toBe(true);
    expect((await store.leads.savedFilters(ana)).map((filter) => filter.name)).toEqual(['Review']);
    expect((await store.leads.savedFilters(pablo))[0]).toMatchObject({
      name: 'Review',
      query: 'review=1&type=repeat',
      createdAt: at,
    });
  });
});
