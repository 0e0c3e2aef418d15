/**
 * The BullMQ outbound worker: thin wiring around `sendOutbound`, with retries for transient
 * errors. A channel that asks to slow down (a bot's 429, WhatsApp's rate limits) pauses all of
 * its replies until the time it gave; other channels go on.
 */
import { DelayedError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS } from '../../core/jobs.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import { outboundMessages } from '../../core/runtime/metrics.ts';
import { createWorker } from '../../core/runtime/queues.ts';
import { PermanentSendError, RateLimitedError } from '../../core/errors.ts';
import { scrubError } from '../../core/runtime/scrub.ts';
import { markSendFailed, sendOutbound, type OutboundDeps } from './handler.ts';

export interface OutboundWorkerOptions extends OutboundDeps {
  /** Also the producer-side connection for the per-bot pause keys. */
  connection: Redis;
  prefix: string;
  log: Logger;
}

export function startOutboundWorker(options: OutboundWorkerOptions): Worker {
  const { log, repos } = options;
  const pauseKey = (channelId: number) => `${options.prefix}:channel:pause:${channelId}`;
  /** Moves the job to the delayed set until `until`; BullMQ then runs it again. */
  const delay = async (job: Job, token: string | undefined, until: number) => {
    await job.moveToDelayed(until, token);
    throw new DelayedError();
  };
  const worker = createWorker(
    'outbound',
    options.connection,
    options.prefix,
    async ({ messageId }, job, token) => {
      const message = await repos.leads.message(messageId);
      const channelId = message?.channelId;
      const kind = channelId ? (await repos.channels.get(channelId))?.kind : undefined;
      const context = {
        queue: JOBS.outbound.queue,
        jobId: job.id,
        messageId,
        leadId: message?.leadId,
        channel: channelId,
      };
      const count = (result: string) =>
        outboundMessages.inc({ channel: kind ?? 'unknown', result });
      // One channel told to wait waits for all its replies; other channels go on.
      const pausedUntil = channelId ? Number(await options.connection.get(pauseKey(channelId))) : 0;
      if (pausedUntil > Date.now()) return delay(job, token, pausedUntil);
      try {
        const result = await sendOutbound(options, messageId);
        count(result.status);
        log.info({ ...context, status: result.status }, 'reply sent');
        return result;
      } catch (caught) {
        // Network errors can quote a Bot API URL with the token: never let BullMQ keep that.
        const error = scrubError(caught);
        if (error instanceof RateLimitedError && channelId) {
          const until = Date.now() + error.retryAfterSeconds * 1000;
          await options.connection.set(
            pauseKey(channelId),
            String(until),
            'PX',
            error.retryAfterSeconds * 1000,
          );
          log.warn(
            { ...context, channel: channelId, retryAfter: error.retryAfterSeconds },
            'channel rate limit: waiting',
          );
          return delay(job, token, until);
        }
        const attempts = job.attemptsMade + 1;
        const permanent = error instanceof PermanentSendError;
        const reason = error instanceof Error ? error.message : String(error);
        if (permanent || attempts >= (job.opts.attempts ?? 1)) {
          await markSendFailed(repos, messageId, error, attempts).catch((storeError: unknown) =>
            log.warn({ ...context, err: storeError }, 'could not mark the reply failed'),
          );
          count('failed');
          log.error({ ...context, attempts, error: reason }, 'reply not sent; kept on the message');
        } else {
          count('retry');
          log.warn({ ...context, attempts, error: reason }, 'reply not sent yet; will retry');
        }
        if (permanent) throw new UnrecoverableError(reason);
        throw error;
      }
    },
  );
  worker.on('error', (error) =>
    log.error({ queue: JOBS.outbound.queue, err: error }, 'outbound worker error'),
  );
  return worker;
}
