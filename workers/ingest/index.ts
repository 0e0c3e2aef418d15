/** The BullMQ ingest worker: thin wiring around `ingestInbox`. */
import { UnrecoverableError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AnyChannel, ExpandDeps } from '../../core/channel.ts';
import type { Clock } from '../../core/clock.ts';
import { MalformedInputError } from '../../core/errors.ts';
import { JOBS } from '../../core/jobs.ts';
import type { ChannelInfo, IngestOutcome } from '../../core/ports.ts';
import type { Repositories, StoreKind } from '../../core/repositories/index.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import { inboundMessages } from '../../core/runtime/metrics.ts';
import { createWorker } from '../../core/runtime/queues.ts';
import { scrubError } from '../../core/runtime/scrub.ts';
import { IngestBatcher } from './batcher.ts';
import { describeError } from './handler.ts';

export interface IngestWorkerOptions {
  repos: Pick<Repositories, 'inbox' | 'channels' | 'ingest' | 'customFields'> & {
    /** The store's kind (a whole store is passed): how batches are gathered depends on it. */
    kind?: StoreKind;
  };
  channels: readonly AnyChannel[];
  clock: Clock;
  defaultCountry: string | undefined;
  expand?: ExpandDeps;
  connection: Redis;
  prefix: string;
  log: Logger;
  concurrency?: number;
  /**
   * Called after a row is committed, with the channel it came in on (e.g. to greet a new Telegram
   * lead); never fails the job.
   */
  onIngested?: (outcome: IngestOutcome, channel: ChannelInfo | undefined) => Promise<void>;
}

async function channelKind(repos: IngestWorkerOptions['repos'], inboxId: number) {
  const row = await repos.inbox.get(inboxId);
  return (row && (await repos.channels.info(row.channelId))?.kind) ?? 'unknown';
}

export function startIngestWorker(options: IngestWorkerOptions): Worker {
  const { repos, log } = options;
  // SQLite commits one batch at a time in this thread: there a batch waits for the jobs that
  // follow the previous one (see IngestBatcher). PostgreSQL overlaps its batches instead, and
  // larger ones would hold more senders' locks against the other worker processes.
  const gatherUpTo =
    options.repos.kind === 'sqlite' ? (options.concurrency ?? JOBS.ingest.concurrency) : 0;
  const batcher = new IngestBatcher(options, gatherUpTo);
  const worker = createWorker(
    'ingest',
    options.connection,
    options.prefix,
    async ({ inboxId }, job) => {
      const context = { queue: JOBS.ingest.queue, jobId: job.id, inboxId };
      try {
        const { outcome: result, channel } = await batcher.ingest(inboxId);
        log.debug({ ...context, leadId: result.leadId, outcome: result.outcome }, 'ingested');
        // Only for what was done now: replaying an old row must not greet its lead again.
        if (!result.earlier) {
          await options
            .onIngested?.(result, channel)
            .catch((error: unknown) =>
              log.warn({ ...context, err: error }, 'after-ingest step failed'),
            );
        }
        return result;
      } catch (caught) {
        const error = scrubError(caught);
        const attempts = job.attemptsMade + 1;
        const final = error instanceof MalformedInputError || attempts >= (job.opts.attempts ?? 1);
        const message = describeError(error);
        if (final) {
          // Read before the row is marked: once it is, nothing but the job's own end is left.
          const channel = await channelKind(repos, inboxId).catch(() => 'unknown');
          // The store may be what failed: the row then stays pending and the reconciler brings
          // its job back once the database answers again.
          await repos.inbox
            .markFailed(inboxId, message, attempts, options.clock.now())
            .catch((storeError: unknown) =>
              log.warn({ ...context, err: storeError }, 'could not mark the inbox row failed'),
            );
          inboundMessages.inc({ channel, outcome: 'failed' });
          log.error(
            { ...context, attempts, error: message },
            'inbox row failed; kept with its error',
          );
        } else {
          log.warn({ ...context, attempts, error: message }, 'ingest failed; will retry');
        }
        if (error instanceof MalformedInputError) throw new UnrecoverableError(message);
        throw error;
      }
    },
    options.concurrency,
  );
  worker.on('completed', () => batcher.finished());
  // Failures BullMQ decides on its own (a job that stalled too often) never reach the processor.
  worker.on('failed', (job, error) => {
    batcher.finished();
    if (job && !(error instanceof UnrecoverableError)) {
      log.warn(
        {
          queue: JOBS.ingest.queue,
          jobId: job.id,
          inboxId: job.data?.inboxId,
          error: error.message,
        },
        'ingest job failed',
      );
    }
  });
  worker.on('error', (error) => {
    // Redis came back empty while this job ran: its row is committed in SQLite all the same, so
    // BullMQ's "Missing key for job" when finishing it is worth a warning, not an error.
    const level = /Missing key for job/.test(error.message) ? 'warn' : 'error';
    log[level]({ queue: JOBS.ingest.queue, err: error }, 'ingest worker error');
  });
  return worker;
}
