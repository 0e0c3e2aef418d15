/**
 * `npm run bench -- telegram`: how many updates per second POST /telegram/:channelId/webhook
 * accepts on this machine, driven by autocannon, beside a bare Express 5 handler of the same post
 * in the same run; then the seconds from an update to its lead in polling mode.
 * Each post is a text update (the real fixture's shape) with its own update_id, from one of many
 * users, and every 2xx answer is checked against its inbox row. The web app runs as the forms
 * bench runs it (form-server.ts), without a worker: the queue just fills. The polling phase
 * (telegram-polling.ts) has a database and a queue prefix of its own, so that backlog never
 * reaches its worker. Everything created (DATA_DIRs, processes, the local Bot API server, Redis
 * keys under the bench's prefix) is removed however the bench ends.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  newWebhookSecret,
  storeTelegramSettings,
  telegramSettingsInput,
  webhookPath,
} from '../../connectors/telegram/config.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { redisAnswers } from '../../core/runtime/redis.ts';
import { openStore } from '../../db/open.ts';
import type { Update } from '../../test/helpers/telegram-api.ts';
import { timeInboxCommit } from './feed.ts';
import { startServer, startUsage, type ServerChild } from './form-server.ts';
import { startOrphanGuard } from './orphan-guard.ts';
import { connectOwningPrefix } from './redis-keys.ts';
import { POLL_SECONDS, pollingLatency } from './telegram-polling.ts';
import { formatTelegram } from './telegram-report.ts';
import { startBareWebhook } from './telegram-server.ts';
import { checkInbox, fire, settledMaxInboxId, statuses, type Post } from './load.ts';
import { createWorkspace } from './workspace.ts';

const USAGE = 'usage: npm run bench -- telegram [--seconds N] [--connections N] [--samples N]';
const WARMUP_SECONDS = 2;
/** The webhook's updates come from this many users in turn. */
const USERS = 10_000;
const FIXTURE = new URL('../../test/fixtures/telegram/text.json', import.meta.url);

export interface TelegramBenchContext {
  /** The arguments after `telegram`. */
  args: string[];
  progress: (line: string) => void;
  /** Aborted on Ctrl-C: the phase in progress stops, then the cleanup runs. */
  signal: AbortSignal;
  /** Registers something to close when the bench ends, however it ends. */
  defer: (close: () => unknown) => void;
}

