/**
 * `leadwire queues`, `queues failed` and `queues retry` against the real Redis (own prefix) and a
 * real database, with the real ingest and outbound workers failing real jobs.
 */
import { sql } from 'drizzle-orm';
import { afterEach, expect, it } from 'vitest';
import { openQueues, runQueuesCommand, type Queues } from '../../scripts/cli/queues.ts';
import { CliError } from '../../scripts/cli/options.ts';
import { runCli } from '../helpers/cli.ts';
import { startSystem, waitFor, type TestSystem } from '../helpers/system.ts';
import { addInboxRow, intakeRaw } from '../helpers/rows.ts';

let system: TestSystem | undefined;
let queues: Queues | undefined;
afterEach(async () => {
  await queues?.close();
  await system?.close();
  queues = undefined;
  system = undefined;
});

async function start(label: string) {
  system = await startSystem({ label, web: false });
  queues = await openQueues(system.config);
  const current = system;
  return {
    system: current,
    queues,
    cli: async (...argv: string[]) =>
      (await runQueuesCommand(current.store, current.config, argv)) ?? 'not a queues command',
    row: (id: number) => current.store.inbox.get(id),
  };
}

const WHEN = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';

it('counts jobs per queue and state next to inbox rows and replies by status', async () => {
  const { system, queues, cli } = await start('cli-queues-counts');
  const rows = [];
  for (const n of ['a', 'b', 'c'])
    rows.push(await addInboxRow(system, { externalId: `count-${n}` }));
  await addInboxRow(system, { externalId: 'count-done', status: 'done' });
  await addInboxRow(system, { externalId: 'count-failed', status: 'failed', error: 'boom' });
  await queues.ingest.addBulk(rows.map((row) => ({ inboxId: row.id })));
  await queues.outbound.queue.add('outbound', { messageId: 1 }, { jobId: 'out-1', delay: 60_000 });
  await queues.outbound.queue.pause();

  expect(await cli('queues')).toBe(
    [
      'queue     waiting  active  delayed  failed  completed  paused',
      'ingest          3       0        0       0          0  no',
      'outbound        0       0        1       0          0  yes',
      'webhooks        0       0        0       0          0  no',
      '',
      'inbox rows  pending  done  ignored  failed',
      '                  3     1        0       1',
      'replies  queued  sent  failed  undelivered',
      '              0     0       0            0',
    ].join('\n'),
  );
  await expect(cli('queues', 'nonsense')).rejects.toThrow(
    new CliError('unknown command: queues nonsense'),
  );
  await expect(cli('queues', 'failed', '--queue', 'events')).rejects.toThrow(
    new CliError('--queue must be one of ingest, outbound, webhooks'),
  );
});

it('a job that fails lists with its inbox row and error; after the fix, retry makes the row done', async () => {
  const { system, queues, cli, row } = await start('cli-queues-retry');
  await system.startInProcessWorker();
  // A row the worker can never read: the email is a number (MalformedInputError fails at once).
  const broken = await addInboxRow(system, {
    externalId: 'broken-1',
    raw: intakeRaw({ email: 5 }),
  });
  // A row that failed more than 7 days ago: BullMQ has dropped its job, the row remains.
  const old = await addInboxRow(system, {
    externalId: 'old-1',
    status: 'failed',
    error: 'the request body is not valid: email: Invalid input',
  });
  await queues.ingest.add({ inboxId: broken.id });
  await waitFor('the broken row to fail', async () => (await row(broken.id))?.status === 'failed');
  expect(await row(broken.id)).toMatchObject({ attempts: 1 });
  const error = (await row(broken.id))?.error ?? '';
  expect(error).toMatch(/^the request body is not valid: email: /);

  const listed = await cli('queues', 'failed');
  expect(listed.split('\n')).toEqual([
    'ingest: 1 failed',
    expect.stringMatching(
      new RegExp(`^inbox-${broken.id}\tingest\tinbox ${broken.id}\tattempts 1\t${WHEN}\t`),
    ),
    `1 failed inbox row has no failed job any more (failed jobs are kept 7 days): ${old.id}`,
    '  run them again with: npm run leadwire -- inbox replay --status failed',
  ]);
  // The job's error is the row's error: not repeated. A row whose error differs says so.
  expect(listed.split('\n')[1]?.endsWith(`\t${error}`)).toBe(true);
  await system.look.run(sql`UPDATE inbox SET error = 'a later error' WHERE id = ${broken.id}`);
  expect(await cli('queues', 'failed', '--queue', 'ingest', '--limit', '1')).toContain(
    `\n\tinbox row ${broken.id} (failed): a later error\n`,
  );
  expect(await cli('queues', 'failed', '--queue', 'outbound')).toBe('no failed jobs');

  // The fix: the stored event is corrected. Retry sends the same job round again.
  const fixed = intakeRaw({ email: 'ana.fixed@example.com', message: 'hello' });
  await system.look.run(sql`UPDATE inbox SET raw = ${fixed} WHERE id = ${broken.id}`);
  expect(await cli('queues', 'retry', `inbox-${broken.id}`)).toBe(
    `retried inbox-${broken.id} (ingest); inbox row ${broken.id} back to pending`,
  );
  await waitFor('the fixed row to be done', async () => (await row(broken.id))?.status === 'done');
  const done = await row(broken.id);
  // attempts were reset with the job's: this is the first attempt since the retry.
  expect(done).toMatchObject({ outcome: 'created_simple', error: null, attempts: 1 });
  const lead = await system.store.leads.get(done?.leadId ?? 0, { kind: 'all' });
  expect(lead?.title).toContain('ana.fixed@example.com');

  // Retrying again changes nothing; an unknown job is a clear error.
  expect(await cli('queues', 'retry', `inbox-${broken.id}`)).toBe(
    `job inbox-${broken.id} (ingest) is completed, not failed: nothing to retry`,
  );
  await expect(cli('queues', 'retry', 'inbox-424242')).rejects.toThrow(
    new CliError(
      'there is no job inbox-424242 in ingest or outbound or webhooks (gone after 7 days? run the row again with: inbox replay --id 424242)',
    ),
  );
  expect((await row(old.id))?.status).toBe('failed');
});

