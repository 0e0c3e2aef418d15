/**
 * The store contract for possible duplicates: candidates of a client or lead with their reasons,
 * pairs in pages, dismissed pairs, scope, and keys computed for records written before them; on
 * SQLite and on PostgreSQL (TEST_DATABASE=postgres).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import { normaliseEmail, normalisePhone, type Identity } from '../../core/identities.ts';
import type { Store } from '../../core/repositories/index.ts';
import { CHANNELS } from '../../connectors/registry.ts';
import { ingestInbox } from '../../workers/ingest/handler.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { addUser } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
let store: Store;
const clock = fixedClock('2026-06-01T10:00:00.000Z');
const all = { kind: 'all' } as const;

function email(text: string): Identity {
  const read = normaliseEmail(text);
  if (!read.ok) throw new Error(text);
  return read.identity;
}
function phone(text: string): Identity {
  const read = normalisePhone(text, 'ES');
  if (!read.ok) throw new Error(text);
  return read.identity;
}

async function client(
  fields: { name?: string; company?: string; kind?: 'contact' | 'company'; responsibleId?: number },
  identities: Identity[] = [],
): Promise<number> {
  return (await store.clients.create({ ...fields, identities })).id;
}

async function intake(externalId: string, body: Record<string, string>): Promise<number> {
  const raw = JSON.stringify({ body: { message: 'hola', ...body }, receivedAt: clock.now() });
  const { row } = await store.inbox.record(1, externalId, raw, new Date());
  const outcome = await ingestInbox(
    { channels: CHANNELS, repos: store, clock, defaultCountry: 'ES' },
    row.id,
  );
  if (outcome.leadId == null) throw new Error(`${externalId} made no lead`);
  return outcome.leadId;
}

let ana: number;
let anna: number;
let pedro: number;
let romashka: number;
let romashkaLlc: number;
let romashkaTrading: number;
let colleague: number;
let operator: number;

beforeAll(async () => {
  test = await openTestStore('contract-duplicates');
  store = test.store;
  operator = (await addUser(test, { name: 'Olga', email: 'olga@dup.test' })).id;
  ana = await client({ name: 'Ana García' }, [phone('+34 600 111 222')]);
  anna = await client({ name: 'Anna Garcia' }, [email('anna.garcia@example.org')]);
  pedro = await client({ name: 'Pedro Ruiz', responsibleId: operator }, [phone('600111222')]);
  romashka = await client({ kind: 'company', company: 'ООО «Ромашка»' }, [
    email('info@romashka.ru'),
  ]);
  romashkaLlc = await client({ kind: 'company', company: 'Romashka LLC' });
  romashkaTrading = await client({ kind: 'company', company: 'Romashka Trading' }, [
    email('sales@romashka.ru'),
  ]);
  // Someone who works at Romashka is a colleague of the company, not a duplicate of it.
  colleague = await client({ name: 'Iuliia Ivanova', company: 'Romashka' }, [
    email('iuliia@romashka.ru'),
  ]);
});
afterAll(() => test.close());

describe(`possible duplicates on the ${TEST_STORE} store`, () => {
  it('finds a client by a shared phone and by a similar name, strongest first', async () => {
    const found = await store.duplicates.of('client', ana, all);
    expect(found?.map((c) => [c.id, c.reasons])).toEqual([
      [pedro, [{ kind: 'phone', value: '+34600111222' }]],
      [anna, [{ kind: 'name', score: expect.closeTo(0.94, 1) as number }]],
    ]);
    expect(found?.[0]).toMatchObject({ entity: 'client', kind: 'contact', name: 'Pedro Ruiz' });
  });

  it('finds companies by their title without the legal form, and by a work domain', async () => {
    const found = await store.duplicates.of('client', romashka, all);
    expect(found?.map((c) => [c.id, c.reasons.map((r) => r.kind)])).toEqual([
      [romashkaLlc, ['company']],
      // Equal reasons: the newest record first.
      [colleague, ['domain']],
      [romashkaTrading, ['domain']],
    ]);
    // A free-mail domain says nothing; two people at one company are colleagues.
    expect((await store.duplicates.of('client', colleague, all))?.map((c) => c.id)).toEqual([
      romashkaTrading,
      romashka,
    ]);
  });

  it('answers undefined for a client that does not exist or is out of scope', async () => {
    expect(await store.duplicates.of('client', 999_999, all)).toBeUndefined();
    const own = {
      kind: 'some',
      responsibleIds: [operator],
      unassignedChannelIds: [],
    } as const;
    expect(await store.duplicates.of('client', ana, own)).toBeUndefined();
    expect(await store.duplicates.of('client', pedro, own)).toEqual([]);
  });

  it('lists every pair once, in pages that follow each other', async () => {
    const seen: string[] = [];
    let cursor: number | undefined;
    for (let page = 0; page < 20; page++) {
      const result = await store.duplicates.pairs('client', all, { limit: 2, cursor });
      for (const pair of result.pairs) {
        expect(pair.a.id).toBeLessThan(pair.b.id);
        seen.push(`${pair.a.id}-${pair.b.id}:${pair.reasons.map((r) => r.kind).join('+')}`);
      }
      if (result.nextCursor === null) break;
      cursor = Number(result.nextCursor);
    }
    expect(seen.sort()).toEqual(
      [
        `${ana}-${anna}:name`,
        `${ana}-${pedro}:phone`,
        `${romashka}-${romashkaLlc}:company`,
        `${romashka}-${romashkaTrading}:domain`,
        `${romashka}-${colleague}:domain`,
        `${romashkaTrading}-${colleague}:domain`,
      ].sort(),
    );
  });

  it('never suggests a dismissed pair again, from either side', async () => {
    expect(await store.duplicates.dismiss('client', anna, ana, operator)).toBe(true);
    expect(await store.duplicates.dismiss('client', anna, ana, operator)).toBe(true);
    expect((await store.duplicates.of('client', ana, all))?.map((c) => c.id)).toEqual([pedro]);
    expect(await store.duplicates.of('client', anna, all)).toEqual([]);
    expect(await store.duplicates.dismiss('client', ana, 999_999, operator)).toBe(false);
  });

  it('finds leads by identity and name, but not leads of one client', async () => {
    const first = await intake('d-1', { name: 'Юлия Смирнова', email: 'yulia@mail.example' });
    const second = await intake('d-2', { name: 'Iuliia Smirnova', phone: '+34 611 222 333' });
    const third = await intake('d-3', { name: 'Marta Vidal', email: 'yulia@mail.example' });
    const found = await store.duplicates.of('lead', second, all);
    expect(found?.map((c) => [c.id, c.reasons.map((r) => r.kind)])).toEqual([[first, ['name']]]);
    // The third message joined the first lead (the same email), so it is no new lead.
    expect(third).toBe(first);
    expect(found?.[0]).toMatchObject({ entity: 'lead', kind: 'lead', stage: 'NEW' });
  });

  it('computes the keys of records written before they existed', async () => {
    await test.look.run(
      sql`INSERT INTO clients (kind, name, created_at) VALUES ('contact', 'Ana  GARCÍA', ${test.look.at(new Date())})`,
    );
    const [row] = await test.look.all<{ id: number }>(
      sql`SELECT id FROM clients WHERE match_key IS NULL`,
    );
    expect(row).toBeDefined();
    expect(await store.duplicates.of('client', ana, all)).not.toContainEqual(
      expect.objectContaining({ id: Number(row!.id) }),
    );
    expect(await store.duplicates.backfillKeys(100)).toBeGreaterThanOrEqual(1);
    expect(await store.duplicates.backfillKeys(100)).toBe(0);
    expect((await store.duplicates.of('client', ana, all))?.map((c) => c.id)).toContain(
      Number(row!.id),
    );
  });
});
