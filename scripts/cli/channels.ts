/**
 * `leadwire channels …` and `leadwire email backfill …`: connect a channel (a mailbox, a bot, a
 * WhatsApp number) from a JSON file, check that Leadwire can log in, and re-read a period of mail
 * (already recorded mail is a no-op).
 */
import { channelOf } from '../../core/channel.ts';
import type { Store } from '../../core/repositories/index.ts';
import { announceChannelChange } from '../../core/runtime/channel-changes.ts';
import { readSecretVariable, type Config } from '../../core/runtime/config.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { createProducer } from '../../core/runtime/queues.ts';
import { producerConnection, type Redis } from '../../core/runtime/redis.ts';
import { SecretError, type Credentials } from '../../core/runtime/secrets.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import { describeChannel, saveChannel } from '../../connectors/channel-admin.ts';
import { imapClient } from '../../connectors/email/mailbox.ts';
import { readEmailSettings } from '../../connectors/email/settings.ts';
import type { EmailSettings } from '../../connectors/email/config.ts';
import { syncFolder } from '../../connectors/email/sync.ts';
import { createRecorder } from '../../connectors/record-inbound.ts';
import { CHANNELS } from '../../connectors/registry.ts';
import { objectOf } from '../../connectors/channel-fields.ts';
import { readJsonObject } from './json-file.ts';
import { CliError, CommandFailed, idOf } from './options.ts';

async function channelById(store: Store, command: string, arg: string | undefined) {
  if (arg === undefined) throw new CliError(`${command} needs a channel id: ${command} ID`);
  const id = idOf(arg);
  const channel = id === undefined ? undefined : await store.channels.get(id);
  if (!channel) throw new CliError(`there is no channel ${arg} (see \`channels list\`)`);
  return channel;
}

