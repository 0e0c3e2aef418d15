/**
 * `leadwire queues …`: what is waiting and what failed in every queue of the job catalog, next to
 * the durable record (inbox rows, replies), and retrying failed jobs once the cause is fixed.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Job } from 'bullmq';
import { JOBS, QUEUES, type QueueName } from '../../core/jobs.ts';
import type { Config } from '../../core/runtime/config.ts';
import { createProducer, type Producer } from '../../core/runtime/queues.ts';
import {
  producerConnection,
  redisAnswers,
  RedisUnavailableError,
  withoutPassword,
  type Redis,
} from '../../core/runtime/redis.ts';
import type { Db } from '../../db/open.ts';
import {
  failedInboxIds,
  inboxCounts,
  inboxErrors,
  INBOX_STATUSES,
  replyCounts,
  requeueReply,
  resetInbox,
} from '../../db/replays.ts';
import { CliError } from './widgets.ts';

export const QUEUE_USAGE = `  queues                                    jobs per queue and state, inbox rows and replies by status
  queues failed [--queue ingest|outbound] [--limit N]
                                            failed jobs with their error and inbox row / reply
  queues retry JOB_ID | queues retry --all [--queue ingest|outbound]
                                            runs failed jobs again (their inbox rows back to pending)`;

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
const QUEUE_NAMES = Object.values(QUEUES);
/** Jobs retried at once: a few round trips each, pipelined on the one connection; one commit. */
const PARALLEL = 200;

export interface Queues {
  redis: Redis;
  ingest: Producer<'ingest'>;
  outbound: Producer<'outbound'>;
  close(): Promise<void>;
}

/**
 * Connects to the deployment's queues, or says what to do when Redis does not answer (the
 * producer connection fails fast by design, which would otherwise surface as a stack trace).
 */
