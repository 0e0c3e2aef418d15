/**
 * `leadwire queues retry`: runs failed jobs again, one by id or all of a queue, after putting
 * their inbox row or reply back to runnable.
 */
import type { Job } from 'bullmq';
import type { QueueName } from '../../core/jobs.ts';
import type { Db } from '../../db/open.ts';
import { requeueReply, resetInbox } from '../../db/replays.ts';
import { failedJobIds, QUEUE_NAMES, recordOf, type Queues } from './queue-client.ts';
import { CliError } from './widgets.ts';

/** Jobs retried at once: a few round trips each, pipelined on the one connection; one commit. */
const PARALLEL = 200;

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

export async function retryOne(db: Db, queues: Queues, jobId: string): Promise<string> {
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

export async function retryAll(db: Db, queues: Queues, names: QueueName[]): Promise<string> {
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
