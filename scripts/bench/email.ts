/**
 * `npm run bench -- email`: how long Leadwire takes to turn a mailbox of 5,000 customer emails
 * into leads, beside a bare imapflow fetch of the same mailbox in the same run, and the seconds
 * from an APPEND to its lead while the connector idles.
 *
 * A private Dovecot (scripts/imap-test-server.sh) gets the mailbox by APPEND (email-corpus.ts;
 * not timed). Leadwire runs as production runs it: the Procfile's `worker` and `email` lines as
 * processes of their own, on a temporary DATA_DIR and a queue prefix of its own, with a mailbox
 * channel stored as the API stores one. Everything it created (Dovecot and its directory, the
 * DATA_DIR, the Redis keys under its prefix) is removed however the bench ends.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { emailSettingsInput, storeEmailSettings } from '../../connectors/email/config.ts';
import { FileBlobStore } from '../../db/files/blob-store.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { redisAnswers } from '../../core/runtime/redis.ts';
import { openStore } from '../../db/open.ts';
import { appendAll, customerEmails } from './email-corpus.ts';
import { bareFetch, idleLatency, imapConnect } from './email-imap.ts';
import { ingestMailbox } from './email-ingest.ts';
import { formatEmail } from './email-report.ts';
import { startDovecot } from './email-system.ts';
import { startOrphanGuard } from './orphan-guard.ts';
import { connectOwningPrefix } from './redis-keys.ts';
import { createWorkspace } from './workspace.ts';

const USAGE = 'usage: npm run bench -- email [--messages N] [--idle-samples N]';
/** 2,000 senders for 5,000 messages: about 3,000 append to a lead their sender already has. */
const SENDER_SHARE = 0.4;
const MAILBOX = { user: 'support@test.local', pass: 'secret' };

export interface EmailBenchContext {
  /** The arguments after `email`. */
  args: string[];
  progress: (line: string) => void;
  /** Aborted on Ctrl-C: the phase in progress stops, then the cleanup runs. */
  signal: AbortSignal;
  /** Registers something to close when the bench ends, however it ends. */
  defer: (close: () => unknown) => void;
}

export async function benchEmail(context: EmailBenchContext): Promise<string> {
  const { progress, defer, signal } = context;
  const options = readEmailOptions(context.args);
  // bench.ts listens for SIGINT once. A second one (the `tsx` CLI that `npm run bench` goes
  // through sends it again when this process is slow to answer the first, as it is when the
  // CPUs are busy) would find no listener and exit at once, leaving a daemonized Dovecot and the
  // DATA_DIR behind. The cleanup is bounded (20 s per process at most), so let it finish. (When
  // this process is killed outright, orphan-guard.ts cleans up.)
  const keepCleaning = () => progress('interrupted again: still cleaning up');
  process.on('SIGINT', keepCleaning);
  defer(() => process.off('SIGINT', keepCleaning));
  const senders = Math.max(1, Math.round(options.messages * SENDER_SHARE));
  const base = loadConfig();
  if (!(await redisAnswers(base.redisUrl)))
    throw new Error(
      `Redis is not reachable at ${base.redisUrl} — start redis-server or set REDIS_URL`,
    );
  const runId = randomBytes(4).toString('hex');
  const prefix = `${base.queuePrefix}-bench-email-${runId}`;
  const guard = startOrphanGuard();
  defer(() => guard.end());
  const workspace = createWorkspace(undefined, runId);
  guard.remove(path.dirname(workspace.databaseFile));
  defer(() => workspace.remove());
  const secretsKey = randomBytes(32).toString('hex');
  const env = {
    ...process.env,
    DATA_DIR: path.dirname(workspace.databaseFile),
    QUEUE_PREFIX: prefix,
    REDIS_URL: base.redisUrl,
    SECRETS_KEY: secretsKey,
    // Info, for the lines the bench waits for; warnings and errors are shown on stderr.
    LOG_LEVEL: 'info',
  };
  const config = loadConfig(env);
  progress(`database ${config.databaseFile}, Redis ${config.redisUrl}, queue prefix ${prefix}`);

  guard.redisKeys(config.redisUrl, prefix);
  const redis = await connectOwningPrefix(config.redisUrl, prefix, defer, progress);

  const dovecot = await startDovecot(guard);
  defer(async () => {
    await dovecot.stop();
    progress('Dovecot stopped');
  });
  const login = { port: dovecot.port, ...MAILBOX };
  progress(`Dovecot on 127.0.0.1:${dovecot.port}; appending ${options.messages} messages`);
  const fill = await timed(async () => {
    const client = await imapConnect(login);
    try {
      return await appendAll(client, customerEmails(options.messages, senders), (done) => {
        if (done % 1000 === 0) progress(`appended ${done}`);
      });
    } finally {
      await client.logout().catch(() => client.close());
    }
  });
  progress(`appended ${fill.value.count} messages in ${fill.seconds.toFixed(1)} s (not timed)`);
  signal.throwIfAborted();

  const bare = await bareFetch(login, dovecot);
  if (bare.count !== options.messages)
    throw new Error(`the bare fetch read ${bare.count} of ${options.messages} messages`);
  progress(`bare imapflow: ${bare.count} sources in ${bare.seconds.toFixed(2)} s`);
  signal.throwIfAborted();

  const store = await openStore(config);
  defer(() => store.close());
  const blobWriteMs = await timeBlobWrite(path.join(config.dataDir, 'bench-fsync'));
  const input = emailSettingsInput.parse({
    imap: {
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      user: MAILBOX.user,
      password: { value: MAILBOX.pass },
    },
    ingestSince: '2000-01-01T00:00:00Z',
  });
  const channel = await store.channels.create({
    kind: 'email',
    name: 'Bench support mailbox',
    defaultCountry: 'ES',
    appendScope: 'any',
    active: true,
    operatorIds: [],
    config: storeEmailSettings(input, secretsKey, new Date()),
  });
  const phase = {
    store,
    channelId: channel.id,
    env,
    redis,
    dovecot,
    guard,
    progress,
    signal,
    defer,
  };
  const ingest = await ingestMailbox(phase, options.messages);
  progress(`Leadwire: all ${options.messages} messages ingested; IDLE phase`);

  const idleMessages = [
    ...customerEmails(options.idleSamples, options.idleSamples, { seed: 2, firstSender: senders }),
  ];
  const idle = await idleLatency(phase, login, idleMessages);
  return formatEmail({ options, senders, fill, bare, ingest, idle, blobWriteMs });
}

function readEmailOptions(args: string[]): { messages: number; idleSamples: number } {
  const { values } = parseArgs({
    args,
    options: {
      messages: { type: 'string', default: '5000' },
      'idle-samples': { type: 'string', default: '20' },
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
    messages: positive('messages', values.messages),
    idleSamples: positive('idle-samples', values['idle-samples']),
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** One durable blob write as the connector makes one per message (putDurable: write + fsync). */
async function timeBlobWrite(dir: string): Promise<number> {
  const blobs = new FileBlobStore(dir);
  const rounds = 50;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await blobs.putDurable(randomBytes(2048));
  const ms = (performance.now() - started) / rounds;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}
