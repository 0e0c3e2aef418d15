/**
 * Whatever crashes, nothing recorded is lost or duplicated: a worker killed with SIGKILL in the
 * middle of a burst, and Redis losing every key of the queue while messages keep arriving.
 */
import { afterEach, expect, it } from 'vitest';
import { deleteKeys } from '../helpers/redis.ts';
import { countInbox, ledger, openBurst } from '../helpers/burst.ts';
import { startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let system: TestSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

it('kill -9 of a worker in the middle of a 5,000-message burst: every message on exactly one lead', async () => {
  system = await startSystem({
    label: 'crash',
    web: false,
    env: { RECONCILE_GRACE_MS: '2000', RECONCILE_INTERVAL_MS: '1000' },
  });
  const current = system;
  const burst = openBurst(current, 500);
  const first = current.spawnWorker();
  let killedAt = -1;
  for (let n = 0; n < 5000; n++) {
    await burst.record(n);
    if (killedAt < 0 && (countInbox(current).done ?? 0) >= 800) {
      first.child.kill('SIGKILL');
      killedAt = n;
      await first.exited;
    }
  }
  await burst.close();
  expect(killedAt).toBeGreaterThan(0);
  expect(first.child.signalCode).toBe('SIGKILL');
  const second = current.spawnWorker();
  await waitFor(
    'all 5,000 rows processed after the crash',
    () => countInbox(current).done === 5000,
    90_000,
  );

  expect(countInbox(current)).toEqual({ done: 5000 });
  expect(ledger(current)).toEqual({
    messages: 5000,
    distinctInboxRows: 5000,
    leads: 500,
    inboxWithoutMessage: 0,
  });
  expect(second.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
}, 150_000);

it("Redis loses the queue's keys mid-run: the reconciler recovers every pending row", async () => {
  system = await startSystem({
    label: 'redis-loss',
    web: false,
    env: { RECONCILE_GRACE_MS: '1000', RECONCILE_INTERVAL_MS: '500' },
  });
  const current = system;
  const burst = openBurst(current, 300);
  // No worker yet: the first half waits in the queue, then Redis forgets all of it.
  for (let n = 0; n < 1500; n++) await burst.record(n);
  expect(countInbox(current)).toEqual({ pending: 1500 });
  expect(await deleteKeys(current.config.queuePrefix)).toBeGreaterThan(0);
  current.spawnWorker();
  for (let n = 1500; n < 3000; n++) await burst.record(n);
  await burst.close();
  await waitFor(
    'all 3,000 rows processed after the keys were deleted',
    () => countInbox(current).done === 3000,
    90_000,
  );
  expect(ledger(current)).toEqual({
    messages: 3000,
    distinctInboxRows: 3000,
    leads: 300,
    inboxWithoutMessage: 0,
  });
}, 150_000);
