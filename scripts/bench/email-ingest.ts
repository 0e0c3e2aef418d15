/**
 * Phase (b) of the email bench: Leadwire's `worker` and `email` processes turning the mailbox
 * into leads, timed from the connector's start until every inbox row is done or ignored, with
 * where the time and the CPU went.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Store } from '../../core/repositories/index.ts';
import type { Redis } from '../../core/runtime/redis.ts';
import { inspect } from '../../db/inspect.ts';
import { startProcfileProcess, type AppProcess, type Dovecot } from './email-system.ts';
import type { OrphanGuard } from './orphan-guard.ts';

const POLL_MS = 50;
/** Gives up when nothing moved for this long. */
const STALL_MS = 120_000;

export interface PhaseContext {
  store: Store;
  channelId: number;
  env: NodeJS.ProcessEnv;
  redis: Redis;
  dovecot: Dovecot;
  guard: OrphanGuard;
  progress: (line: string) => void;
  signal: AbortSignal;
  defer: (close: () => unknown) => void;
}

export interface IngestRun {
  /**
   * Epoch ms: the connector process started, logged in, fetched its first and last batch (the
   * rows' received_at), committed and enqueued its last batch (its log), and the last lead was
   * committed (the rows' processed_at).
   */
  at: {
    spawned: number;
    connected: number;
    firstFetched: number;
    lastFetched: number;
    lastRecorded: number;
    done: number;
  };
  batches: BatchSplit | undefined;
  outcomes: Record<string, number>;
  leads: number;
  attachments: number;
  /** CPU seconds from "mailbox connected" (connector) or from its start (the rest) to the end. */
  cpu: {
    connector: number;
    connectorStartUp: number;
    worker: number;
    dovecot: number;
    redis: number;
  };
  warnings: number;
  reconcilerPasses: number;
  worker: AppProcess;
  connector: AppProcess;
}

/** Starts the worker, then the connector, and waits until every message is a committed row. */
export async function ingestMailbox(context: PhaseContext, expected: number): Promise<IngestRun> {
  const { channelId, env, progress, signal } = context;
  const look = inspect(context.store);
  const worker = startProcfileProcess('worker', env, progress, context.guard);
  context.defer(() => worker.stop(signal.aborted));
  await worker.logged('ingest worker and reconciler started');
  const before = {
    worker: worker.cpuSeconds(),
    dovecot: context.dovecot.cpuSeconds(),
    redis: await redisCpuSeconds(context.redis),
  };
  const connector = startProcfileProcess('email', env, progress, context.guard);
  context.defer(() => connector.stop(signal.aborted));
  const connected = await connector.logged('mailbox connected');
  const connectorStartUp = connector.cpuSeconds();
  progress(`email: mailbox connected ${seconds(connected - connector.startedAt)} s after start`);

  const countByStatus = () =>
    look.all<{ status: string; n: number }>(
      sql`SELECT status, count(*) AS n FROM inbox WHERE channel_id = ${channelId} GROUP BY status`,
    );
  let last = { recorded: -1, finished: -1 };
  let movedAt = Date.now();
  let reportedAt = Date.now();
  for (;;) {
    signal.throwIfAborted();
    const rows = await countByStatus();
    const of = (status: string) => rows.find((row) => row.status === status)?.n ?? 0;
    const now = {
      recorded: rows.reduce((sum, row) => sum + row.n, 0),
      finished: of('done') + of('ignored'),
    };
    if (of('failed'))
      throw new Error(`${of('failed')} inbox rows failed: see the worker's log above`);
    if (now.finished >= expected) break;
    if (now.recorded !== last.recorded || now.finished !== last.finished) movedAt = Date.now();
    if (Date.now() - movedAt > STALL_MS)
      throw new Error(
        `no progress for ${STALL_MS / 1000} s: ${now.recorded} rows recorded, ${now.finished} done`,
      );
    if (Date.now() - reportedAt >= 5000) {
      progress(`ingest: ${now.recorded} recorded, ${now.finished} done of ${expected}`);
      reportedAt = Date.now();
    }
    last = now;
    await sleep(POLL_MS);
  }
  const cpu = {
    connector: connector.cpuSeconds() - connectorStartUp,
    connectorStartUp,
    worker: worker.cpuSeconds() - before.worker,
    dovecot: context.dovecot.cpuSeconds() - before.dovecot,
    redis: (await redisCpuSeconds(context.redis)) - before.redis,
  };
  const times = (await look.get<{ first: number; last: number; done: number; n: number }>(
    sql`SELECT min(received_at) AS first, max(received_at) AS last, max(processed_at) AS done,
            count(*) AS n FROM inbox WHERE channel_id = ${channelId}`,
  )) ?? { first: 0, last: 0, done: 0, n: 0 };
  if (times.n !== expected) throw new Error(`${times.n} inbox rows for ${expected} messages`);
  const fetched = (
    await look.all<{ at: number }>(
      sql`SELECT DISTINCT received_at AS at FROM inbox WHERE channel_id = ${channelId} ORDER BY 1`,
    )
  ).map((row) => row.at);
  // The last batch's log line may still be on its way through the pipe.
  for (let waited = 0; waited < 2000; waited += POLL_MS) {
    if (connector.times('emails recorded').length >= fetched.length) break;
    await sleep(POLL_MS);
  }
  const outcomes = Object.fromEntries(
    (
      await look.all<{ outcome: string | null; n: number }>(
        sql`SELECT outcome, count(*) AS n FROM inbox WHERE channel_id = ${channelId} GROUP BY outcome`,
      )
    ).map((row) => [row.outcome ?? 'none', row.n]),
  );
  const leads = await look.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM leads WHERE channel_id = ${channelId}`,
  );
  const attachments = await look.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE channel_id = ${channelId})`,
  );
  return {
    at: {
      spawned: connector.startedAt,
      connected,
      firstFetched: times.first,
      lastFetched: times.last,
      lastRecorded: connector.times('emails recorded').at(-1) ?? times.last,
      done: times.done,
    },
    batches: splitBatches(connected, fetched, connector.times('emails recorded')),
    outcomes,
    leads: leads?.n ?? 0,
    attachments: attachments?.n ?? 0,
    cpu,
    warnings: worker.problems + connector.problems,
    reconcilerPasses: worker.times('reconciler re-enqueued pending inbox rows').length,
    worker,
    connector,
  };
}

/** Where the connector's time went, summed over its batches of 100. */
export interface BatchSplit {
  batches: number;
  /**
   * From the previous batch's "emails recorded" line (or the login) to this batch's rows'
   * received_at stamp: the FETCHes and, in sync.ts as it stands, the .eml blobs.
   */
  fetchMs: number;
  /** From received_at to this batch's "emails recorded" line: inbox commit, enqueue. */
  recordMs: number;
}

/** Pairs each batch's received_at stamp with its "emails recorded" log line. */
function splitBatches(connected: number, fetched: number[], recorded: number[]) {
  if (!fetched.length || fetched.length !== recorded.length) return undefined;
  let fetchMs = 0;
  let recordMs = 0;
  fetched.forEach((at, i) => {
    fetchMs += at - (i === 0 ? connected : (recorded[i - 1] as number));
    recordMs += (recorded[i] as number) - at;
  });
  return { batches: fetched.length, fetchMs, recordMs };
}

export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
