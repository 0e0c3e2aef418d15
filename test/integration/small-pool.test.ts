/**
 * A deployment may give each process a single database connection (DATABASE_POOL_SIZE=1). New
 * leads of a channel's operator queue still go round robin: the turn is taken while a batch holds
 * its connection and locks, so it must not need a second connection of the same pool.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addUser } from '../helpers/rows.ts';
import { pool } from '../helpers/senders.ts';
import { api, startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem({ label: 'small-pool', env: { DATABASE_POOL_SIZE: '1' } });
  await system.startInProcessWorker();
});
afterAll(() => system.close());

it('with one connection per process, concurrent new leads are assigned in turn', async () => {
  const operators = [
    await addUser(system, { name: 'Op A', email: 'a@ops.test' }),
    await addUser(system, { name: 'Op B', email: 'b@ops.test' }),
  ];
  for (const user of operators) await system.store.users.addToQueue(1, user.id);
  const call = api(system);
  const answers = await pool(
    Array.from(
      { length: 8 },
      (_, i) => () => call('POST', '/api/v1/leads?wait=true', { email: `pool${i}@example.com` }),
    ),
    8,
  );
  expect(answers.map((res) => [res.status, res.body.outcome])).toEqual(
    answers.map(() => [200, 'created_simple']),
  );
  const responsible = await Promise.all(
    answers.map(
      async (res) => (await call('GET', `/api/v1/leads/${res.body.leadId}`)).body.responsibleId,
    ),
  );
  const [a, b] = operators;
  expect(responsible.filter((id) => id === a?.id)).toHaveLength(4);
  expect(responsible.filter((id) => id === b?.id)).toHaveLength(4);
});
