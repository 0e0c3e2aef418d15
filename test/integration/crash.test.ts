/**
 * Redis losing every key of the queue while messages keep arriving loses nothing: the
 * reconciler recovers every pending row. (Processes killed with SIGKILL, Redis stopped or
 * frozen: test/fault/, each on a Redis of its own.)
 */
import { afterEach, expect, it } from 'vitest';
import { createProducer } from '../../core/runtime/queues.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import { reconcileOnce } from '../../workers/reconciler/index.ts';
import { deleteKeys } from '../helpers/redis.ts';
import { countInbox, ledger, openBurst } from '../helpers/burst.ts';
import { startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let system: TestSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

it("Redis loses the queue's keys, before and during processing: the reconciler recovers every pending row", async () => {
  system = await startSystem({
    label: 'redis-loss',
    web: false,
    env: { RECONCILE_GRACE_MS: '1000', RECONCILE_INTERVAL_MS: '500' },
  });
  const current = system;
  const burst = await openBurst(current, 300);
  // No worker yet: the first 1,000 wait in the queue, then Redis forgets all of them.
  for (let n = 0; n < 1000; n++) await burst.record(n);
  expect(await countInbox(current)).toEqual({ pending: 1000 });
  expect(await deleteKeys(current.config.queuePrefix)).toBeGreaterThan(0);
  const worker = current.spawnWorker();
  // Then again while the worker is busy with jobs in flight.
  let deletedWhileBusy = 0;
  for (let n = 1000; n < 3000; n++) {
    await burst.record(n);
    if (n === 2000) {
      await waitFor(
        'the worker to be busy',
        async () => ((await countInbox(current)).done ?? 0) > 0,
        30_000,
      );
      deletedWhileBusy = await deleteKeys(current.config.queuePrefix);
    }
  }
  await burst.close();
  expect(deletedWhileBusy).toBeGreaterThan(0);
  await waitFor(
    'all 3,000 rows processed after the keys were deleted',
    async () => (await countInbox(current)).done === 3000,
    90_000,
  );
  expect(await ledger(current)).toEqual({
    messages: 3000,
    distinctInboxRows: 3000,
    leads: 300,
    inboxWithoutMessage: 0,
  });
  expect(worker.child.exitCode).toBeNull();
}, 150_000);

it('a pending row whose job already finished (its commit was lost) is enqueued again', async () => {
  system = await startSystem({ label: 'finished-job', web: false });
  const current = system;
  const burst = await openBurst(current, 10);
  for (let n = 0; n < 10; n++) await burst.record(n);
  await burst.close();
  // A worker that "completes" every job without committing anything, as if its commit was lost.
  const { Worker } = await import('bullmq');
  const liar = new Worker('ingest', async () => 'lost', {
    connection: { url: current.config.redisUrl },
    prefix: current.config.queuePrefix,
  });
  const queue = (await import('../../core/runtime/queues.ts')).createProducer(
    'ingest',
    (await import('../../core/runtime/redis.ts')).producerConnection(current.config.redisUrl),
    current.config.queuePrefix,
  );
  await waitFor(
    'the lying worker to finish all jobs',
    async () => (await queue.queue.getCompletedCount()) === 10,
  );
  await liar.close();
  expect(await countInbox(current)).toEqual({ pending: 10 });

  const clock = { now: () => new Date(Date.now() + 60_000) };
  const added = await reconcileOnce({
    inbox: current.store.inbox,
    producer: queue,
    clock,
    graceMs: 30_000,
  });
  expect(added).toBe(10);
  // A second pass leaves the waiting jobs alone.
  expect(
    await reconcileOnce({
      inbox: current.store.inbox,
      producer: queue,
      clock,
      graceMs: 30_000,
    }),
  ).toBe(0);
  await current.startInProcessWorker();
  await waitFor('the rows to be processed', async () => (await countInbox(current)).done === 10);
  await queue.queue.close();
});

it('a pending row whose job lost its place in the wait list (its hash left behind) is enqueued again', async () => {
  system = await startSystem({ label: 'halfgone', web: false });
  const current = system;
  const burst = await openBurst(current, 30);
  for (let n = 0; n < 30; n++) await burst.record(n);
  await burst.close();
  const redis = producerConnection(current.config.redisUrl);
  const producer = createProducer('ingest', redis, current.config.queuePrefix);
  try {
    await waitFor('the connection', () => redis.status === 'ready');
    // Redis lost the wait list but not the job hashes: every job looks unfinished to a cheap
    // look-up, yet none would ever run.
    await redis.del(producer.queue.toKey('wait'));
    const cursor = { afterId: 0 };
    const pass = () =>
      reconcileOnce(
        {
          inbox: current.store.inbox,
          producer,
          clock: { now: () => new Date(Date.now() + 60_000) },
          graceMs: 30_000,
        },
        cursor,
      );
    // The full state check is rationed (20 rows a pass) and goes on where the last pass
    // stopped: two passes reach every row, a third finds them all waiting.
    expect(await pass()).toBe(20);
    expect(await pass()).toBe(10);
    expect(await pass()).toBe(0);
    await current.startInProcessWorker();
    await waitFor('the rows to be processed', async () => (await countInbox(current)).done === 30);
    expect(await ledger(current)).toMatchObject({ messages: 30, distinctInboxRows: 30 });
  } finally {
    await producer.queue.close();
    redis.disconnect();
  }
});
