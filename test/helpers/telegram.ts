/**
 * Telegram channels for integration tests: bot channels created over the admin API against the
 * local Bot API server, the fixtures, made-up private messages, the inbox as a table, and the
 * telegram connector (the `telegram` process's pollers) started inside the test process.
 */
import { readFileSync } from 'node:fs';
import { startConnectorHost, type ConnectorHost } from '../../connectors/connector-host.ts';
import { createRecorder } from '../../connectors/record-inbound.ts';
import { telegramChannel } from '../../connectors/telegram/index.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { createProducer } from '../../core/runtime/queues.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import type { BotApi } from './telegram-api.ts';
import { inboxOf, type InboxView } from './rows.ts';
import { api, waitFor, type TestSystem } from './system.ts';

/** Every bot token in a run is new, so no two channels ever share a bot's queue. */
let bots = 0;
export function newBotToken(): string {
  bots += 1;
  return `${7_100_000_000 + bots}:AAtest-${bots}-${'x'.repeat(24)}`;
}

export interface BotChannel {
  id: number;
  token: string;
}

/** A bot channel over POST /api/v1/channels, its bot registered on the Bot API server first. */
export async function connectBot(
  system: TestSystem,
  botApi: BotApi,
  settings: { mode: 'polling' | 'webhook' } & Record<string, unknown>,
): Promise<BotChannel> {
  const token = newBotToken();
  botApi.addBot(token);
  const created = await api(system)('POST', '/api/v1/channels', {
    kind: 'telegram',
    name: `Bot ${token.split(':')[0]}`,
    token: { value: token },
    apiRoot: botApi.apiRoot,
    ...(settings.mode === 'webhook' ? { publicBaseUrl: system.baseUrl } : {}),
    ...settings,
  });
  if (created.status !== 201)
    throw new Error(`bot channel not created: ${JSON.stringify(created.body)}`);
  return { id: created.body.id as number, token };
}

export type Update = { update_id: number } & Record<string, unknown>;

export function fixture(name: string): Update {
  const file = new URL(`../fixtures/telegram/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')) as Update;
}

/** A private-chat text message from user `userId` (its chat id is the same number). */
export function privateText(userId: number, messageId: number, text: string, date: number) {
  const from = { id: userId, is_bot: false, first_name: `User${userId}` };
  return {
    message: {
      message_id: messageId,
      date,
      chat: { id: userId, type: 'private', first_name: from.first_name },
      from,
      text,
    },
  };
}

/** The inbox row of update `updateId`, once the worker has finished it. */
export async function processedUpdate(
  system: TestSystem,
  channelId: number,
  updateId: number,
  timeoutMs = 30_000,
): Promise<InboxView> {
  let row: InboxView | undefined;
  await waitFor(
    `update ${updateId} processed`,
    async () => {
      row = (await inboxOf(system, channelId)).find((r) => r.external_id === `u${updateId}`);
      return row !== undefined && row.status !== 'pending';
    },
    timeoutMs,
  );
  return row as InboxView;
}

/** Waits until the channel has `count` inbox rows and none is pending. */
export async function processedRows(
  system: TestSystem,
  channelId: number,
  count: number,
  timeoutMs = 60_000,
): Promise<InboxView[]> {
  await waitFor(
    `${count} processed updates on channel ${channelId}`,
    async () => {
      const rows = await inboxOf(system, channelId);
      return rows.length >= count && rows.every((row) => row.status !== 'pending');
    },
    timeoutMs,
  );
  return inboxOf(system, channelId);
}

export function nextOffset(system: TestSystem, channelId: number): Promise<number | undefined> {
  return system.store.checkpoints.telegramOffset(channelId);
}

export interface Polling {
  connector: ConnectorHost;
  stop(): Promise<void>;
}

/** The telegram connector in-process, polling every bot channel in polling mode (1 s long polls). */
export async function startPolling(system: TestSystem, pollTimeoutSeconds = 1): Promise<Polling> {
  const redis = producerConnection(system.config.redisUrl);
  // A producer connection does not queue commands while offline: let it connect first.
  await new Promise((resolve) =>
    redis.status === 'ready' ? resolve(undefined) : redis.once('ready', resolve),
  );
  const producer = createProducer('ingest', redis, system.config.queuePrefix);
  const log = createLogger('silent');
  const connector = startConnectorHost({
    channels: [telegramChannel],
    deps: {
      repos: system.store,
      recorder: createRecorder(system.store.inbox, producer, log),
      blobs: system.store.blobs,
      credentials: { secretsKey: system.config.secretsKey, readVariable: () => undefined },
      config: { ...system.config, telegramPollSeconds: pollTimeoutSeconds },
      log,
    },
    refreshMs: 500,
  });
  return {
    connector,
    async stop() {
      await connector.stop();
      await producer.queue.close();
      await redis.quit();
    },
  };
}
export { inboxOf, type InboxView } from './rows.ts';