export async function benchTelegram(context: TelegramBenchContext): Promise<string> {
  const { progress, defer, signal } = context;
  const options = readTelegramOptions(context.args);
  const load = { seconds: options.seconds, connections: options.connections };
  // As in email.ts: a second SIGINT must not end this process before its cleanup has run.
  const keepCleaning = () => progress('interrupted again: still cleaning up');
  process.on('SIGINT', keepCleaning);
  defer(() => process.off('SIGINT', keepCleaning));
  const base = loadConfig();
  if (!(await redisAnswers(base.redisUrl)))
    throw new Error(
      `Redis is not reachable at ${base.redisUrl} — start redis-server or set REDIS_URL`,
    );
  const runId = randomBytes(4).toString('hex');
  const prefix = `${base.queuePrefix}-bench-telegram-${runId}`;
  const guard = startOrphanGuard();
  defer(() => guard.end());
  const secretsKey = randomBytes(32).toString('hex');
  /** A phase's processes get a DATA_DIR and a queue prefix (under the bench's) of their own. */
  const phaseEnv = (phase: string, logLevel: string) => {
    const workspace = createWorkspace(undefined, runId);
    const dataDir = path.dirname(workspace.databaseFile);
    guard.remove(dataDir);
    defer(() => workspace.remove());
    return {
      ...process.env,
      DATA_DIR: dataDir,
      QUEUE_PREFIX: `${prefix}-${phase}`,
      REDIS_URL: base.redisUrl,
      SECRETS_KEY: secretsKey,
      LOG_LEVEL: logLevel,
    };
  };
  const webEnv = { ...phaseEnv('webhook', 'warn'), PORT: '0' };
  const config = loadConfig(webEnv);
  progress(`database ${config.databaseFile}, Redis ${config.redisUrl}, queue prefix ${prefix}-*`);

  guard.redisKeys(config.redisUrl, prefix);
  const redis = await connectOwningPrefix(config.redisUrl, prefix, defer, progress);

  const store = await openStore(config, { durability: 'full' });
  defer(() => store.close());
  const inboxCommitMs = await timeInboxCommit(store);
  const { secret, hash } = newWebhookSecret();
  const input = telegramSettingsInput.parse({
    token: { value: `7100000001:AAbench-${randomBytes(16).toString('hex')}` },
    mode: 'webhook',
    publicBaseUrl: 'http://127.0.0.1',
  });
  const channel = await store.channels.create({
    kind: 'telegram',
    name: 'Bench bot (webhook)',
    defaultCountry: 'ES',
    appendScope: 'any',
    active: true,
    operatorIds: [],
    config: { ...storeTelegramSettings(input, secretsKey, undefined), webhookSecretHash: hash },
  });
  const headers = {
    'content-type': 'application/json',
    'x-telegram-bot-api-secret-token': secret,
  };
  const template = JSON.parse(readFileSync(FIXTURE, 'utf8')) as TextUpdate;
  let sent = 0;
  const next = (): Post => {
    sent += 1;
    const update = textUpdate(template, 500_000_000 + sent, 6_000_000_000 + (sent % USERS));
    return { body: Buffer.from(JSON.stringify(update)), externalId: `u${update.update_id}` };
  };

  /** A warm-up, then the run, with where the CPU went during the run. */
  const measure = async (
    name: string,
    server: ServerChild,
    url: string,
    beforeRun?: () => Promise<void>,
  ) => {
    progress(`${name}: ${WARMUP_SECONDS} s warm-up, then ${load.seconds} s`);
    const warm = await fire({ url, headers }, { ...load, seconds: WARMUP_SECONDS }, next, signal);
    if (!warm.result['2xx'])
      throw new Error(`${url} accepted no update in the warm-up: ${statuses(warm.result)}`);
    await beforeRun?.();
    const usage = startUsage(redis, server);
    const run = await fire({ url, headers }, load, next, signal);
    return { ...run, usage: await usage() };
  };

  const web = startServer('web', webEnv);
  defer(() => web.stop());
  let afterId = 0;
  const webhookUrl = `${await web.ready}${webhookPath(channel.id)}`;
  const webhook = await measure('webhook', web, webhookUrl, async () => {
    afterId = await settledMaxInboxId(store);
  });
  const inbox = await checkInbox(store, channel.id, afterId, webhook);
  await web.stop();

  const bareServer = startBareWebhook(secret);
  defer(() => bareServer.stop());
  const bare = await measure(
    'bare Express',
    bareServer,
    `${await bareServer.ready}/telegram/1/webhook`,
  );
  await bareServer.stop();

  progress(`polling: ${options.samples} updates, one at a time`);
  // Info: the polling phase waits for the processes' start-up lines.
  const pollingEnv = {
    ...phaseEnv('polling', 'info'),
    TELEGRAM_POLL_SECONDS: String(POLL_SECONDS),
  };
  const updates = Array.from({ length: options.samples }, (_, i) =>
    textUpdate(template, 900_000_000 + i, 6_100_000_000 + i),
  );
  const polling = await pollingLatency(
    { env: pollingEnv, secretsKey, guard, progress, signal, defer },
    updates,
  );
  return formatTelegram({
    load,
    warmUpSeconds: WARMUP_SECONDS,
    pollSeconds: POLL_SECONDS,
    inboxCommitMs,
    webhook: { ...webhook, inbox },
    bare,
    polling,
  });
}

function readTelegramOptions(args: string[]): {
  seconds: number;
  connections: number;
  samples: number;
} {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '15' },
      connections: { type: 'string', default: '50' },
      samples: { type: 'string', default: '20' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const positive = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`--${name} must be a positive integer, got "${text}"\n${USAGE}`);
    return value;
  };
  return {
    seconds: positive('seconds', values.seconds),
    connections: positive('connections', values.connections),
    samples: positive('samples', values.samples),
  };
}

interface TextUpdate {
  update_id: number;
  message: {
    message_id: number;
    from: { id: number } & Record<string, unknown>;
    chat: { id: number } & Record<string, unknown>;
    date: number;
    text: string;
  };
}

/** The fixture's private text message, as user `userId` would send it now. */
function textUpdate(template: TextUpdate, updateId: number, userId: number): Update {
  const { message } = template;
  const names = { first_name: `Bench${userId}`, username: `bench_${userId}` };
  return {
    update_id: updateId,
    message: {
      ...message,
      message_id: updateId,
      from: { ...message.from, id: userId, ...names },
      chat: { ...message.chat, id: userId, ...names },
      date: Math.floor(Date.now() / 1000),
    },
  };
}