it('retry --all puts failed replies back to queued before their jobs run again', async () => {
  const { system, queues, cli, row } = await start('cli-queues-all');
  await system.startInProcessWorker();
  const good = await addInboxRow(system, {
    externalId: 'good-1',
    raw: intakeRaw({ email: 'bea@example.com', message: 'hi' }),
  });
  const broken = await addInboxRow(system, {
    externalId: 'broken-2',
    raw: intakeRaw({ email: 5 }),
  });
  await queues.ingest.addBulk([{ inboxId: good.id }, { inboxId: broken.id }]);
  await waitFor(
    'both rows finished',
    async () =>
      (await row(good.id))?.status === 'done' && (await row(broken.id))?.status === 'failed',
  );
  // A reply on the REST intake channel, which cannot send: it fails at once, for good.
  const reply = await system.store.leads.addOutbound({
    leadId: (await row(good.id))?.leadId ?? 0,
    channelId: 1,
    externalId: 'reply-1',
    sender: 'Leadwire',
    text: 'Thanks!',
    meta: {},
    at: new Date(),
  });
  if (!reply) throw new Error('reply not stored');
  await queues.outbound.add({ messageId: reply.id });
  const job = async () => queues.outbound.queue.getJob(`out-${reply.id}`);
  await waitFor('the reply to fail', async () => (await (await job())?.getState()) === 'failed');
  expect((await system.store.leads.message(reply.id))?.delivery).toBe('failed');
  expect(await cli('queues', 'failed', '--queue', 'outbound')).toMatch(
    new RegExp(
      `^outbound: 1 failed\nout-${reply.id}\toutbound\tmessage ${reply.id}\tattempts 1\t${WHEN}\tchannel 1 cannot send replies$`,
    ),
  );
  const firstFailure = (await job())?.finishedOn ?? 0;

  expect(await cli('queues', 'retry', '--all')).toBe(
    'ingest: retried 1 of 1 failed jobs\noutbound: retried 1 of 1 failed jobs\nwebhooks: retried 0 of 0 failed jobs',
  );
  // Still broken, so both fail again — but they really ran: a reply left `failed` would have
  // been skipped by the worker and its job completed.
  await waitFor('the reply to fail again', async () => {
    const again = await job();
    return (await again?.getState()) === 'failed' && (again?.finishedOn ?? 0) > firstFailure;
  });
  expect((await job())?.attemptsMade).toBe(1);
  expect((await system.store.leads.message(reply.id))?.delivery).toBe('failed');
  await waitFor(
    'the broken row to fail again',
    async () => (await row(broken.id))?.status === 'failed',
  );
  expect(await cli('queues', 'retry', '--all', '--queue', 'ingest')).toBe(
    'ingest: retried 1 of 1 failed jobs',
  );
});

it('as a command: exit code 2 for an unknown job, a plain message when Redis is away', async () => {
  const { system } = await start('cli-queues-exit');
  const unknown = await runCli(system.env, ['queues', 'retry', 'inbox-99']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/^there is no job inbox-99 in ingest or outbound/);
  const away = await runCli({ ...system.env, REDIS_URL: 'redis://127.0.0.1:1' }, ['queues']);
  expect(away.code).toBe(1);
  expect(away.stderr).toBe(
    'Redis is not reachable at redis://127.0.0.1:1 — start redis-server (e.g. `redis-server --daemonize yes`) or set REDIS_URL\n',
  );
});
