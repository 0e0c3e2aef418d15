/**
 * `leadwire queues failed`: failed jobs with their error next to their inbox row or reply, and
 * failed inbox rows whose job is already gone.
 */
import type { Job } from 'bullmq';
import { JOBS, type QueueName } from '../../core/jobs.ts';
import type { InboxRepository } from '../../core/repositories/inbox.ts';
import { oneLine, when } from './format.ts';
import { failedJobIds, recordOf, type Queues } from './queue-client.ts';

export async function listFailed(
  repos: { inbox: Pick<InboxRepository, 'errors' | 'failedIds'> },
  queues: Queues,
  names: QueueName[],
  limit: number,
) {
  const lines: string[] = [];
  for (const name of names) {
    const { queue } = queues[name];
    const total = await queue.getFailedCount();
    if (total === 0) continue;
    const jobs = (await queue.getFailed(0, limit - 1)).filter((job): job is Job => Boolean(job));
    const stored = await repos.inbox.errors(
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
    lines.push(
      ...withoutJobs(await repos.inbox.failedIds(), await failedJobIds(queues.ingest), limit),
    );
  return lines.join('\n') || 'no failed jobs';
}

/**
 * Inbox rows that failed but whose job is gone (BullMQ drops failed jobs after 7 days): the
 * row is the durable record, and `inbox replay` is how they come back.
 */
function withoutJobs(failedRows: number[], failedJobs: Set<string>, limit: number): string[] {
  const orphans = failedRows.filter((id) => !failedJobs.has(JOBS.ingest.jobId({ inboxId: id })));
  if (orphans.length === 0) return [];
  const shown = orphans.slice(0, limit).join(', ');
  const more = orphans.length > limit ? `, … (${orphans.length - limit} more)` : '';
  return [
    `${orphans.length} failed inbox row${orphans.length === 1 ? ' has' : 's have'} no failed job any more (failed jobs are kept 7 days): ${shown}${more}`,
    '  run them again with: npm run leadwire -- inbox replay --status failed',
  ];
}
