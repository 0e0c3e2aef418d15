/**
 * The bulk seed of the bench and the soak (db/seed.ts) writes rows as the repositories would:
 * with their duplicate keys, so no process that starts on a seeded database has a backfill to do
 * (a million clients without keys kept a new worker busy for about a minute), and possible
 * duplicates are found by those keys.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RecordScope } from '../../core/permissions.ts';
import { seedCrm } from '../../db/seed.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const all: RecordScope = { kind: 'all' };
let test: TestStore;

beforeAll(async () => {
  test = await openTestStore('seed');
  const names = ['Anna Schmidt', 'Bruno Keller', 'Anna Schmidt'];
  await seedCrm(
    test.store,
    {
      users: [{ id: 1, name: 'Operator 1', email: 'operator1@leadwire.test', operatorOf: 1 }],
      clients: names.length,
      client: (n) => ({
        name: names[n - 1]!,
        responsibleId: 1,
        identities: [
          { kind: 'email', key: `email:client${n}@example.com`, raw: `client${n}@example.com` },
        ],
      }),
      leads: {
        count: 2,
        lead: (n) => ({
          clientId: null,
          identities: [{ kind: 'phone', key: `phone:+3460000000${n}`, raw: `+3460000000${n}` }],
          responsibleId: 1,
          title: `Lead ${n}`,
          name: 'Carla Duarte',
          company: 'Romashka LLC',
          message: 'Hello',
          at: new Date('2026-12-01T10:00:00Z'),
        }),
      },
    },
    () => undefined,
  );
});
afterAll(() => test.close());

it('leaves no client or lead without its duplicate keys', async () => {
  expect(await test.store.duplicates.backfillKeys(100)).toBe(0);
});

it('seeds clients and leads whose possible duplicates are found by those keys', async () => {
  expect((await test.store.duplicates.of('client', 1, all))?.map((c) => c.id)).toEqual([3]);
  expect((await test.store.duplicates.of('client', 2, all))?.map((c) => c.id)).toEqual([]);
  const lead = await test.store.duplicates.of('lead', 1, all);
  expect(lead?.map((c) => c.id)).toEqual([2]);
});
