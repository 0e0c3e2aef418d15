/**
 * A worker killed with SIGKILL in the middle of a burst, on a Redis of the test's own: its
 * active jobs stall, a second worker takes over, and every message ends on exactly one lead.
 */
import { expect, it } from 'vitest';
import { countInbox, ledger, openBurst } from '../helpers/burst.ts';
import { useFaultRig } from '../helpers/fault-rig.ts';
import { waitFor } from '../helpers/system.ts';

const rig = useFaultRig();

it('kill -9 of a worker in the middle of a 5,000-message burst: every message on exactly one lead', async () => {
  const { system: current } = await rig.start('crash', {
    RECONCILE_GRACE_MS: '2000',
    RECONCILE_INTERVAL_MS: '1000',
  });
  const burst = await openBurst(current, 500);
  const first = current.spawnWorker();
  let killedAt = -1;
  for (let n = 0; n < 5000; n++) {
    await burst.record(n);
    if (killedAt < 0 && ((await countInbox(current)).done ?? 0) >= 800) {
      first.child.kill('SIGKILL');
      killedAt = n;
      await first.exited;
    }
  }
  await burst.close();
  expect(killedAt).toBeGreaterThan(0);
  expect(first.child.signalCode).toBe('SIGKILL');
  const doneAtKill = (await countInbox(current)).done ?? 0;
  const second = current.spawnWorker();
  await waitFor(
    'all 5,000 rows processed after the crash',
    async () => (await countInbox(current)).done === 5000,
    90_000,
  );
  console.log(
    `worker crash: killed after ${doneAtKill} of 5000 done (${killedAt} recorded); 5000 done, ` +
      `${(await ledger(current)).messages} messages, ${(await ledger(current)).leads} leads`,
  );

  expect(await countInbox(current)).toEqual({ done: 5000 });
  expect(await ledger(current)).toEqual({
    messages: 5000,
    distinctInboxRows: 5000,
    leads: 500,
    inboxWithoutMessage: 0,
  });
  expect(second.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
}, 150_000);
