/**
 * `leadwire queues …`: what is waiting and what failed in every queue of the job catalog, next to
 * the durable record (inbox rows, replies), and retrying failed jobs once the cause is fixed.
 */
import { INBOX_STATUSES } from '../../core/ports.ts';
import type { QueueName } from '../../core/jobs.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { Config } from '../../core/runtime/config.ts';
import { table } from './format.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { CliError, parseStrict } from './options.ts';
import { openQueues, QUEUE_NAMES, type Queues } from './queue-client.ts';
import { listFailed } from './queues-failed.ts';
import { retryAll, retryOne } from './queues-retry.ts';

// Part of this command's surface: the integration tests open the very queues it reads.
export { openQueues, type Queues };

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

export type QueueRepos = Pick<Repositories, 'inbox' | 'leads'>;

export async function runQueuesCommand(
  repos: QueueRepos,
  config: Config,
  argv: string[],
): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.queues);
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
    if (command === 'failed') return await listFailed(repos, queues, only, limit);
    if (command === 'retry') {
      return arg ? await retryOne(repos, queues, arg) : await retryAll(repos, queues, only);
    }
    return await counts(repos, queues);
  } finally {
    await queues.close();
  }
}

async function counts(repos: QueueRepos, queues: Queues): Promise<string> {
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
  const inbox = await repos.inbox.countMatching({});
  const replies = await repos.leads.replyCounts();
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
