/**
 * `leadwire inbox replay …`: runs inbox rows through the ingest worker again after a fix. Rows are
 * walked in id order in batches and each batch's cursor is saved, so a run of any size can be
 * stopped with Ctrl-C and resumed where it stopped.
 */
import cliProgress from 'cli-progress';
import { JOBS } from '../../core/jobs.ts';
import type { Config } from '../../core/runtime/config.ts';
import type { Db } from '../../db/open.ts';
import {
  countMatching,
  createReplay,
  endReplay,
  getReplay,
  INBOX_STATUSES,
  latestUnfinished,
  listReplays,
  matchingPage,
  maxInboxId,
  resetInbox,
  saveProgress,
  type InboxStatus,
  type ReplayFilter,
  type ReplayRun,
} from '../../db/replays.ts';
import { openQueues, parseStrict, table, type Queues } from './queues.ts';
import { CliError } from './widgets.ts';

export const INBOX_USAGE = `  inbox replay [--id N,M…] [--channel ID] [--status failed,ignored,pending,done]
               [--since ISO] [--until ISO] [--dry-run]
                                            runs matching rows again after a fix: failed rows (and
                                            ignored ones when --status names them) go back to
                                            pending; done rows stay as they are. Ctrl-C stops
                                            after the current batch
  inbox replay --resume [RUN_ID]            goes on with the newest unfinished run (or RUN_ID)
  inbox replays                             replay runs and how far they got`;

/** Rows per batch: one SELECT, one UPDATE, one pipelined look-up and one addBulk. */
const BATCH = 500;
/** Finished jobs are replaced one by one (ensure); this many at once. */
const PARALLEL = 200;

/** How often a progress line is printed when stderr is not a terminal (a log file, a CI job). */
const PLAIN_PROGRESS_MS = 2000;

/** Copies of one Ctrl-C relayed by npm and tsx arrive within this; a real second press later. */
const RELAYED_SIGNAL_MS = 1000;

/** A replay stopped by Ctrl-C: its cursor is saved; the message says how to resume (exit 130). */
export class InterruptedError extends Error {
  readonly exitCode = 130;
}

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface InboxCommandOptions {
  /** Stops the run after the current batch; by default SIGINT/SIGTERM do. */
  signal?: AbortSignal;
  /** Where progress goes; by default a bar (or, without a terminal, a line every few seconds) on stderr. */
  progress?: (run: ReplayRun) => Progress;
}

export async function runInboxCommand(
  db: Db,
  config: Config,
  argv: string[],
  options: InboxCommandOptions = {},
): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, {
    id: { type: 'string' },
    channel: { type: 'string' },
    status: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    resume: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  });
  const [group, command, arg] = positionals;
  if (group !== 'inbox') return undefined;
  if (command === 'replays') return describeRuns(listReplays(db));
  if (command !== 'replay') throw new CliError(`unknown command: inbox ${command ?? ''}`.trim());
  const selected = parseFilter(values);
  let run: ReplayRun | undefined;
  if (values.resume) {
    if (selected)
      throw new CliError('--resume goes on with the run’s own selection: drop the other options');
    run = resumable(db, arg);
  } else if (arg !== undefined) {
    throw new CliError(`inbox replay takes options, not "${arg}" (did you mean --resume ${arg}?)`);
  }
  if (!run && !selected) {
    throw new CliError(
      'inbox replay needs a selection: --id, --channel, --status, --since and/or --until',
    );
  }
  if (values['dry-run']) return dryRun(db, run?.filter ?? selected ?? {});
  const queues = await openQueues(config);
  try {
    if (!run) {
      const filter = { ...selected, maxId: maxInboxId(db) };
      const total = sum(countMatching(db, filter));
      if (total === 0) return 'no inbox rows match: nothing to replay';
      run = createReplay(db, filter, total);
    }
    const started = run;
    return await withSignal(options.signal, (signal) =>
      replay(db, queues, started, signal, (options.progress ?? startProgress)(started)),
    );
  } finally {
    await queues.close();
  }
}

