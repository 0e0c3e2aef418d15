/** A replay batch's ingest jobs: added, replaced or left alone, by what each row's job is now. */
import type { Queues } from './queue-client.ts';

/**
 * Each row's job is looked up cheaply (see Producer.ensureMany): none (the usual case: finished
 * jobs are removed after an hour, failed ones after 7 days) is added, a completed or failed one
 * is replaced, and any other is waiting, delayed or running and will process the row. (A job
 * whose keys are half gone also looks unfinished; the reconciler's full check recovers its row.)
 */
export async function enqueue({ ingest }: Queues, ids: number[]): Promise<void> {
  await ingest.ensureMany(ids.map((inboxId) => ({ inboxId })));
}
