/**
 * The store contract for merges: what moves to the survivor, what is kept, what undo gives back
 * (the identical state, over many random cases) and what blocks an undo; on SQLite and on
 * PostgreSQL (TEST_DATABASE=postgres).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import type { MergePick } from '../../core/merge.ts';
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
const context = () => ({ userId: null, at: new Date() });
let users: number[];
let sequence = 0;

/** A small deterministic random source, so a failing case can be run again. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function intake(body: Record<string, string>): Promise<number> {
  sequence++;
  const raw = JSON.stringify({
    body: { message: `m${sequence}`, ...body },
    receivedAt: clock.now(),
  });
  const { row } = await store.inbox.record(1, `merge-${sequence}`, raw, new Date());
  const outcome = await ingestInbox(
    { channels: CHANNELS, repos: store, clock, defaultCountry: 'ES' },
    row.id,
  );
  if (outcome.leadId == null) throw new Error('no lead');
  return outcome.leadId;
}

/** Every row a merge of these records may touch, as the store holds it. */
type Rows = Record<string, unknown>[];
interface State {
  leads: Rows;
  clients: Rows;
  identities: Rows;
  messages: Rows;
  notes: Rows;
  activities: Rows;
  deals: Rows;
  contacts: Rows;
}
const none: State = {
  leads: [],
  clients: [],
  identities: [],
  messages: [],
  notes: [],
  activities: [],
  deals: [],
  contacts: [],
};

async function state(entity: 'lead' | 'client', ids: number[]): Promise<State> {
  const list = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  const own = sql.raw(entity === 'lead' ? 'lead_id' : 'client_id');
  const rows = async (query: ReturnType<typeof sql>) =>
    test.look.all<Record<string, unknown>>(query);
  return entity === 'lead'
    ? {
        ...none,
        leads: await rows(sql`SELECT * FROM leads WHERE id IN (${list}) ORDER BY id`),
        identities: await rows(sql`SELECT * FROM identities WHERE ${own} IN (${list}) ORDER BY id`),
        messages: await rows(
          sql`SELECT id, lead_id FROM messages WHERE lead_id IN (${list}) ORDER BY id`,
        ),
        notes: await rows(
          sql`SELECT id, lead_id FROM notes WHERE lead_id IN (${list}) ORDER BY id`,
        ),
        activities: await rows(
          sql`SELECT id, lead_id FROM activities WHERE lead_id IN (${list}) ORDER BY id`,
        ),
        deals: await rows(
          sql`SELECT id, lead_id, client_id FROM deals WHERE lead_id IN (${list}) ORDER BY id`,
        ),
      }
    : {
        ...none,
        clients: await rows(sql`SELECT * FROM clients WHERE id IN (${list}) ORDER BY id`),
        identities: await rows(sql`SELECT * FROM identities WHERE ${own} IN (${list}) ORDER BY id`),
        leads: await rows(
          sql`SELECT id, client_id FROM leads WHERE client_id IN (${list}) ORDER BY id`,
        ),
        deals: await rows(
          sql`SELECT id, client_id FROM deals WHERE client_id IN (${list}) ORDER BY id`,
        ),
        contacts: await rows(
          sql`SELECT id, company_id FROM clients WHERE company_id IN (${list}) ORDER BY id`,
        ),
      };
}

const PICKS: MergePick[] = ['survivor', 'merged', 'newer', 'older'];
const NAMES = ['Ana García', 'Anna Garcia', null, 'Pedro Ruiz', 'Юлия Смирнова'];
const COMPANIES = ['Acme S.L.', null, 'ACME', 'Romashka LLC'];

beforeAll(async () => {
  test = await openTestStore('contract-merges');
  store = test.store;
  users = [
    (await addUser(test, { name: 'Olga', email: 'olga@merge.test' })).id,
    (await addUser(test, { name: 'Ivan', email: 'ivan@merge.test' })).id,
  ];
  await store.customFields.create({
    entity: 'client',
    key: 'tier',
    label: 'Tier',
    type: 'string',
    required: false,
    options: [],
  });
});
afterAll(() => test.close());