function parseFilter(values: {
  id?: string | undefined;
  channel?: string | undefined;
  status?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}): ReplayFilter | undefined {
  const filter: ReplayFilter = {};
  if (values.id !== undefined) {
    const ids = values.id.split(',').map((part) => Number(part.trim()));
    if (!ids.every((id) => Number.isInteger(id) && id > 0))
      throw new CliError('--id takes inbox ids separated by commas, e.g. --id 12,15');
    filter.ids = ids;
  }
  if (values.channel !== undefined) {
    const channelId = Number(values.channel);
    if (!Number.isInteger(channelId) || channelId < 1)
      throw new CliError('--channel takes a channel id (see `channels list`)');
    filter.channelId = channelId;
  }
  if (values.status !== undefined) {
    const statuses = values.status.split(',').map((part) => part.trim());
    const known = (s: string): s is InboxStatus => INBOX_STATUSES.some((k) => k === s);
    if (!statuses.every(known))
      throw new CliError(`--status takes ${INBOX_STATUSES.join(', ')} (comma-separated)`);
    filter.statuses = statuses.filter(known);
  }
  for (const bound of ['since', 'until'] as const) {
    const text = values[bound];
    if (text === undefined) continue;
    const at = Date.parse(text);
    if (Number.isNaN(at))
      throw new CliError(`--${bound} takes a date or time, e.g. 2026-03-01 or 2026-03-01T09:30Z`);
    filter[bound] = at;
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until)
    throw new CliError('--since must be before --until');
  return Object.keys(filter).length ? filter : undefined;
}

function resumable(db: Db, arg: string | undefined): ReplayRun {
  if (arg === undefined) {
    const run = latestUnfinished(db);
    if (!run) throw new CliError('there is no unfinished replay to resume (see `inbox replays`)');
    return run;
  }
  const run = getReplay(db, Number(arg));
  if (!run) throw new CliError(`there is no replay run ${arg} (see \`inbox replays\`)`);
  if (run.finishedAt)
    throw new CliError(
      `replay ${run.id} finished at ${run.finishedAt.toISOString()}: nothing to resume`,
    );
  return run;
}

/** Failed rows always go back to pending; ignored ones only when the operator asked for them. */
function resettable(filter: ReplayFilter): InboxStatus[] {
  return filter.statuses?.includes('ignored') ? ['failed', 'ignored'] : ['failed'];
}

const sum = (counts: Partial<Record<string, number>>) =>
  Object.values(counts).reduce<number>((total, n) => total + (n ?? 0), 0);

function dryRun(db: Db, filter: ReplayFilter): string {
  const counts = countMatching(db, filter);
  const reset = resettable(filter).reduce((n, status) => n + (counts[status] ?? 0), 0);
  const byStatus = INBOX_STATUSES.filter((s) => counts[s]).map((s) => `${s} ${counts[s]}`);
  return `${sum(counts)} inbox rows match${byStatus.length ? ` (${byStatus.join(', ')})` : ''}; ${reset} would go back to pending. Nothing enqueued (--dry-run).`;
}

/**
 * Aborts on the first SIGINT/SIGTERM; another one at least a second later exits at once (the
 * cursor is saved per batch, and a row reset but not yet enqueued is pending, which the
 * reconciler enqueues). Signals within that second are the same Ctrl-C: under `npm run`, npm and
 * tsx each relay the terminal's SIGINT to the process that already received it.
 */
async function withSignal<T>(
  given: AbortSignal | undefined,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (given) return body(given);
  const controller = new AbortController();
  let firstAt = 0;
  const stop = () => {
    if (controller.signal.aborted) {
      if (Date.now() - firstAt >= RELAYED_SIGNAL_MS) process.exit(130);
      return;
    }
    firstAt = Date.now();
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to stop now)\n');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function replay(
  db: Db,
  queues: Queues,
  run: ReplayRun,
  signal: AbortSignal,
  progress: Progress,
): Promise<string> {
  const statuses = resettable(run.filter);
  let cursor = run.lastInboxId;
  let done = run.doneCount;
  let reset = 0;
  progress.update(done);
  try {
    for (;;) {
      const page = matchingPage(db, run.filter, cursor, BATCH);
      if (page.length === 0) break;
      const ids = page.map((row) => row.id);
      // Reset before enqueueing, so the worker finds the row pending. A crash between the two
      // leaves pending rows without a job: the reconciler enqueues those.
      reset += resetInbox(
        db,
        page.filter((row) => statuses.includes(row.status)).map((row) => row.id),
        statuses,
      );
      await enqueue(queues, ids);
      cursor = ids[ids.length - 1] ?? cursor;
      done += ids.length;
      saveProgress(db, run.id, cursor, done);
      progress.update(done);
      if (signal.aborted && matchingPage(db, run.filter, cursor, 1).length > 0) {
        endReplay(db, run.id, 'interrupted');
        progress.stop();
        throw new InterruptedError(
          `replay ${run.id} interrupted after ${done} of ${run.total} rows (cursor: inbox id ${cursor})\n` +
            `resume with: npm run leadwire -- inbox replay --resume ${run.id}`,
        );
      }
    }
  } finally {
    progress.stop();
  }
  endReplay(db, run.id, 'finished');
  const from = run.lastInboxId ? ` (resumed after inbox id ${run.lastInboxId})` : '';
  return `replay ${run.id} finished${from}: ${done} of ${run.total} rows enqueued, ${reset} back to pending`;
}

