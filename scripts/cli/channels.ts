/**
 * `leadwire channels …` and `leadwire email backfill …`: connect a mailbox from a JSON file,
 * check that Leadwire can log in, and re-read a period of mail (already recorded mail is a no-op).
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { emailSettings, smtpPassword } from '../../connectors/email/config.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { imapClient } from '../../connectors/email/mailbox.ts';
import { syncFolder } from '../../connectors/email/sync.ts';
import { readSecretVariable, type Config } from '../../core/runtime/config.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { createProducer } from '../../core/runtime/queues.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import { saveChannel } from '../../connectors/api/channels.ts';
import { asObject } from '../../connectors/site/admin.ts';
import { botClient, telegramSettings } from '../../connectors/telegram/config.ts';
import type { ChannelRecord } from '../../core/repositories/channels.ts';
import type { Store } from '../../core/repositories/index.ts';
import { CliError } from './widgets.ts';

export const CHANNEL_USAGE = `  channels list | channels show ID
  channels create --file CHANNEL.json       a mailbox or a bot: the body of POST /api/v1/channels
  channels test ID                          logs in (IMAP and SMTP, or the bot) and reports
  email backfill ID --since YYYY-MM-DD      re-reads the mailbox from that date (no duplicates)
  (edit a channel with PATCH /api/v1/channels/ID, see the README)`;

async function emailChannel(store: Store, arg: string | undefined) {
  const channel = await store.channels.get(Number(arg));
  if (!channel || channel.kind !== 'email')
    throw new CliError(`there is no mailbox channel ${arg ?? ''}`.trim());
  const settings = emailSettings.safeParse(channel.config);
  if (!settings.success) throw new CliError(`channel ${channel.id} has invalid mailbox settings`);
  return { channel, settings: settings.data };
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
  if (group === 'channels' && command === 'list') {
    return (
      (await store.channels.list())
        .map((c) => `${c.id}\t${c.kind}\t${c.active ? 'active' : 'off'}\t${c.name}`)
        .join('\n') || 'no channels'
    );
  }
  if (group === 'channels' && command === 'show') {
    const channel = await store.channels.get(Number(arg));
    if (!channel) throw new CliError(`there is no channel ${arg ?? ''}`.trim());
    const { config: settings, ...rest } = channel;
    const shown = {
      ...rest,
      config: { ...settings, imap: '(see the API)', smtp: '(see the API)' },
    };
    return JSON.stringify(shown, null, 2);
  }
  if (group === 'channels' && command === 'create') {
    if (!values.file)
      throw new CliError('channels create needs --file (a JSON file, or - for stdin)');
    const body = JSON.parse(readFileSync(values.file === '-' ? 0 : values.file, 'utf8')) as unknown;
    const saved = await saveChannel(
      { repos: store, secretsKey: config.secretsKey, log: createLogger('warn', 'cli') },
      asObject(body),
    );
    if (!saved.ok) {
      throw new CliError(
        `${saved.message}:\n${saved.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
      );
    }
    const webhook = saved.webhook
      ? saved.webhook.ok
        ? `\nwebhook: ${saved.webhook.url ?? 'removed (polling mode)'}`
        : `\nwebhook NOT set: ${saved.webhook.error}`
      : '';
    return `created ${saved.channel.kind} channel ${saved.channel.id} "${saved.channel.name}"${webhook}`;
  }
  if (group === 'channels' && command === 'test') {
    const channel = await store.channels.get(Number(arg));
    if (channel?.kind === 'telegram') return testBot(channel, credentials);
    return testMailbox(await emailChannel(store, arg), credentials);
  }
  if (group === 'email' && command === 'backfill') {
    const since = values.since ? new Date(values.since) : undefined;
    if (!since || Number.isNaN(since.getTime()))
      throw new CliError('email backfill needs --since YYYY-MM-DD');
    return backfill(store, config, await emailChannel(store, arg), since, credentials);
  }
  return undefined;
}

async function testBot(channel: ChannelRecord, credentials: Credentials): Promise<string> {
  const settings = telegramSettings.safeParse(channel.config);
  if (!settings.success) throw new CliError(`channel ${channel.id} has invalid bot settings`);
  const lines = [`channel ${channel.id} "${channel.name}" (${settings.data.mode})`];
  try {
    const telegram = botClient(settings.data, credentials);
    const me = await telegram.getMe();
    lines.push(`bot @${me.username} (id ${me.id}) answers`);
    const info = await telegram.getWebhookInfo();
    lines.push(
      info.url
        ? `webhook ${info.url}: ${info.pending_update_count} pending${info.last_error_message ? `, last error: ${info.last_error_message}` : ''}`
        : 'no webhook (polling)',
    );
  } catch (error) {
    lines.push(`Bot API: FAILED — ${scrubSecrets((error as Error).message)}`);
  }
  return lines.join('\n');
}

async function testMailbox(
  { channel, settings }: Awaited<ReturnType<typeof emailChannel>>,
  credentials: Credentials,
): Promise<string> {
  const lines = [`channel ${channel.id} "${channel.name}"`];
  const client = imapClient(settings, credentials);
  client.on('error', () => undefined);
  try {
    await client.connect();
    lines.push(
      `IMAP ${settings.imap.host}:${settings.imap.port}: logged in as ${settings.imap.user}`,
    );
    for (const folder of settings.folders) {
      const status = await client.status(folder, {
        messages: true,
        unseen: true,
        uidValidity: true,
      });
      lines.push(
        status
          ? `  ${folder}: ${status.messages ?? 0} messages, ${status.unseen ?? 0} unseen, UIDVALIDITY ${String(status.uidValidity)}`
          : `  ${folder}: not found`,
      );
    }
    await client.logout();
  } catch (error) {
    lines.push(
      `IMAP ${settings.imap.host}:${settings.imap.port}: FAILED — ${(error as Error).message}`,
    );
  }
  if (settings.smtp) {
    const pass = smtpPassword(settings, credentials);
    const transport = nodemailer.createTransport({
      host: settings.smtp.host,
      port: settings.smtp.port,
      secure: settings.smtp.secure,
      ...(settings.smtp.user && pass ? { auth: { user: settings.smtp.user, pass } } : {}),
    });
    try {
      await transport.verify();
      lines.push(
        `SMTP ${settings.smtp.host}:${settings.smtp.port}: ready to send as ${settings.smtp.from}`,
      );
    } catch (error) {
      lines.push(
        `SMTP ${settings.smtp.host}:${settings.smtp.port}: FAILED — ${(error as Error).message}`,
      );
    } finally {
      transport.close();
    }
  } else lines.push('SMTP: not configured (replies cannot be sent)');
  return lines.join('\n');
}

async function backfill(
  store: Store,
  config: Config,
  { channel, settings }: Awaited<ReturnType<typeof emailChannel>>,
  since: Date,
  credentials: Credentials,
): Promise<string> {
  const redis = producerConnection(config.redisUrl);
  const producer = createProducer('ingest', redis, config.queuePrefix);
  const client = imapClient(settings, credentials);
  client.on('error', () => undefined);
  const lines: string[] = [];
  try {
    await client.connect();
    const deps = {
      repos: store,
      blobs: store.blobs,
      producer,
      log: createLogger('warn', 'cli'),
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
    await producer.queue.close();
    await redis.quit();
  }
  return lines.join('\n');
}