export async function runChannelCommand(
  store: Store,
  config: Config,
  positionals: (string | undefined)[],
  values: { since?: string | undefined; file?: string | undefined },
): Promise<string | undefined> {
  const [group, command, arg] = positionals;
  const credentials: Credentials = {
    secretsKey: config.secretsKey,
    readVariable: readSecretVariable,
  };
  const log = createLogger('warn', 'cli');
  if (group === 'channels' && command === 'list') {
    return (
      (await store.channels.list())
        .map((c) => `${c.id}\t${c.kind}\t${c.active ? 'active' : 'off'}\t${c.name}`)
        .join('\n') || 'no channels'
    );
  }
  if (group === 'channels' && command === 'show') {
    const channel = await channelById(store, 'channels show', arg);
    return JSON.stringify(describeChannel({ channels: CHANNELS }, channel), null, 2);
  }
  if (group === 'channels' && command === 'create') {
    const body = readJsonObject(values.file, 'channels create');
    const redis = producerConnection(config.redisUrl);
    redis.on('error', () => undefined);
    try {
      const saved = await saveChannel(
        {
          channels: CHANNELS,
          repos: store,
          secretsKey: config.secretsKey,
          credentials,
          log,
          // A running `email` or `telegram` process starts the channel at once. This connection
          // is brand new and queues nothing while it connects: the notice waits for it.
          announce: async (channelId) => {
            await connected(redis, ANNOUNCE_WAIT_MS);
            await announceChannelChange(redis, config.queuePrefix, channelId, log);
          },
        },
        body,
      );
      if (!saved.ok) {
        throw new CliError(
          `${saved.message}:\n${saved.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
        );
      }
      const shown = Object.entries(saved.saved ?? {}).map(
        ([key, value]) => `\n${key}: ${describeSaved(value)}`,
      );
      return `created ${saved.channel.kind} channel ${saved.channel.id} "${saved.channel.name}"${shown.join('')}`;
    } finally {
      redis.disconnect();
    }
  }
  if (group === 'channels' && command === 'test') {
    const channel = await channelById(store, 'channels test', arg);
    const test = channelOf(CHANNELS, channel.kind)?.test;
    if (!test) return `channel ${channel.id} "${channel.name}" (${channel.kind}): nothing to test`;
    const checks = await test(channel, { repos: store, credentials, log });
    // The usual reason: the server has SECRETS_KEY, the shell running the CLI does not.
    const sealed = !config.secretsKey && JSON.stringify(channel.config).includes('"encrypted":');
    return [
      `channel ${channel.id} "${channel.name}" (${channel.kind})`,
      ...checks.map((check) => `${check.name}: ${check.ok ? '' : 'FAILED — '}${check.detail}`),
      ...(sealed
        ? [
            'SECRETS_KEY is not set here: stored passwords and tokens open only with the key they were saved with. Give the CLI the server’s SECRETS_KEY (in .env or the environment) and run this again.',
          ]
        : []),
    ].join('\n');
  }
  if (group === 'email' && command === 'backfill') {
    const since = values.since ? new Date(values.since) : undefined;
    if (!since || Number.isNaN(since.getTime()))
      throw new CliError('email backfill needs --since YYYY-MM-DD');
    return backfill(store, config, arg, since, credentials);
  }
  return undefined;
}

/** Past this the notice is dropped: the connectors' periodic look (30 s) finds the channel. */
const ANNOUNCE_WAIT_MS = 2000;

function connected(redis: Redis, waitMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, waitMs);
    function done() {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    }
    redis.once('ready', done);
  });
}

/** What `onSaved` reported (a webhook's state): a line a person reads. */
function describeSaved(value: unknown): string {
  const state = objectOf(value);
  if (state.ok === true)
    return typeof state.url === 'string' ? state.url : 'removed (polling mode)';
  if (state.ok === false) return `NOT set: ${String(state.error)}`;
  return JSON.stringify(value);
}

/** The mailbox's IMAP client; a secret that cannot be read is the operator's to fix (exit 1). */
function openMailbox(channelId: number, settings: EmailSettings, credentials: Credentials) {
  try {
    const client = imapClient(settings, credentials);
    client.on('error', () => undefined);
    return client;
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    throw new CommandFailed(
      `email backfill: ${error.message} (\`channels test ${channelId}\` checks every setting)`,
    );
  }
}

async function backfill(
  store: Store,
  config: Config,
  arg: string | undefined,
  since: Date,
  credentials: Credentials,
): Promise<string> {
  const channel = await channelById(store, 'email backfill', arg);
  const settings = channel.kind === 'email' ? readEmailSettings(channel.config) : undefined;
  if (!settings) throw new CliError(`channel ${channel.id} is not a mailbox with valid settings`);
  const client = openMailbox(channel.id, settings, credentials);
  try {
    await client.connect();
  } catch (error) {
    client.close();
    throw new CommandFailed(
      `email backfill: cannot log in to ${settings.imap.host}:${settings.imap.port}: ${scrubSecrets((error as Error).message)} (\`channels test ${channel.id}\` checks the settings)`,
    );
  }
  const redis = producerConnection(config.redisUrl);
  const producer = createProducer('ingest', redis, config.queuePrefix);
  const log = createLogger('warn', 'cli');
  const lines: string[] = [];
  try {
    const deps = {
      repos: store,
      recorder: createRecorder(store.inbox, producer, log),
      blobs: store.blobs,
      log,
      maxBytes: config.emailMaxBytes,
    };
    for (const folder of settings.folders) {
      const result = await syncFolder(client, deps, {
        channelId: channel.id,
        settings,
        folder,
        since,
      });
      lines.push(
        `${folder}: ${result.fetched} messages since ${since.toISOString().slice(0, 10)}, ${result.recorded} new`,
      );
    }
    await client.logout();
  } finally {
    client.close();
    await producer.queue.close();
    // Never connected (Redis away): nothing to say goodbye to, and the real error goes on.
    await redis.quit().catch(() => redis.disconnect());
  }
  return lines.join('\n');
}
