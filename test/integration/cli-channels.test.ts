/** `leadwire channels create|test` against a real database and the local Bot API server. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../core/runtime/config.ts';
import { migrateDatabase, openDatabase } from '../../db/open.ts';
import { runChannelCommand } from '../../scripts/cli/channels.ts';
import { CliError } from '../../scripts/cli/widgets.ts';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-cli-channels-'));
const config = loadConfig({ DATA_DIR: dir, SECRETS_KEY: 'c'.repeat(40) });
const db = openDatabase(config.databaseFile);
migrateDatabase(db);
const token = '5550001:AAE_cli-test-token-abcdefghij';
let botApi: BotApi;

beforeAll(async () => {
  botApi = await startBotApi();
  botApi.addBot(token, { username: 'shop_help_bot' });
});
afterAll(async () => {
  await botApi.close();
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, body: unknown): string {
  const target = path.join(dir, name);
  writeFileSync(target, JSON.stringify(body));
  return target;
}

it('creates a bot channel from a file and reports what the bot says about itself', async () => {
  const created = await runChannelCommand(db, config, ['channels', 'create'], {
    file: file('bot.json', {
      kind: 'telegram',
      name: 'Shop bot',
      token: { value: token },
      mode: 'polling',
      apiRoot: botApi.apiRoot,
    }),
  });
  expect(created).toBe('created telegram channel 2 "Shop bot"\nwebhook: removed (polling mode)');
  const report = await runChannelCommand(db, config, ['channels', 'test', '2'], {});
  expect(report).toBe(
    'channel 2 "Shop bot" (polling)\nbot @shop_help_bot (id 5550001) answers\nno webhook (polling)',
  );
  expect(
    JSON.stringify(db.$client.prepare('SELECT config FROM channels WHERE id = 2').get()),
  ).not.toContain(token);
});

it('names what is wrong with a channel file', async () => {
  await expect(
    runChannelCommand(db, config, ['channels', 'create'], {
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