/**
 * Each row's job is classified with three pipelined look-ups per row, not `ensure` alone: its
 * state check scans the whole wait list for a waiting job, which made a replay over a large
 * backlog quadratic (100,000 waiting rows: about 1,000 rows/s). So:
 * - no job (the usual case: finished jobs are removed after an hour, failed ones after 7 days):
 *   added in one addBulk;
 * - a completed or failed job: `ensure`, which replaces it (adding the same id again would be
 *   silently ignored);
 * - any other job is waiting, delayed or running and will process the row: left alone. (A job
 *   whose keys are half gone also lands here; the reconciler's full check recovers its row.)
 */
async function enqueue({ ingest, redis }: Queues, ids: number[]): Promise<void> {
  const { queue } = ingest;
  const pipeline = redis.pipeline();
  for (const inboxId of ids) {
    const jobId = JOBS.ingest.jobId({ inboxId });
    pipeline.exists(queue.toKey(jobId));
    pipeline.zscore(queue.toKey('completed'), jobId);
    pipeline.zscore(queue.toKey('failed'), jobId);
  }
  const replies = (await pipeline.exec()) ?? [];
  const failedReply = replies.find(([error]) => error);
  if (failedReply?.[0]) throw failedReply[0];
  const fresh: number[] = [];
  const finished: number[] = [];
  ids.forEach((inboxId, i) => {
    const [exists, completed, failed] = replies.slice(i * 3, i * 3 + 3).map(([, value]) => value);
    if (exists !== 1) fresh.push(inboxId);
    else if (completed !== null || failed !== null) finished.push(inboxId);
  });
  await ingest.addBulk(fresh.map((inboxId) => ({ inboxId })));
  for (let i = 0; i < finished.length; i += PARALLEL) {
    await Promise.all(finished.slice(i, i + PARALLEL).map((inboxId) => ingest.ensure({ inboxId })));
  }
}

function describeFilter(filter: ReplayFilter): string {
  const at = (ms: number) => new Date(ms).toISOString();
  const parts = [
    filter.ids && `id ${filter.ids.join(',')}`,
    filter.channelId !== undefined && `channel ${filter.channelId}`,
    filter.statuses && `status ${filter.statuses.join(',')}`,
    filter.since !== undefined && `since ${at(filter.since)}`,
    filter.until !== undefined && `until ${at(filter.until)}`,
    filter.maxId !== undefined && `id ≤ ${filter.maxId}`,
  ];
  return parts.filter(Boolean).join(' ');
}

function describeRuns(runs: ReplayRun[]): string {
  if (runs.length === 0) return 'no replays yet';
  const state = (run: ReplayRun) =>
    run.finishedAt ? 'finished' : run.interruptedAt ? 'interrupted' : 'unfinished';
  return table([
    ['run', 'started', 'state', 'rows', 'cursor', 'selection'],
    ...runs.map((run) => [
      run.id,
      run.startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      state(run),
      `${run.doneCount}/${run.total}`,
      run.lastInboxId,
      describeFilter(run.filter),
    ]),
  ]);
}

/** A bar on a terminal; elsewhere a plain line every few seconds (a bar would fill a log file). */
export function startProgress(
  run: ReplayRun,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  let stopped = false;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `replay ${run.id} [{bar}] {percentage}% | {value}/{total} rows | {eta_formatted} left`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(run.total, run.doneCount);
    return {
      update(done) {
        // Rows recorded while the run goes (below its upper id) can push it past the first count.
        if (done > bar.getTotal()) bar.setTotal(done);
        bar.update(done);
      },
      stop() {
        if (!stopped) bar.stop();
        stopped = true;
      },
    };
  }
  let current = run.doneCount;
  let printed = -1;
  let printedAt = 0;
  const print = () => {
    const percent = run.total ? Math.min(100, Math.floor((current / run.total) * 100)) : 100;
    stream.write(`replay ${run.id}: ${current}/${run.total} rows (${percent}%)\n`);
    printed = current;
    printedAt = Date.now();
  };
  return {
    update(done) {
      current = done;
      if (Date.now() - printedAt >= PLAIN_PROGRESS_MS) print();
    },
    stop() {
      if (!stopped && printed !== current) print();
      stopped = true;
    },
  };
}
