/**
 * `leadwire inbox replay` against the real Redis (own prefix) and a real database: which rows a
 * selection takes, what a replay resets, that replaying finished rows changes nothing, and a
 * 20,000-row run stopped with Ctrl-C and resumed.
 */
import { sql } from 'drizzle-orm';
import { afterEach, expect, it } from 'vitest';
import { openQueues, type Queues } from '../../scripts/cli/queues.ts';
import { runInboxCommand } from '../../scripts/cli/replay.ts';
import { CliError } from '../../scripts/cli/options.ts';
import { countInbox, openBurst } from '../helpers/burst.ts';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { startSystem, waitFor, type TestSystem } from '../helpers/system.ts';
import { addChannel, addInboxRow, intakeRaw } from '../helpers/rows.ts';

let system: TestSystem | undefined;
let queues: Queues | undefined;
afterEach(async () => {
  await queues?.close();
  await system?.close();
  queues = undefined;
  system = undefined;
});

const quiet = { progress: () => ({ update() {}, stop() {} }) };

/** Every table's rows, to compare a store before and after. */
async function snapshotOf(tables: Record<string, Promise<unknown[]>>) {
  return Object.fromEntries(
    await Promise.all(Object.entries(tables).map(async ([name, rows]) => [name, await rows])),
  );
}

async function start(label: string) {
  system = await startSystem({ label, web: false });
  queues = await openQueues(system.config);
  const current = system;
  return {
    system: current,
    queues,
    replay: async (...argv: string[]) =>
      (await runInboxCommand(current.store, current.config, ['inbox', ...argv], quiet)) ??
      'not an inbox command',
    row: (id: number) => current.store.inbox.get(id),
    hasJob: async (id: number) => (await queues?.ingest.queue.getJob(`inbox-${id}`)) !== undefined,
  };
}

it('selects rows by id, channel, status and received-at range, combined', async () => {
  const { system, replay, row, hasJob } = await start('cli-replay-select');
  const partner = await addChannel(system, { kind: 'api', name: 'Partner intake' });
  const day = (d: number) => new Date(`2026-01-0${d}T12:00:00Z`);
  const failed1 = await addInboxRow(system, {
    externalId: 's1',
    status: 'failed',
    error: 'e',
    attempts: 8,
    receivedAt: day(1),
  });
  const done = await addInboxRow(system, { externalId: 's2', status: 'done', receivedAt: day(2) });
  const failed2 = await addInboxRow(system, {
    externalId: 's3',
    channelId: partner,
    status: 'failed',
    error: 'e',
    attempts: 1,
    receivedAt: day(3),
  });
  const ignored = await addInboxRow(system, {
    externalId: 's4',
    channelId: partner,
    status: 'ignored',
    outcome: 'ignored',
    reason: 'auto-reply',
    attempts: 1,
    processedAt: day(4),
    receivedAt: day(4),
  });
  await addInboxRow(system, { externalId: 's5', receivedAt: day(5) });

  const dry = (...argv: string[]) => replay('replay', ...argv, '--dry-run');
  expect(await dry('--id', `${failed1.id},${failed2.id}`)).toBe(
    '2 inbox rows match (failed 2); 2 would go back to pending. Nothing enqueued (--dry-run).',
  );
  // Ignored rows stay ignored unless --status names them.
  expect(await dry('--channel', String(partner))).toBe(
    '2 inbox rows match (ignored 1, failed 1); 1 would go back to pending. Nothing enqueued (--dry-run).',
  );
  expect(await dry('--status', 'failed,ignored')).toBe(
    '3 inbox rows match (ignored 1, failed 2); 3 would go back to pending. Nothing enqueued (--dry-run).',
  );
  expect(await dry('--since', '2026-01-02', '--until', '2026-01-04')).toBe(
    '2 inbox rows match (done 1, failed 1); 1 would go back to pending. Nothing enqueued (--dry-run).',
  );
  expect(await dry('--channel', '1', '--status', 'failed,done', '--since', '2026-01-02')).toBe(
    '1 inbox rows match (done 1); 0 would go back to pending. Nothing enqueued (--dry-run).',
  );
  expect(await hasJob(failed1.id)).toBe(false);

  expect(await replay('replay', '--channel', String(partner), '--status', 'ignored')).toBe(
    'replay 1 finished: 1 of 1 rows enqueued, 1 back to pending',
  );
  expect(await row(ignored.id)).toMatchObject({
    status: 'pending',
    attempts: 0,
    outcome: null,
    reason: null,
    processedAt: null,
  });
  expect(await hasJob(ignored.id)).toBe(true);
  expect(await row(failed2.id)).toMatchObject({ status: 'failed', attempts: 1 });
  expect(await hasJob(failed2.id)).toBe(false);

  expect(await replay('replay', '--until', '2026-01-03')).toBe(
    'replay 2 finished: 2 of 2 rows enqueued, 1 back to pending',
  );
  // The error stays until a success clears it.
  expect(await row(failed1.id)).toMatchObject({ status: 'pending', attempts: 0, error: 'e' });
  expect((await row(done.id))?.status).toBe('done');
  expect([await hasJob(failed1.id), await hasJob(done.id)]).toEqual([true, true]);

  expect(await replay('replay', '--status', 'failed', '--since', '2027-01-01')).toBe(
    'no inbox rows match: nothing to replay',
  );
  await expect(replay('replay')).rejects.toThrow(
    new CliError(
      'inbox replay needs a selection: --id, --channel, --status, --since and/or --until',
    ),
  );
  await expect(replay('replay', '--status', 'lost')).rejects.toThrow(
    new CliError('--status takes pending, done, ignored, failed (comma-separated)'),
  );
  await expect(replay('replay', '--chanel', '2')).rejects.toThrow(
    new CliError('unknown option --chanel (did you mean --channel?)'),
  );
  await expect(replay('replay', '--resume', 'x')).rejects.toThrow(
    new CliError('there is no replay run x (see `inbox replays`)'),
  );
  await expect(replay('replay', '--resume')).rejects.toThrow(
    new CliError('there is no unfinished replay to resume (see `inbox replays`)'),
  );
  const started = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g;
  expect((await replay('replays')).replace(started, 'STARTED')).toBe(
    [
      'run  started               state     rows  cursor  selection',
      '  2  STARTED  finished  2/2        2  until 2026-01-03T00:00:00.000Z id ≤ 5',
      `  1  STARTED  finished  1/1        4  channel ${partner} status ignored id ≤ 5`,
    ].join('\n'),
  );
});

