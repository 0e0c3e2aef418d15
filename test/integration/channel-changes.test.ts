/**
 * A channel saved while the connector process runs starts at once (the save is announced over
 * Redis pub/sub), not at the connector's next periodic look, 30 s later; switching it off stops it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConnectorHost } from '../../connectors/connector-host.ts';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';
import { connectBot } from '../helpers/telegram.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let botApi: BotApi;
let system: TestSystem;
let host: ConnectorHost;

beforeAll(async () => {
  botApi = await startBotApi();
  system = await startSystem({
    label: 'chchange',
    env: { SECRETS_KEY: 'c'.repeat(40), TELEGRAM_POLL_SECONDS: '1' },
  });
  host = await system.startInProcessConnectors('telegram');
  // The connector has read the (empty) channel list and subscribed to changes.
  await waitFor('the connector to start', () => host.sessions().length === 0);
}, 60_000);

afterAll(async () => {
  await botApi?.close();
  await system?.close();
});

it('starts a bot connected through the API within seconds, and stops it when switched off', async () => {
  const bot = await connectBot(system, botApi, { mode: 'polling' });
  // Well inside the 30 s of the periodic look: only the announcement can have started it.
  await waitFor(
    'the bot to be polled',
    () => botApi.calls(bot.token, 'getUpdates').length > 0,
    5000,
  );
  expect(host.sessions()).toMatchObject([{ channelId: bot.id, kind: 'telegram' }]);

  const off = await api(system)('PATCH', `/api/v1/channels/${bot.id}`, { active: false });
  expect(off.status).toBe(200);
  await waitFor('the bot to stop', () => host.sessions().length === 0, 5000);
});

it('shows a bot whose session cannot start as not connected, for the session-down alert', async () => {
  const bot = await connectBot(system, botApi, { mode: 'polling' });
  const saved = await system.store.channels.get(bot.id);
  if (!saved) throw new Error('the bot was not saved');
  // Its token names a variable this deployment does not set: the session cannot start.
  const broken = await system.store.channels.create({
    ...saved,
    name: 'Bot without its token',
    config: { ...saved.config, token: { env: 'LEADWIRE_SECRET_UNSET_BOT_TOKEN' } },
  });
  await host.refresh();
  expect(host.sessions()).toContainEqual({
    channelId: broken.id,
    kind: 'telegram',
    connected: false,
  });
  await system.store.channels.update(broken.id, { ...broken, active: false });
  await host.refresh();
  expect(host.sessions().map((session) => session.channelId)).not.toContain(broken.id);
});