export async function openQueues(config: Config): Promise<Queues> {
  const unreachable = () =>
    new RedisUnavailableError(
      `Redis is not reachable at ${withoutPassword(config.redisUrl)} — start redis-server (e.g. \`redis-server --daemonize yes\`) or set REDIS_URL`,
    );
  if (!(await redisAnswers(config.redisUrl, 2000))) throw unreachable();
  const redis = producerConnection(config.redisUrl);
  redis.on('error', () => undefined);
  // No offline queue on a producer connection: commands sent before it is ready would fail.
  // It answered PING a moment ago, so not being ready within seconds means it went away.
  await new Promise<void>((resolve, reject) => {
    if (redis.status === 'ready') return resolve();
    const timer = setTimeout(() => {
      redis.disconnect();
      reject(unreachable());
    }, 5000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const ingest = createProducer('ingest', redis, config.queuePrefix);
  const outbound = createProducer('outbound', redis, config.queuePrefix);
  return {
    redis,
    ingest,
    outbound,
    async close() {
      await ingest.queue.close();
      await outbound.queue.close();
      await redis.quit();
    },
  };
}

export async function runQueuesCommand(
  db: Db,
  config: Config,
  argv: string[],
): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, {
    queue: { type: 'string' },
    limit: { type: 'string' },
    all: { type: 'boolean' },
  });
  const [group, command, arg] = positionals;
  if (group !== 'queues') return undefined;
  const only = queueOption(values.queue);
  if (command !== undefined && !['failed', 'retry'].includes(command))
    throw new CliError(`unknown command: queues ${command}`);
  if (command === 'retry' && !arg && !values.all)
    throw new CliError('queues retry needs a job id, or --all');
  const limit = limitOption(values.limit);
  const queues = await openQueues(config);
  try {
    if (command === 'failed') return await listFailed(db, queues, only, limit);
    if (command === 'retry') {
      return arg ? await retryOne(db, queues, arg) : await retryAll(db, queues, only);
    }
    return await counts(db, queues);
  } finally {
    await queues.close();
  }
}

/** Node's strict parser, with its errors turned into a usage error (exit code 2). */
export function parseStrict<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function queueOption(value: string | undefined): QueueName[] {
  if (value === undefined) return QUEUE_NAMES;
  const name = QUEUE_NAMES.find((q) => q === value);
  if (!name) throw new CliError(`--queue must be one of ${QUEUE_NAMES.join(', ')}`);
  return [name];
}

function limitOption(value: string | undefined): number {
  if (value === undefined) return 20;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a whole number');
  return limit;
}

/** Columns padded to their widest cell: counts are read down a column. */
export function table(rows: (string | number)[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const text = String(cell);
          return typeof cell === 'number'
            ? text.padStart(widths?.[i] ?? 0)
            : text.padEnd(widths?.[i] ?? 0);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function counts(db: Db, queues: Queues): Promise<string> {
  const rows: (string | number)[][] = [['queue', ...STATES, 'paused']];
  for (const name of QUEUE_NAMES) {
    const { queue } = queues[name];
    const found = await queue.getJobCounts(...STATES);
    rows.push([
      name,
      ...STATES.map((state) => found[state] ?? 0),
      (await queue.isPaused()) ? 'yes' : 'no',
    ]);
  }
  const inbox = inboxCounts(db);
  const replies = replyCounts(db);
  const deliveries = ['queued', 'sent', 'failed', 'undelivered'];
  return [
    table(rows),
    '',
    table([
      ['inbox rows', ...INBOX_STATUSES],
      ['', ...INBOX_STATUSES.map((status) => inbox[status] ?? 0)],
    ]),
    table([
      ['replies', ...deliveries],
      ['', ...deliveries.map((delivery) => replies[delivery] ?? 0)],
    ]),
  ].join('\n');
}

/** The inbox row or reply a job stands for, from the catalog's payload schema. */
function recordOf(name: QueueName, job: Job): { label: string; id: number } | undefined {
  if (name === 'ingest') {
    const parsed = JOBS.ingest.payload.safeParse(job.data);
    return parsed.success ? { label: 'inbox', id: parsed.data.inboxId } : undefined;
  }
  const parsed = JOBS.outbound.payload.safeParse(job.data);
  return parsed.success ? { label: 'message', id: parsed.data.messageId } : undefined;
}

/** An error on one line and short enough for a terminal; the full text is on the dashboard. */
export function oneLine(text: string | null | undefined, max = 160): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat || '(no error recorded)';
}

const when = (ms: number | undefined) =>
  ms ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';

async function listFailed(db: Db, queues: Queues, names: QueueName[], limit: number) {
  const lines: string[] = [];
  for (const name of names) {
    const { queue } = queues[name];
    const total = await queue.getFailedCount();
    if (total === 0) continue;
    const jobs = (await queue.getFailed(0, limit - 1)).filter((job): job is Job => Boolean(job));
    const stored = inboxErrors(
      db,
      name === 'ingest' ? jobs.flatMap((job) => recordOf(name, job)?.id ?? []) : [],
    );
    lines.push(
      `${name}: ${total} failed${total > jobs.length ? `, newest ${jobs.length} shown` : ''}`,
    );
    for (const job of jobs) {
      const record = recordOf(name, job);
      lines.push(
        [
          job.id ?? '?',
          name,
          record ? `${record.label} ${record.id}` : 'payload?',
          `attempts ${job.attemptsMade}`,
          when(job.finishedOn),
          oneLine(job.failedReason),
        ].join('\t'),
      );
      const row = record && name === 'ingest' ? stored.get(record.id) : undefined;
      if (row && oneLine(row.error) !== oneLine(job.failedReason)) {
        lines.push(`\tinbox row ${record?.id} (${row.status}): ${oneLine(row.error)}`);
      }
    }
  }
  if (names.includes('ingest'))
    lines.push(...withoutJobs(db, await failedJobIds(queues.ingest), limit));
  return lines.join('\n') || 'no failed jobs';
}

async function failedJobIds(producer: Producer<QueueName>): Promise<Set<string>> {
  return new Set(await producer.queue.getRanges(['failed'], 0, -1));
}

/**
 * Inbox rows that failed but whose job is gone (BullMQ drops failed jobs after 7 days): the
 * row is the durable record, and `inbox replay` is how they come back.
 */
function withoutJobs(db: Db, failedJobs: Set<string>, limit: number): string[] {
  const orphans = failedInboxIds(db).filter(
    (id) => !failedJobs.has(JOBS.ingest.jobId({ inboxId: id })),
  );
  if (orphans.length === 0) return [];
  const shown = orphans.slice(0, limit).join(', ');
  const more = orphans.length > limit ? `, … (${orphans.length - limit} more)` : '';
  return [
    `${orphans.length} failed inbox row${orphans.length === 1 ? ' has' : 's have'} no failed job any more (failed jobs are kept 7 days): ${shown}${more}`,
    '  run them again with: npm run leadwire -- inbox replay --status failed',
  ];
}

/**
 * The jobs' durable records back to runnable, in one transaction (one commit for a whole chunk
 * of a `--all`): inbox rows to pending, replies to queued. Returns what changed, per job id.
 */
function resetRecords(db: Db, name: QueueName, jobs: Job[]): Map<string, string> {
  const notes = new Map<string, string>();
  db.transaction(() => {
    for (const job of jobs) {
      const record = recordOf(name, job);
      if (!record || !job.id) continue;
      const changed =
        name === 'ingest'
          ? resetInbox(db, [record.id], ['failed']) > 0
          : requeueReply(db, record.id);
      if (changed) {
        notes.set(
          job.id,
          name === 'ingest'
            ? `; inbox row ${record.id} back to pending`
            : `; reply ${record.id} back to queued`,
        );
      }
    }
  });
  return notes;
}

/**
 * The durable records first, then the jobs: if a job cannot be retried after all (someone else
 * retried it, or it was just removed), its row is pending and the reconciler enqueues it, so
 * the two never disagree for long. `job.retry` (not `queue.retryJobs`) because it can reset the
 * attempt count, and without that a retried job would fail for good at its first error.
 */
async function retry(db: Db, name: QueueName, jobs: Job[]) {
  const notes = resetRecords(db, name, jobs);
  return Promise.all(
    jobs.map(async (job) => {
      const note = (job.id && notes.get(job.id)) || '';
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return { retried: true, note };
      } catch {
        return { retried: false, note };
      }
    }),
  );
}

async function retryOne(db: Db, queues: Queues, jobId: string): Promise<string> {
  for (const name of QUEUE_NAMES) {
    const job = await queues[name].queue.getJob(jobId);
    if (!job) continue;
    const state = await job.getState();
    if (state !== 'failed')
      return `job ${jobId} (${name}) is ${state}, not failed: nothing to retry`;
    const [result] = await retry(db, name, [job]);
    const note = result?.note ?? '';
    return result?.retried
      ? `retried ${jobId} (${name})${note}`
      : `job ${jobId} (${name}) changed state meanwhile, now ${await job.getState()}${note}`;
  }
  const inboxId = /^inbox-(\d+)$/.exec(jobId)?.[1];
  throw new CliError(
    `there is no job ${jobId} in ${QUEUE_NAMES.join(' or ')}` +
      (inboxId ? ` (gone after 7 days? run the row again with: inbox replay --id ${inboxId})` : ''),
  );
}

async function retryAll(db: Db, queues: Queues, names: QueueName[]): Promise<string> {
  const lines: string[] = [];
  for (const name of names) {
    const { queue } = queues[name];
    // A snapshot of the ids: a job failing again during the pass waits for the next one.
    const ids = [...(await failedJobIds(queues[name]))];
    let retried = 0;
    for (let i = 0; i < ids.length; i += PARALLEL) {
      const jobs = await Promise.all(ids.slice(i, i + PARALLEL).map((id) => queue.getJob(id)));
      const results = await retry(
        db,
        name,
        jobs.filter((job): job is Job => Boolean(job)),
      );
      retried += results.filter((result) => result.retried).length;
    }
    lines.push(`${name}: retried ${retried} of ${ids.length} failed jobs`);
  }
  return lines.join('\n');
}