it('a failed row comes back after the fix; replaying done rows changes nothing', async () => {
  const { system, queues, replay, row } = await start('cli-replay-done');
  await system.startInProcessWorker();
  const burst = await openBurst(system, 10);
  for (let n = 0; n < 40; n++) await burst.record(n);
  await burst.close();
  const broken = await addInboxRow(system, {
    externalId: 'broken-1',
    raw: intakeRaw({ email: 5 }),
  });
  await queues.ingest.add({ inboxId: broken.id });
  await waitFor('the burst and the broken row', async () => {
    const counts = await countInbox(system);
    return counts.done === 40 && counts.failed === 1;
  });

  const snapshot = () =>
    Object.fromEntries(
      ['leads', 'messages', 'identities', 'clients', 'inbox', 'activities', 'events'].map((t) => [
        t,
        system.look.all(sql.raw(`SELECT * FROM ${t} ORDER BY id`)),
      ]),
    );
  const before = await snapshotOf(snapshot());
  const replayedAt = Date.now();
  expect(await replay('replay', '--status', 'done')).toBe(
    'replay 1 finished: 40 of 40 rows enqueued, 0 back to pending',
  );
  const doneIds = (await system.store.inbox.matchingPage({ statuses: ['done'] }, 0, 1000)).map(
    (r) => r.id,
  );
  // Their completed jobs were replaced, so the worker really ran each row again…
  await waitFor('the worker to run every done row again', async () => {
    const jobs = await Promise.all(doneIds.map((id) => queues.ingest.queue.getJob(`inbox-${id}`)));
    return jobs.every((job) => (job?.finishedOn ?? 0) >= replayedAt);
  });
  // …and nothing changed.
  expect(await snapshotOf(snapshot())).toEqual(before);

  const fixed = intakeRaw({ email: 'fixed@example.com', message: 'after the fix' });
  await system.look.run(sql`UPDATE inbox SET raw = ${fixed} WHERE id = ${broken.id}`);
  expect(await replay('replay', '--status', 'failed')).toBe(
    'replay 2 finished: 1 of 1 rows enqueued, 1 back to pending',
  );
  await waitFor('the fixed row to be done', async () => (await row(broken.id))?.status === 'done');
  expect(await row(broken.id)).toMatchObject({
    outcome: 'created_simple',
    error: null,
    attempts: 1,
  });
});

