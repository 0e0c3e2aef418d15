/**
 * Worker processes side by side (two on SQLite, which serialises writers anyway; four on
 * PostgreSQL, where only the advisory locks keep them apart), 1,000 messages from 100 senders
 * posted concurrently, identities spelled differently every time: exactly 100 leads, each with
 * its 10 messages in sent-at order, and no worker error.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  api,
  startSystem,
  waitFor,
  type TestSystem,
  type WorkerProcess,
} from '../helpers/system.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { makeSenders, pool, shuffle, spelled } from '../helpers/senders.ts';

const WORKERS = TEST_STORE === 'postgres' ? 4 : 2;

let system: TestSystem;
let workers: WorkerProcess[];

beforeAll(async () => {
  system = await startSystem({ label: 'concurrency' });
  workers = Array.from({ length: WORKERS }, () => system.spawnWorker());
});
afterAll(() => system.close());

it(`1,000 concurrent messages from 100 senders make exactly 100 leads (${WORKERS} workers)`, async () => {
  const call = api(system);
  const senders = makeSenders(100);
  const base = Date.parse('2026-11-01T09:00:00Z');
  const posts = shuffle(
    senders.flatMap((sender) => Array.from({ length: 10 }, (_, k) => ({ sender, k }))),
  );
  const results = await pool(
    posts.map(
      ({ sender, k }) =>
        () =>
          call('POST', '/api/v1/leads', {
            name: `Customer ${sender.index}`,
            ...spelled(sender, k),
            message: `message ${k} from ${sender.index}`,
            sentAt: new Date(base + sender.index * 1000 + k * 60_000).toISOString(),
          }),
    ),
    50,
  );
  expect(results.filter((r) => r.status !== 202).map((r) => [r.status, r.body?.message])).toEqual(
    [],
  );

  const pending = async () => (await system.store.inbox.backlog()).pending;
  await waitFor('every inbox row processed', async () => (await pending()) === 0, 60_000);

  expect(await system.store.inbox.countMatching({})).toEqual({ done: 1000 });
  // Each lead's history, as an operator reads it from the API, is the sender's 10 messages in order.
  const leadIds = (await system.look.all<{ id: number }>(sql`SELECT id FROM leads`)).map(
    (row) => row.id,
  );
  expect(leadIds).toHaveLength(100);
  const seen = new Set<string>();
  for (const id of leadIds) {
    const lead = (await call('GET', `/api/v1/leads/${id}`)).body;
    const texts = lead.messages.map((m: { text: string }) => m.text) as string[];
    const from = /from (\d+)$/.exec(texts[0] ?? '')?.[1] ?? '?';
    expect(seen.has(from)).toBe(false);
    seen.add(from);
    expect(texts).toEqual(Array.from({ length: 10 }, (_, k) => `message ${k} from ${from}`));
  }
  expect(seen.size).toBe(100);
  // Every process took part, and none logged an error.
  const { Queue } = await import('bullmq');
  const queue = new Queue('ingest', {
    connection: { url: system.config.redisUrl },
    prefix: system.config.queuePrefix,
  });
  const completed = await queue.getCompleted(0, 999);
  await queue.close();
  const pids = new Set(completed.map((job) => job.processedBy?.split('/')[1]));
  expect(pids).toEqual(new Set(workers.map((worker) => String(worker.child.pid))));
  for (const worker of workers) {
    expect(worker.child.exitCode).toBeNull();
    expect(worker.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  }
});