describe(`merges on the ${TEST_STORE} store`, () => {
  it('moves identities, leads, deals and contacts to the surviving client, and undo gives back the identical state (40 random cases)', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
      const phone = `+3460${String(seed).padStart(2, '0')}1000`;
      const shared = { kind: 'phone' as const, key: `phone:${phone}`, raw: phone };
      const make = async (i: number) =>
        (
          await store.clients.create(
            {
              kind: next() < 0.2 ? 'company' : 'contact',
              ...(pick(NAMES) ? { name: pick(NAMES)! } : { company: 'Solo S.A.' }),
              ...(pick(COMPANIES) ? { company: pick(COMPANIES)! } : {}),
              ...(next() < 0.6 ? { responsibleId: pick(users) } : {}),
              custom: next() < 0.5 ? { tier: pick(['gold', 'silver']) } : {},
              identities: [
                ...(next() < 0.7 ? [shared] : []),
                {
                  kind: 'email',
                  key: `email:c${seed}-${i}@merge.test`,
                  raw: `c${seed}-${i}@merge.test`,
                },
              ],
            },
            context(),
          )
        ).id;
      const survivor = await make(1);
      const merged = await make(2);
      for (let d = 0; d < Math.floor(next() * 3); d++)
        await store.deals.create({ title: `deal ${seed}-${d}`, clientId: merged }, context());
      if (next() < 0.5)
        await store.clients.create(
          { name: `Contact ${seed}`, companyId: merged, identities: [] },
          context(),
        );
      const before = await state('client', [survivor, merged]);
      const picks = Object.fromEntries(
        ['name', 'company', 'kind', 'responsibleId', 'custom.tier'].map((f) => [f, pick(PICKS)]),
      );
      const merging = await store.merges.merge(
        { entity: 'client', survivorId: survivor, mergedId: merged, picks },
        context(),
        all,
      );
      expect(merging.ok, `seed ${seed}`).toBe(true);
      if (!merging.ok) continue;
      const after = await state('client', [survivor, merged]);
      expect(after.identities.every((row) => Number(row.client_id) === survivor)).toBe(true);
      expect(after.deals.every((row) => Number(row.client_id) === survivor)).toBe(true);
      expect(after.contacts.every((row) => Number(row.company_id) === survivor)).toBe(true);
      expect(Number(after.clients.find((row) => Number(row.id) === merged)?.merged_into_id)).toBe(
        survivor,
      );
      const undone = await store.merges.undo(merging.merge.id, context(), all);
      expect(undone, `seed ${seed}`).toMatchObject({ ok: true });
      expect(await state('client', [survivor, merged]), `seed ${seed}`).toEqual(before);
    }
  });

  it('moves messages, notes, activities and identities to the surviving lead, and undo gives back the identical state (30 random cases)', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const next = random(seed * 7);
      const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
      const survivor = await intake({
        name: pick(NAMES) ?? 'Someone',
        email: `l${seed}a@merge.test`,
        ...(next() < 0.5 ? { company: 'Acme' } : {}),
      });
      const merged = await intake({
        name: pick(NAMES) ?? 'Someone else',
        email: `l${seed}b@merge.test`,
        ...(next() < 0.5 ? { phone: `+34 611 00${String(seed).padStart(2, '0')} 00` } : {}),
      });
      for (let m = 0; m < Math.floor(next() * 3); m++)
        await intake({ email: `l${seed}b@merge.test` });
      if (next() < 0.5) await store.leads.addNote(merged, `note ${seed}`, context(), all);
      if (next() < 0.5)
        await store.activities.create(
          {
            leadId: merged,
            kind: 'call',
            subject: 'call back',
            dueAt: new Date(),
            responsibleId: null,
          },
          new Date(),
        );
      const before = await state('lead', [survivor, merged]);
      const merging = await store.merges.merge(
        {
          entity: 'lead',
          survivorId: survivor,
          mergedId: merged,
          picks: { name: pick(PICKS), title: pick(PICKS), company: pick(PICKS) },
        },
        context(),
        all,
      );
      expect(merging, `seed ${seed}`).toMatchObject({ ok: true });
      if (!merging.ok) continue;
      const after = await state('lead', [survivor, merged]);
      for (const table of ['messages', 'notes', 'activities', 'identities'] as const)
        expect(
          after[table].every((row) => Number(row.lead_id) === survivor),
          table,
        ).toBe(true);
      // The merged-away lead is out of the lists but kept.
      const listed = await store.leads.list({ limit: 200 }, all);
      expect(listed.leads.map((lead) => lead.id)).not.toContain(merged);
      expect(after.leads).toHaveLength(2);
      // Later mail from the merged person's address joins the survivor.
      const later = await intake({ email: `l${seed}b@merge.test` });
      expect(later).toBe(survivor);
      const afterLater = await state('lead', [survivor, merged]);
      const undone = await store.merges.undo(merging.merge.id, context(), all);
      if (!undone.ok) throw new Error(`seed ${seed}: ${JSON.stringify(undone)}`);
      const restored = await state('lead', [survivor, merged]);
      // Everything as before, but the message that came after the merge stays on the survivor.
      const newer = afterLater.messages.filter(
        (row) => !after.messages.some((m) => m.id === row.id),
      );
      expect(restored.messages).toEqual(
        [...before.messages, ...newer].sort((a, b) => Number(a.id) - Number(b.id)),
      );
      expect({ ...restored, messages: [] }).toEqual({ ...before, messages: [] });
    }
  });

  it('refuses an undo that would lose a later change, and says which', async () => {
    const survivor = await intake({ name: 'Marta Vidal', email: 'marta@merge.test' });
    const merged = await intake({ name: 'Marta Vidal Soler', email: 'marta.v@merge.test' });
    const merging = await store.merges.merge(
      { entity: 'lead', survivorId: survivor, mergedId: merged, picks: { name: 'merged' } },
      context(),
      all,
    );
    if (!merging.ok) throw new Error(merging.message);
    await store.leads.update(survivor, { name: 'Marta V.' }, context(), all);
    const undone = await store.merges.undo(merging.merge.id, context(), all);
    expect(undone).toMatchObject({ ok: false, problem: 'changed' });
    if (undone.ok) return;
    expect(undone.blocks).toContainEqual({
      what: `lead ${survivor} name`,
      why: expect.stringContaining('"Marta Vidal Soler" to "Marta V."') as string,
    });
  });

  it('records the merge on both timelines, emits events, and undoes once', async () => {
    const survivor = (await store.clients.create({ name: 'Luis Gómez', identities: [] })).id;
    const merged = (await store.clients.create({ name: 'Luis Gomez', identities: [] })).id;
    const merging = await store.merges.merge(
      { entity: 'client', survivorId: survivor, mergedId: merged, picks: {} },
      { userId: users[0]!, at: new Date() },
      all,
    );
    if (!merging.ok) throw new Error(merging.message);
    const view = await store.clients.view(survivor, all);
    expect(view?.timeline.map((entry) => entry.action)).toContain('merged');
    const events = await test.look.all<{ type: string }>(
      sql`SELECT type FROM events WHERE type LIKE 'client.%merged' ORDER BY id`,
    );
    expect(events.map((e) => e.type)).toContain('client.merged');
    expect(await store.merges.of('client', merged)).toEqual([merging.merge]);
    expect(await store.duplicates.of('client', merged, all)).toBeUndefined();
    expect((await store.merges.undo(merging.merge.id, context(), all)).ok).toBe(true);
    expect(await store.merges.undo(merging.merge.id, context(), all)).toMatchObject({
      ok: false,
      problem: 'already-undone',
    });
  });

  it('refuses records out of scope, the same record, and leads of two clients', async () => {
    const a = (await store.clients.create({ name: 'Scoped A', identities: [] })).id;
    const b = (
      await store.clients.create({ name: 'Scoped B', responsibleId: users[0]!, identities: [] })
    ).id;
    const own = { kind: 'some', responsibleIds: [users[0]!], unassignedChannelIds: [] } as const;
    expect(
      await store.merges.merge(
        { entity: 'client', survivorId: b, mergedId: a, picks: {} },
        context(),
        own,
      ),
    ).toMatchObject({ ok: false, problem: 'not-found' });
    expect(
      await store.merges.merge(
        { entity: 'client', survivorId: a, mergedId: a, picks: {} },
        context(),
        all,
      ),
    ).toMatchObject({ ok: false, problem: 'same-record' });
    const first = await intake({ email: 'two-clients-1@merge.test' });
    const second = await intake({ email: 'two-clients-2@merge.test' });
    await test.look.run(
      sql`UPDATE leads SET client_id = ${a}, type = 'repeat' WHERE id = ${first}`,
    );
    await test.look.run(
      sql`UPDATE leads SET client_id = ${b}, type = 'repeat' WHERE id = ${second}`,
    );
    expect(
      await store.merges.merge(
        { entity: 'lead', survivorId: first, mergedId: second, picks: {} },
        context(),
        all,
      ),
    ).toMatchObject({ ok: false, problem: 'different-clients' });
  });
});
