/**
 * `npm run leadwire -- webhooks …` as the real CLI process against the test's own store (SQLite,
 * or PostgreSQL with TEST_DATABASE=postgres): the signing secret printed by create and
 * rotate-secret only, list and show without it, changes, deliveries, a redelivery queued when
 * Redis answers and left to the reconciler when it does not, and mistakes answered with a
 * sentence and exit code 2.
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freePort } from '../helpers/private-redis.ts';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const STACK_TRACE = /\bat .*\.[jt]s:\d+/;
const SECRET = /whsec_[A-Za-z0-9+/=]{40,}/g;
/** Nothing listens there, and no worker runs in this test: nothing is ever sent. */
const RECEIVER = 'http://127.0.0.1:9/leadwire-hooks';

let test: TestStore;
let env: Record<string, string>;

beforeAll(async () => {
  test = await openTestStore('cli-webhooks');
  env = {
    DATA_DIR: test.dir,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniquePrefix('cli-webhooks'),
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...(test.config.database.kind === 'postgres' ? { DATABASE_URL: test.config.database.url } : {}),
  };
});
afterAll(async () => {
  await test.close();
  await deleteKeys(env.QUEUE_PREFIX!);
});

const webhooks = (...args: string[]) => runCli(env, ['webhooks', ...args]);

/** A run that worked: exit code 0 and nothing on stderr. */
function expectDone(run: { code: number | null; stderr: string }) {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
}

/** A usage error: exit code 2, the sentence first, then the command's usage; no stack trace. */
function expectMistake(run: { code: number | null; stderr: string }, sentence: string | RegExp) {
  const first = run.stderr.split('\n')[0] ?? '';
  if (typeof sentence === 'string') expect(first).toBe(sentence);
  else expect(first).toMatch(sentence);
  expect(run.stderr).toMatch(/\n\nusage: npm run leadwire -- webhooks/);
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.code).toBe(2);
}

