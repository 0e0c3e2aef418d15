/** The BullMQ outbound worker: thin wiring around `sendOutbound`, with retries for transient errors. */
import { UnrecoverableError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS } from '../../core/jobs.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import { createWorker } from '../../core/runtime/queues.ts';
import { PermanentSendError } from '../../connectors/email/send.ts';
import { markSendFailed, sendOutbound, type OutboundDeps } from './handler.ts';

export interface OutboundWorkerOptions extends OutboundDeps {
  connection: Redis;
  prefix: string;
  log: Logger;
}

export function startOutboundWorker(options: OutboundWorkerOptions): Worker {
  const { log, db } = options;
  const worker = createWorker(
    'outbound',
    options.connection,
    options.prefix,
    async ({ messageId }, job) => {
      const context = { queue: JOBS.outbound.queue, jobId: job.id, messageId };
      try {
        const result = await sendOutbound(options, messageId);
        log.info({ ...context, status: result.status }, 'reply sent');
        return result;
      } catch (error) {
        const attempts = job.attemptsMade + 1;
        const permanent = error instanceof PermanentSendError;
        const message = error instanceof Error ? error.message : String(error);
        if (permanent || attempts >= (job.opts.attempts ?? 1)) {
          markSendFailed(db, messageId, message, attempts);
          log.error(
            { ...context, attempts, error: message },
            'reply not sent; marked failed on the message',
          );
        } else {
          log.warn({ ...context, attempts, error: message }, 'reply not sent yet; will retry');
        }
        if (permanent) throw new UnrecoverableError(message);
        throw error;
      }
    },
  );
  worker.on('error', (error) =>
    log.error({ queue: JOBS.outbound.queue, err: error }, 'outbound worker error'),
  );
  return worker;
}
