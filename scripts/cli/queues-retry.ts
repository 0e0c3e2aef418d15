/**
 * `leadwire queues retry`: runs failed jobs again, one by id or all of a queue, after putting
 * their inbox row or reply back to runnable.
 */
import type { Job } from 'bullmq';
import type { QueueName } from '../../core/jobs.ts';
import type { QueueRepos } from './queues.ts';
import { failedJobIds, QUEUE_NAMES, recordOf, type Queues } from './queue-client.ts';
import { CliError } from './options.ts';

/** Jobs retried at once: a few round trips each, pipelined on the one connection; one commit. */
const PARALLEL = 200;

/**
 * The jobs' durable records back to runnable: inbox rows to pending (one statement for a whole
 * chunk of a `--all`), replies to queued. Returns what changed, per job id.
 */
async function resetRecords(
  repos: QueueRepos,
  name: QueueName,
  jobs: Job[],
): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  const records = jobs.flatMap((job) => {
    const record = recordOf(name, job);
    return record && job.id ? [{ jobId: job.id, id: record.id }] : [];
  });
  if (name === 'ingest') {
    const failed = await repos.inbox.errors(records.map((record) => record.id));
    await repos.inbox.reset(
      records.map((record) => record.id),
      ['failed'],
    );
    for (const record of records) {
      if (failed.get(record.id)?.status === 'failed')
        notes.set(record.jobId, `; inbox row ${record.id} back to pending`);
    }
  } else {
    for (const record of records) {
      if (await repos.leads.requeueReply(record.id))
        notes.set(record.jobId, `; reply ${record.id} back to queued`);
    }
  }
  return notes;
}

/**
 * The durable records first, then the jobs: if a job cannot be retried after all (someone else
 * retried it, or it was just removed), its row is pending and the reconciler enqueues it, so
 * the two never disagree for long. `job.retry` (not `queue.retryJobs`) because it can reset the
 * attempt count, and without that a retried job would fail for good at its first error.
 */
async function retry(repos: QueueRepos, name: QueueName, jobs: Job[]) {
  const notes = await resetRecords(repos, name, jobs);
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

export async function retryOne(repos: QueueRepos, queues: Queues, jobId: string): Promise<string> {
  for (const name of QUEUE_NAMES) {
    const job = await queues[name].queue.getJob(jobId);
    if (!job) continue;
    const state = await job.getState();
    if (state !== 'failed')
      return `job ${jobId} (${name}) is ${state}, not failed: nothing to retry`;
    const [result] = await retry(repos, name, [job]);
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

export async function retryAll(
  repos: QueueRepos,
  queues: Queues,
  names: QueueName[],
): Promise<string> {
  const lines: string[] = [];
  for (const name of names) {
    const { queue } = queues[name];
    // A snapshot of the ids: a job failing again during the pass waits for the next one.
    const ids = [...(await failedJobIds(queues[name]))];
    let retried = 0;
    for (let i = 0; i < ids.length; i += PARALLEL) {
      const jobs = await Promise.all(ids.slice(i, i + PARALLEL).map((id) => queue.getJob(id)));
      const results = await retry(
        repos,
        name,
        jobs.filter((job): job is Job => Boolean(job)),
      );
      retried += results.filter((result) => result.retried).length;
    }
    lines.push(`${name}: retried ${retried} of ${ids.length} failed jobs`);
  }
  return lines.join('\n');
}
