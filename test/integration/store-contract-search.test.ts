/**
 * The store contract, full-text part: `q` on the lead list finds words in a lead's title, name and
 * company and in its messages (either direction), folds case and accents, needs every word in the
 * lead's fields or in one message with them, takes the last one as a prefix, and never fails on
 * what a person types, on SQLite and on PostgreSQL (TEST_DATABASE=postgres). The leads are made
 * through the ingest path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import type { RecordScope } from '../../core/permissions.ts';
import type { LeadFilter } from '../../core/repositories/leads.ts';
import type { Store } from '../../core/repositories/index.ts';
import { CHANNELS } from '../../connectors/registry.ts';
import { ingestInbox } from '../../workers/ingest/handler.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { addUser } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const ALL = { kind: 'all' } as const;

let test: TestStore;
let store: Store;
const clock = fixedClock('2026-06-01T10:00:00.000Z');
const by = { userId: null, at: new Date('2026-06-01T12:00:00Z') };

async function intake(externalId: string, body: Record<string, unknown>): Promise<number> {
  const raw = JSON.stringify({ body, receivedAt: '2026-06-01T09:00:00.000Z' });
  const { row } = await store.inbox.record(1, externalId, raw, new Date());
  const outcome = await ingestInbox(
    { channels: CHANNELS, repos: store, clock, defaultCountry: 'ES' },
    row.id,
  );
  if (outcome.leadId == null) throw new Error(`${externalId} made no lead`);
  return outcome.leadId;
}

/** The ids of the leads `q` finds, newest first. */
async function find(q: string, scope: RecordScope = ALL, filter: Partial<LeadFilter> = {}) {
  const { leads } = await store.leads.list({ limit: 50, ...filter, q }, scope);
  return leads.map((lead) => lead.id);
}

let jose: number;
let ines: number;
let acme: number;
let kiosk: number;
let operator: number;

beforeAll(async () => {
  test = await openTestStore('contract-search');
  store = test.store;
  jose = await intake('s-1', {
    name: 'José Núñez',
    email: 'jose@search.test',
    company: 'Cervecería Madrid',
    title: 'Presupuesto terraza',
    message: 'Hola, quiero información',
  });
  // A later message of the same sender goes to the same open lead.
  expect(
    await intake('s-2', { email: 'jose@search.test', message: 'Necesito un andamio tubular' }),
  ).toBe(jose);
  ines = await intake('s-3', {
    name: 'Inés Martín',
    email: 'ines@search.test',
    company: 'Acme Logistics',
    message: 'Price for pallets to MADRID please',
  });
  acme = await intake('s-4', {
    name: 'Oskar Berg',
    email: 'oskar@search.test',
    company: 'Acme Robotics',
    title: 'Welding robot quote',
    message: 'Straße 5, Köln',
  });
  kiosk = await intake('s-5', { name: 'Kiosk Bot', email: 'kiosk@search.test', message: 'ping' });
  await store.leads.addOutbound({
    leadId: kiosk,
    channelId: 1,
    externalId: 'search-reply-1',
    sender: 'Leadwire',
    text: 'Our catalogue is attached, zeppelin edition',
    meta: {},
    at: new Date('2026-06-01T11:00:00Z'),
  });
  operator = (await addUser(test, { name: 'Searcher', email: 'searcher@search.test' })).id;
  expect(await store.leads.update(ines, { responsibleId: operator }, by, ALL)).toMatchObject({
    ok: true,
  });
});
afterAll(() => test.close());