it('Ctrl-C stops a 20,000-row replay after a whole batch; --resume enqueues the rest once', async () => {
  const { system, queues } = await start('cli-replay-resume');
  const ROWS = 20_000;
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    externalId: `full-${i + 1}`,
    raw: intakeRaw({ email: `c${i + 1}@example.com`, message: `m${i + 1}` }),
  }));
  await system.store.inbox.recordBatch(1, rows, new Date('2026-01-01T00:00:00Z'));
  await system.look.run(
    sql`UPDATE inbox SET status = 'failed', error = 'SQLITE_FULL: database or disk is full', attempts = 8`,
  );
  const run = () => system.store.replays.get(1);
  const counts = () => countInbox(system);
  const waiting = () => queues.ingest.queue.getWaitingCount();

  // By channel: rows reset to pending still match, so only the cursor keeps a resumed run from
  // doing them again.
  const first = spawnCli(system.env, ['inbox', 'replay', '--channel', '1']);
  await waitFor(
    'the replay to make progress',
    async () => ((await run())?.doneCount ?? 0) >= 1000,
    20_000,
  );
  first.child.kill('SIGINT');
  expect(await first.exited).toBe(130);
  const stopped = await run();
  if (!stopped) throw new Error('no run recorded');
  expect(stopped).toMatchObject({ finishedAt: null, total: ROWS });
  expect(stopped.interruptedAt).toBeInstanceOf(Date);
  // Whole batches only, ids 1..N: the cursor is the last row of the last batch.
  expect(stopped.doneCount % 500).toBe(0);
  expect(stopped.doneCount).toBeLessThan(ROWS);
  expect(stopped.lastInboxId).toBe(stopped.doneCount);
  expect(first.output.stdout).toBe(
    `replay 1 interrupted after ${stopped.doneCount} of ${ROWS} rows (cursor: inbox id ${stopped.lastInboxId})\n` +
      'resume with: npm run leadwire -- inbox replay --resume 1\n',
  );
  expect(first.output.stderr).toMatch(/^replay 1: 0\/20000 rows \(0%\)$/m);
  expect(await counts()).toEqual({ pending: stopped.doneCount, failed: ROWS - stopped.doneCount });
  expect(await waiting()).toBe(stopped.doneCount);
  const lastBefore = await queues.ingest.queue.getJob(`inbox-${stopped.lastInboxId}`);
  expect(await queues.ingest.queue.getJob(`inbox-${stopped.lastInboxId + 1}`)).toBeUndefined();

  const resumedAt = Date.now();
  const second = await runCli(system.env, ['inbox', 'replay', '--resume']);
  expect(second.code).toBe(0);
  // Each row was reset exactly once across the two runs: the first reset doneCount, this one the rest.
  expect(second.stdout).toBe(
    `replay 1 finished (resumed after inbox id ${stopped.lastInboxId}): ${ROWS} of ${ROWS} rows enqueued, ${ROWS - stopped.doneCount} back to pending\n`,
  );
  expect(await run()).toMatchObject({ doneCount: ROWS, lastInboxId: ROWS, interruptedAt: null });
  expect((await run())?.finishedAt).toBeInstanceOf(Date);
  expect(await counts()).toEqual({ pending: ROWS });
  expect(await waiting()).toBe(ROWS);
  const jobIds = await queues.ingest.queue.getRanges(['waiting'], 0, -1);
  expect(jobIds.sort()).toEqual(Array.from({ length: ROWS }, (_, i) => `inbox-${i + 1}`).sort());
  // The jobs before the cursor are the first run's; the rest were added by the resumed one.
  const kept = await queues.ingest.queue.getJob(`inbox-${stopped.lastInboxId}`);
  const added = await queues.ingest.queue.getJob(`inbox-${stopped.lastInboxId + 1}`);
  expect(kept?.timestamp).toBe(lastBefore?.timestamp);
  expect(kept?.timestamp ?? Infinity).toBeLessThan(resumedAt);
  expect(added?.timestamp ?? 0).toBeGreaterThanOrEqual(resumedAt);

  const again = await runCli(system.env, ['inbox', 'replay', '--resume', '1']);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/^replay 1 finished at \S+: nothing to resume\n/);
}, 90_000);
