/**
 * `/admin/queues`: bull-board over every queue of the job catalog, so an operator can see what
 * waits, what runs, what failed and why, and retry it. Mount it behind admin authentication.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';
import { QUEUES } from '../../core/jobs.ts';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * A failed ingest job can be retried here: its failed inbox row is processed again when the job
 * runs. A failed reply cannot: its row says `failed`, and a bare job retry would skip it, so the
 * outbound queue's retry buttons are off and `npm run leadwire -- queues retry` (which puts the
 * reply back to queued first) is the way.
 */
const RETRIES_FROM_DASHBOARD: Record<string, boolean> = { [QUEUES.ingest]: true };

export function dashboardRouter(queues: Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map(
      (queue) =>
        new BullMQAdapter(queue, { allowRetries: RETRIES_FROM_DASHBOARD[queue.name] ?? false }),
    ),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Leadwire queues' } },
  });
  return serverAdapter.getRouter() as Router;
}
