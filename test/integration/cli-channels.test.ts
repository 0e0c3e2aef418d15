/** `leadwire channels create|test` against a real database and the local Bot API server. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { watchChannelChanges } from '../../core/runtime/channel-changes.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { runChannelCommand } from '../../scripts/cli/channels.ts';
import { CliError, CommandFailed } from '../../scripts/cli/options.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/system.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';

const token = '5550001:AAE_cli-test-token-abcdefghij';
let botApi: BotApi;
let test: TestStore;

beforeAll(async () => {
  test = await openTestStore('cli-channels', {
    SECRETS_KEY: 'c'.repeat(40),
    QUEUE_PREFIX: uniquePrefix('cli-channels'),
  });
  botApi = await startBotApi();
  botApi.addBot(token, { username: 'shop_help_bot' });
});
afterAll(async () => {
  await botApi.close();
  await test.close();
});

/** Connections subscribed to this test's channel-change topic. */
async function subscribers(): Promise<number> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const answer = (await redis.pubsub(
      'NUMSUB',
      `${test.config.queuePrefix}:channels:changed`,
    )) as [string, number];
    return Number(answer[1]);
  } finally {
    redis.disconnect();
  }
}

function file(name: string, body: unknown): string {
  const target = path.join(test.dir, name);
  writeFileSync(target, JSON.stringify(body));
  return target;
}

it('creates a bot channel from a file and reports what the bot says about itself', async () => {
  // A running connector process hears of the new channel at once (it would look again in 30 s).
  const heard: number[] = [];
  const watch = watchChannelChanges(
    TEST_REDIS_URL,
    test.config.queuePrefix,
    (id) => heard.push(id),
    createLogger('silent'),
  );
  await waitFor('the watcher to subscribe', async () => (await subscribers()) === 1);
  const created = await runChannelCommand(test.store, test.config, ['channels', 'create'], {
    file: file('bot.json', {
      kind: 'telegram',
      name: 'Shop bot',
      token: { value: token },
      mode: 'polling',
      apiRoot: botApi.apiRoot,
    }),
  });
  expect(created).toBe('created telegram channel 2 "Shop bot"\nwebhook: removed (polling mode)');
  await waitFor('the change to be announced', async () => heard.length === 1);
  expect(heard).toEqual([2]);
  await watch.stop();
  const report = await runChannelCommand(test.store, test.config, ['channels', 'test', '2'], {});
  expect(report).toBe(
    'channel 2 "Shop bot" (telegram)\nBot API: bot @shop_help_bot (id 5550001) answers\nwebhook: none (polling)',
  );
  expect(
    JSON.stringify(await test.look.get(sql`SELECT config FROM channels WHERE id = 2`)),
  ).not.toContain(token);
});

it('names what is wrong with a channel file', async () => {
  await expect(
    runChannelCommand(test.store, test.config, ['channels', 'create'], {
      file: file('bad.json', {
        kind: 'telegram',
        name: 'x',
        mode: 'webhook',
        token: { value: 'nope' },
      }),
    }),
  ).rejects.toThrow(
    new CliError(
      'the channel is not valid:\n  publicBaseUrl: webhook mode needs publicBaseUrl (where Telegram can reach this deployment)',
    ),
  );
});

it('says what to do when a stored password cannot be opened, or the mailbox cannot be reached', async () => {
  const created = await runChannelCommand(test.store, test.config, ['channels', 'create'], {
    file: file('mailbox.json', {
      kind: 'email',
      name: 'Support',
      imap: {
        host: '127.0.0.1',
        port: 1,
        secure: false,
        user: 'support@example.com',
        password: { value: 'hunter2-imap' },
      },
    }),
  });
  const id = /channel (\d+)/.exec(created ?? '')?.[1] ?? '';
  const withoutKey = { ...test.config, secretsKey: undefined };
  expect(await runChannelCommand(test.store, withoutKey, ['channels', 'test', id], {})).toBe(
    [
      `channel ${id} "Support" (email)`,
      'IMAP 127.0.0.1:1: FAILED — SECRETS_KEY is not set, so a stored password cannot be read',
      'SMTP: FAILED — not configured (replies cannot be sent)',
      'SECRETS_KEY is not set here: stored passwords and tokens open only with the key they were saved with. Give the CLI the server’s SECRETS_KEY (in .env or the environment) and run this again.',
    ].join('\n'),
  );
  const backfill = (config: typeof test.config) =>
    runChannelCommand(test.store, config, ['email', 'backfill', id], { since: '2026-10-01' });
  await expect(backfill(withoutKey)).rejects.toThrow(
    new CommandFailed(
      `email backfill: SECRETS_KEY is not set, so a stored password cannot be read (\`channels test ${id}\` checks every setting)`,
    ),
  );
  await expect(backfill(test.config)).rejects.toThrow(
    new CommandFailed(
      `email backfill: cannot log in to 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1 (\`channels test ${id}\` checks the settings)`,
    ),
  );
  await expect(
    runChannelCommand(test.store, test.config, ['email', 'backfill', id], {}),
  ).rejects.toThrow(new CliError('email backfill needs --since YYYY-MM-DD'));
});
