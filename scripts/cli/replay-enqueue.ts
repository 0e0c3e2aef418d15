/** A replay batch's ingest jobs: added, replaced or left alone, by what each row's job is now. */
import { JOBS } from '../../core/jobs.ts';
import type { Queues } from './queue-client.ts';

/** Finished jobs are replaced one by one (ensure); this many at once. */
const PARALLEL = 200;

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
export async function enqueue({ ingest, redis }: Queues, ids: number[]): Promise<void> {
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
