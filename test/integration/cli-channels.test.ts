/** `leadwire channels create|test` against a real database and the local Bot API server. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runChannelCommand } from '../../scripts/cli/channels.ts';
import { CliError } from '../../scripts/cli/widgets.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';

const token = '5550001:AAE_cli-test-token-abcdefghij';
let botApi: BotApi;
let test: TestStore;

beforeAll(async () => {
  test = await openTestStore('cli-channels', { SECRETS_KEY: 'c'.repeat(40) });
  botApi = await startBotApi();
  botApi.addBot(token, { username: 'shop_help_bot' });
});
afterAll(async () => {
  await botApi.close();
  await test.close();
});

function file(name: string, body: unknown): string {
  const target = path.join(test.dir, name);
  writeFileSync(target, JSON.stringify(body));
  return target;
}

it('creates a bot channel from a file and reports what the bot says about itself', async () => {
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
  const report = await runChannelCommand(test.store, test.config, ['channels', 'test', '2'], {});
  expect(report).toBe(
    'channel 2 "Shop bot" (polling)\nbot @shop_help_bot (id 5550001) answers\nno webhook (polling)',
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