describe(`lead search on the ${TEST_STORE} store`, () => {
  it('finds words in the title, the name and the company', async () => {
    expect(await find('terraza')).toEqual([jose]);
    expect(await find('Berg')).toEqual([acme]);
    expect(await find('logistics')).toEqual([ines]);
    expect(await find('acme')).toEqual([acme, ines]);
  });

  it('finds words in a later message and in an operator reply', async () => {
    expect(await find('andamio')).toEqual([jose]);
    expect(await find('hola')).toEqual([jose]);
    expect(await find('zeppelin')).toEqual([kiosk]);
  });

  it('folds case and accents both ways', async () => {
    expect(await find('Jose')).toEqual([jose]);
    expect(await find('NUÑEZ')).toEqual([jose]);
    expect(await find('cerveceria')).toEqual([jose]);
    expect(await find('ínes')).toEqual([ines]);
    expect(await find('koln')).toEqual([acme]);
    // "madrid" is a company word of one lead and a message word of another.
    expect(await find('MADRID')).toEqual([ines, jose]);
  });

  it('needs every word, in the fields or in one message with them', async () => {
    expect(await find('acme robotics')).toEqual([acme]);
    expect(await find('acme madrid')).toEqual([ines]);
    // Name in the lead, words in its second message.
    expect(await find('josé andamio')).toEqual([jose]);
    expect(await find('núñez cervecería necesito tubular')).toEqual([jose]);
    expect(await find('josé zeppelin')).toEqual([]);
    expect(await find('nobody')).toEqual([]);
    // Words of two different messages are not one match, as in a mail search.
    expect(await find('hola andamio')).toEqual([]);
  });

  it('takes the last word as a prefix while it is being typed', async () => {
    expect(await find('Jos')).toEqual([jose]);
    expect(await find('acme rob')).toEqual([acme]);
    expect(await find('presupuesto ter')).toEqual([jose]);
    expect(await find('zepp')).toEqual([kiosk]);
    // Only the last word, and not once it is closed by a quote.
    expect(await find('rob acme')).toEqual([]);
    expect(await find('"rob"')).toEqual([]);
  });

  it('combines with the other filters, the scope and paging', async () => {
    const mine = { kind: 'some', responsibleIds: [operator], unassignedChannelIds: [] } as const;
    expect(await find('acme', mine)).toEqual([ines]);
    expect(await find('madrid', mine)).toEqual([ines]);
    expect(await find('jose', mine)).toEqual([]);
    expect(await find('acme', ALL, { unassigned: true })).toEqual([acme]);
    expect(await find('acme', ALL, { responsibleId: operator })).toEqual([ines]);
    expect(await find('madrid', ALL, { identityKeys: ['email:jose@search.test'] })).toEqual([jose]);
    expect(await find('acme', ALL, { sort: 'oldest' })).toEqual([ines, acme]);
    const first = await store.leads.list({ limit: 1, q: 'acme' }, ALL);
    expect(first.leads.map((lead) => lead.id)).toEqual([acme]);
    const next = await store.leads.list({ limit: 1, q: 'acme', cursor: first.nextCursor! }, ALL);
    expect(next.leads.map((lead) => lead.id)).toEqual([ines]);
    expect(next.nextCursor).toBeNull();
  });

  it('never fails on punctuation or query operators', async () => {
    const typed = [
      '"',
      '"josé',
      "jos'é",
      '*',
      'jos*',
      '-acme',
      'acme -robotics',
      'acme OR madrid',
      'NEAR(acme madrid)',
      'title:acme',
      '(acme',
      'acme)',
      'a & b | !c <-> d:*',
      '^acme',
      '🙂',
      'acme 🙂',
      '\\',
      '%_',
      "'; DROP TABLE leads; --",
    ];
    for (const q of typed) await expect(find(q), q).resolves.toBeInstanceOf(Array);
    // Operators are separators: the words around them are still searched, all of them.
    expect(await find('acme OR madrid')).toEqual([]);
    expect(await find('NEAR(acme madrid)')).toEqual([]);
    expect(await find('(acme) "madrid":')).toEqual([ines]);
    expect(await find('-acme')).toEqual([acme, ines]);
    expect(await find('🙂')).toEqual([]);
    expect(await find('"josé')).toEqual([jose]);
  });

  it('follows a changed title, name or company', async () => {
    expect(
      await store.leads.update(acme, { title: 'Laser cutter', company: 'Zenith AB' }, by, ALL),
    ).toMatchObject({ ok: true });
    expect(await find('welding')).toEqual([]);
    expect(await find('zenith laser')).toEqual([acme]);
    expect(await find('acme')).toEqual([ines]);
    expect(await find('oskar')).toEqual([acme]);
    // Its message is found with the new fields, no longer with the old ones.
    expect(await find('zenith köln')).toEqual([acme]);
    expect(await find('welding köln')).toEqual([]);
    expect(await find('laser straße')).toEqual([acme]);
  });
});