describe('webhooks from the command line', () => {
  let id: number;
  let firstSecret: string;

  it('creates a subscription and prints its secret once', async () => {
    const run = await webhooks(
      'create',
      '--url',
      RECEIVER,
      '--events',
      'lead.created, message.received',
      '--description',
      'Warehouse mirror',
    );
    expectDone(run);
    expect(run.stdout).toMatch(
      new RegExp(
        `^created webhook (\\d+) → ${RECEIVER} \\(on; events lead.created, message.received\\)`,
      ),
    );
    const secrets = run.stdout.match(SECRET) ?? [];
    expect(secrets).toHaveLength(1);
    firstSecret = secrets[0]!;
    id = Number(/created webhook (\d+)/.exec(run.stdout)?.[1]);
    expect(await test.store.webhooks.get(id)).toMatchObject({
      url: RECEIVER,
      description: 'Warehouse mirror',
      events: ['lead.created', 'message.received'],
      active: true,
      createdBy: null,
    });
  });

  it('lists and shows the subscription without its secret', async () => {
    const list = await webhooks('list');
    expectDone(list);
    const row = list.stdout.split('\n').find((line) => line.trim().startsWith(`${id} `));
    expect(row).toMatch(
      new RegExp(`^\\s*${id}\\s+on\\s+0\\s+lead.created,message.received\\s+${RECEIVER}$`),
    );
    expect(list.stdout).not.toContain('whsec_');

    const show = await webhooks('show', String(id));
    expectDone(show);
    expect(show.stdout).toMatch(/description\s+Warehouse mirror/);
    expect(show.stdout).not.toContain('whsec_');
  });

  it('changes the events and turns it off and on', async () => {
    const off = await webhooks('update', String(id), '--events', 'lead.*', '--off');
    expectDone(off);
    expect(off.stdout.trim()).toBe(`updated webhook ${id} → ${RECEIVER} (off; events lead.*)`);
    expect(await test.store.webhooks.get(id)).toMatchObject({ events: ['lead.*'], active: false });

    const on = await webhooks('update', String(id), '--on', '--description', '');
    expectDone(on);
    expect(await test.store.webhooks.get(id)).toMatchObject({ active: true, description: null });
  });

  it('rotates the secret, printing the new one once', async () => {
    const run = await webhooks('rotate-secret', String(id));
    expectDone(run);
    const secrets = run.stdout.match(SECRET) ?? [];
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).not.toBe(firstSecret);
    expect(run.stdout).toContain('the old one no longer signs');
  });

  it('answers mistakes with a sentence and exit code 2', async () => {
    const cases: [string[], string | RegExp][] = [
      [['create', '--url', RECEIVER], 'webhooks create needs --url URL and --events TYPE,…'],
      [
        ['create', '--url', RECEIVER, '--events', 'lead.exploded'],
        /^--events: "lead.exploded" is no event: use one of lead.created, /,
      ],
      [['show'], 'webhooks show needs the webhook id (see `webhooks list`)'],
      [['delete', '9999'], 'there is no webhook 9999 (see `webhooks list`)'],
      [['update', String(id), '--on', '--off'], 'say --on or --off, not both'],
      [['update', String(id)], /^webhooks update needs something to change/],
      [['deliveries', String(id), '--limit', '0'], '--limit takes a whole number from 1 to 200'],
      [['list', '--url', RECEIVER], /^webhooks list takes no --url/],
    ];
    // Separate processes that write nothing: run side by side.
    const runs = await Promise.all(cases.map(([args]) => webhooks(...args)));
    runs.forEach((run, i) => expectMistake(run, cases[i]![1]));

    const strict = { ...env, WEBHOOK_ALLOW_PRIVATE: 'false' };
    expectMistake(
      await runCli(strict, ['webhooks', 'create', '--url', RECEIVER, '--events', '*']),
      /^--url: 127.0.0.1 is a loopback address/,
    );
    expect(await test.store.webhooks.list()).toHaveLength(1);
  });

  it('lists deliveries and redelivers one, queued or left to the reconciler', async () => {
    // The first subscription hears of leads only: one for everything gets a client's event.
    const everything = await webhooks('create', '--url', RECEIVER, '--events', '*');
    expectDone(everything);
    const allId = Number(/created webhook (\d+)/.exec(everything.stdout)?.[1]);
    await test.store.clients.create(
      { name: 'Ada Lovelace', identities: [] },
      { userId: null, at: new Date() },
    );
    await test.store.webhooks.dispatch(500, new Date());
    const [delivery] = await test.store.webhooks.deliveries(allId, 10);
    expect(delivery).toMatchObject({ eventType: 'client.created', status: 'pending' });

    const listed = await webhooks('deliveries', String(allId));
    expectDone(listed);
    expect(listed.stdout).toMatch(
      new RegExp(`^\\s*${delivery!.id}\\s.*\\sclient.created\\s+pending\\s+0\\s`, 'm'),
    );

    const queued = await webhooks('redeliver', String(delivery!.id));
    expectDone(queued);
    expect(queued.stdout).toContain(
      `delivery ${delivery!.id} (client.created, webhook-id evt_${delivery!.eventId}) is pending again and queued`,
    );
    const queue = new Queue('webhooks', {
      connection: { url: TEST_REDIS_URL },
      prefix: env.QUEUE_PREFIX!,
    });
    try {
      expect(await queue.getJob(`wh-${delivery!.id}-1`)).toBeDefined();
    } finally {
      await queue.close();
    }

    const noRedis = `redis://127.0.0.1:${await freePort()}`;
    const later = await runCli({ ...env, REDIS_URL: noRedis }, [
      'webhooks',
      'redeliver',
      String(delivery!.id),
    ]);
    expectDone(later);
    expect(later.stdout).toContain(`Redis is not reachable at ${noRedis}, so it was not queued`);
    expect(later.stdout).toContain('reconciler picks it up');
    expect((await test.store.webhooks.delivery(delivery!.id))?.status).toBe('pending');
  });

  it('deletes a subscription', async () => {
    const run = await webhooks('delete', String(id));
    expectDone(run);
    expect(run.stdout).toContain(`deleted webhook ${id}`);
    expect(await test.store.webhooks.get(id)).toBeUndefined();
  });
});
