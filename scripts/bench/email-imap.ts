/**
 * The email bench's own IMAP clients: a bare imapflow fetch of the whole mailbox (what Leadwire is
 * compared with), and the IDLE phase: one APPEND at a time to the idling mailbox, timed until its
 * lead is committed, beside a bare imapflow client idling on the same mailbox.
 */
import { sql } from 'drizzle-orm';
import { inspect } from '../../db/inspect.ts';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import type { BenchEmail } from './email-corpus.ts';
import type { PhaseContext } from './email-ingest.ts';
import type { Dovecot } from './email-system.ts';

/** As connectors/email/sync.ts fetches: UIDs in groups of 100. */
const BATCH = 100;
const IDLE_POLL_MS = 10;
const IDLE_TIMEOUT_MS = 60_000;
/**
 * Between IDLE samples. The connector's imapflow enters IDLE one second after its last command
 * (autoIdleDelay in mailbox.ts); a message arriving before that waits for it, which is not what
 * "under IDLE" measures. 1.5 s after the last lead leaves the session idling at each APPEND.
 */
const IDLE_GAP_MS = 1500;

export interface ImapLogin {
  port: number;
  user: string;
  pass: string;
}

export async function imapConnect({ port, user, pass }: ImapLogin): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    auth: { user, pass },
    logger: false,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export interface BareRun {
  count: number;
  bytes: number;
  /** Connect, log in, select, search, fetch every source: what the headline compares with. */
  seconds: number;
  dovecotCpu: number;
  /** The connector's other pass (uid, size, envelope per batch), timed on its own afterwards. */
  metaSeconds: number;
}

export async function bareFetch(login: ImapLogin, dovecot: Dovecot): Promise<BareRun> {
  const cpuBefore = dovecot.cpuSeconds();
  const started = performance.now();
  const client = await imapConnect(login);
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const found = await client.search({ since: new Date('2000-01-01') }, { uid: true });
      const uids = (found || []).sort((a, b) => a - b);
      const batches = Array.from({ length: Math.ceil(uids.length / BATCH) }, (_, i) =>
        uids.slice(i * BATCH, (i + 1) * BATCH).join(','),
      );
      let count = 0;
      let bytes = 0;
      for (const range of batches) {
        for (const message of await client.fetchAll(
          range,
          { uid: true, source: true },
          { uid: true },
        )) {
          count += 1;
          bytes += message.source?.length ?? 0;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const dovecotCpu = dovecot.cpuSeconds() - cpuBefore;
      const metaStarted = performance.now();
      for (const range of batches)
        await client.fetchAll(range, { uid: true, size: true, envelope: true }, { uid: true });
      return {
        count,
        bytes,
        seconds,
        dovecotCpu,
        metaSeconds: (performance.now() - metaStarted) / 1000,
      };
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export interface IdleSample {
  /** APPEND answered → the row seen done by a 10 ms poll. */
  seconds: number;
  /** APPEND answered → a bare imapflow client idling on the same mailbox got EXISTS. */
  existsSeconds: number;
  /** APPEND answered → the connector fetched it (the row's received_at). */
  fetchedSeconds: number;
  /** Fetched → committed (blob, inbox row, queue, worker: the row's processed_at). */
  committedSeconds: number;
  outcome: string;
}

/**
 * APPENDs one message at a time to the idling mailbox and times each until its lead is
 * committed, beside a bare imapflow client idling on the same mailbox (when Dovecot tells).
 */
export async function idleLatency(
  context: PhaseContext,
  login: ImapLogin,
  messages: BenchEmail[],
): Promise<IdleSample[]> {
  const { channelId, progress, signal } = context;
  const look = inspect(context.store);
  const row = (externalId: string) =>
    look.get<{ outcome: string; received_at: number; processed_at: number }>(
      sql`SELECT status, outcome, received_at, processed_at FROM inbox
          WHERE channel_id = ${channelId} AND external_id = ${externalId} AND status IN ('done', 'ignored')`,
    );
  const appender = await imapConnect(login);
  context.defer(() => appender.logout().catch(() => appender.close()));
  const watcher = await imapConnect(login);
  context.defer(() => watcher.logout().catch(() => watcher.close()));
  await watcher.mailboxOpen('INBOX');
  let existsAt: number | undefined;
  watcher.on('exists', () => (existsAt = performance.now()));
  void watcher.idle().catch(() => {});
  const samples: IdleSample[] = [];
  await sleep(IDLE_GAP_MS);
  for (const message of messages) {
    signal.throwIfAborted();
    existsAt = undefined;
    if (!(await appender.append('INBOX', message.raw, [], message.date)))
      throw new Error(`APPEND of ${message.messageId} was refused`);
    const appended = performance.now();
    const appendedAt = Date.now();
    let found: { outcome: string; received_at: number; processed_at: number } | undefined;
    let doneAt = 0;
    for (;;) {
      if (!found && (found = await row(message.messageId))) doneAt = performance.now();
      if (found && existsAt !== undefined) break;
      if (performance.now() - appended > IDLE_TIMEOUT_MS)
        throw new Error(
          `${message.messageId}: no lead (or no EXISTS) ${IDLE_TIMEOUT_MS / 1000} s after APPEND`,
        );
      await sleep(IDLE_POLL_MS);
    }
    const sample = {
      seconds: (doneAt - appended) / 1000,
      existsSeconds: (existsAt - appended) / 1000,
      fetchedSeconds: (found.received_at - appendedAt) / 1000,
      committedSeconds: (found.processed_at - found.received_at) / 1000,
      outcome: found.outcome,
    };
    samples.push(sample);
    progress(
      `idle ${samples.length}/${messages.length}: ${sample.seconds.toFixed(3)} s ` +
        `(bare client's EXISTS after ${sample.existsSeconds.toFixed(3)} s)`,
    );
    await sleep(IDLE_GAP_MS);
  }
  return samples;
}
