/**
 * `leadwire inbox replay …`: runs inbox rows through the ingest worker again after a fix. Rows are
 * walked in id order in batches and each batch's cursor is saved, so a run of any size can be
 * stopped with Ctrl-C and resumed where it stopped.
 */
import { INBOX_STATUSES } from '../../core/ports.ts';
import type { ReplayFilter } from '../../core/repositories/inbox.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { ReplayRun } from '../../core/repositories/replays.ts';
import type { Config } from '../../core/runtime/config.ts';
import { table } from './format.ts';
import { InterruptedError, withSignal } from './interrupt.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { CliError, idOf, parseStrict } from './options.ts';
import { startProgress, type Progress } from './progress.ts';
import { openQueues, type Queues } from './queue-client.ts';
import { enqueue } from './replay-enqueue.ts';
import { describeFilter, parseFilter, resettable } from './replay-filter.ts';

/** Rows per batch: one SELECT, one UPDATE, one pipelined look-up and one addBulk. */
const BATCH = 500;

export interface InboxCommandOptions {
  /** Stops the run after the current batch; by default SIGINT/SIGTERM do. */
  signal?: AbortSignal;
  /** Where progress goes; by default a bar (or, without a terminal, a line every few seconds) on stderr. */
  progress?: (run: ReplayRun) => Progress;
}

type ReplayRepos = Pick<Repositories, 'inbox' | 'replays'>;

export async function runInboxCommand(
  repos: ReplayRepos,
  config: Config,
  argv: string[],
  options: InboxCommandOptions = {},
): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.inbox);
  const [group, command, arg] = positionals;
  if (group !== 'inbox') return undefined;
  if (command === 'replays') return describeRuns(await repos.replays.list());
  if (command !== 'replay')
    throw new CliError(
      command === undefined
        ? 'inbox needs a command: replay or replays'
        : `unknown command: inbox ${command}`,
    );
  const selected = parseFilter(values);
  let run: ReplayRun | undefined;
  if (values.resume) {
    if (selected)
      throw new CliError('--resume goes on with the run’s own selection: drop the other options');
    run = await resumable(repos, arg);
  } else if (arg !== undefined) {
    throw new CliError(`inbox replay takes options, not "${arg}" (did you mean --resume ${arg}?)`);
  }
  if (!run && !selected) {
    throw new CliError(
      'inbox replay needs a selection: --id, --channel, --status, --since and/or --until',
    );
  }
  if (values['dry-run']) return dryRun(repos, run?.filter ?? selected ?? {});
  const queues = await openQueues(config);
  try {
    if (!run) {
      const filter = { ...selected, maxId: await repos.inbox.maxId() };
      const total = sum(await repos.inbox.countMatching(filter));
      if (total === 0) return 'no inbox rows match: nothing to replay';
      run = await repos.replays.create(filter, total, new Date());
    }
    const started = run;
    return await withSignal(options.signal, (signal) =>
      replay(repos, queues, started, signal, (options.progress ?? replayProgress)(started)),
    );
  } finally {
    await queues.close();
  }
}

const replayProgress = (run: ReplayRun) =>
  startProgress({ label: `replay ${run.id}`, unit: 'rows', total: run.total, done: run.doneCount });

async function resumable(repos: ReplayRepos, arg: string | undefined): Promise<ReplayRun> {
  if (arg === undefined) {
    const run = await repos.replays.latestUnfinished();
    if (!run) throw new CliError('there is no unfinished replay to resume (see `inbox replays`)');
    return run;
  }
  const id = idOf(arg);
  const run = id === undefined ? undefined : await repos.replays.get(id);
  if (!run) throw new CliError(`there is no replay run ${arg} (see \`inbox replays\`)`);
  if (run.finishedAt)
    throw new CliError(
      `replay ${run.id} finished at ${run.finishedAt.toISOString()}: nothing to resume`,
    );
  return run;
}

const sum = (counts: Partial<Record<string, number>>) =>
  Object.values(counts).reduce<number>((total, n) => total + (n ?? 0), 0);

async function dryRun(repos: ReplayRepos, filter: ReplayFilter): Promise<string> {
  const counts = await repos.inbox.countMatching(filter);
  const reset = resettable(filter).reduce((n, status) => n + (counts[status] ?? 0), 0);
  const byStatus = INBOX_STATUSES.filter((s) => counts[s]).map((s) => `${s} ${counts[s]}`);
  return `${sum(counts)} inbox rows match${byStatus.length ? ` (${byStatus.join(', ')})` : ''}; ${reset} would go back to pending. Nothing enqueued (--dry-run).`;
}

async function replay(
  repos: ReplayRepos,
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
      const page = await repos.inbox.matchingPage(run.filter, cursor, BATCH);
      if (page.length === 0) break;
      const ids = page.map((row) => row.id);
      // Reset before enqueueing, so the worker finds the row pending. A crash between the two
      // leaves pending rows without a job: the reconciler enqueues those.
      reset += await repos.inbox.reset(
        page.filter((row) => statuses.includes(row.status)).map((row) => row.id),
        statuses,
      );
      await enqueue(queues, ids);
      cursor = ids[ids.length - 1] ?? cursor;
      done += ids.length;
      await repos.replays.saveProgress(run.id, cursor, done, new Date());
      progress.update(done);
      if (signal.aborted && (await repos.inbox.matchingPage(run.filter, cursor, 1)).length > 0) {
        await repos.replays.end(run.id, 'interrupted', new Date());
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
  await repos.replays.end(run.id, 'finished', new Date());
  const from = run.lastInboxId ? ` (resumed after inbox id ${run.lastInboxId})` : '';
  return `replay ${run.id} finished${from}: ${done} of ${run.total} rows enqueued, ${reset} back to pending`;
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
