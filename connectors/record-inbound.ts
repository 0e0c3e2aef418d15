/**
 * recordInbound: the one way an outside event enters Leadwire. The inbox row is committed first
 * (the source may be acknowledged from then on), then the row is handed to the ingest queue.
 * If Redis is away the row simply stays pending and the reconciler enqueues it later.
 */
import type { RecordedInbox } from '../core/ports.ts';
import type { InboxRepository } from '../core/repositories/inbox.ts';
import type { Logger } from '../core/runtime/logger.ts';
import type { Producer } from '../core/runtime/queues.ts';
import { occasionalWarning, withinDeadline } from '../core/runtime/redis-outage.ts';

export interface InboundRecorder {
  record(
    channelId: number,
    externalId: string,
    raw: unknown,
    receivedAt: Date,
  ): Promise<RecordedInbox & { enqueued: boolean }>;
}

export function createRecorder(
  inbox: Pick<InboxRepository, 'record'>,
  producer: Producer<'ingest'>,
  log: Logger,
): InboundRecorder {
  const notEnqueued = occasionalWarning(
    log,
    'recorded but not enqueued (Redis unreachable?); the reconciler will enqueue it',
  );
  return {
    async record(channelId, externalId, raw, receivedAt) {
      const recorded = await inbox.record(channelId, externalId, JSON.stringify(raw), receivedAt);
      const inboxId = recorded.row.id;
      if (recorded.row.status !== 'pending') return { ...recorded, enqueued: false };
      try {
        // The source is waiting for its answer and the row is safe: Redis gets a short deadline.
        await withinDeadline(producer, () => producer.add({ inboxId }));
        return { ...recorded, enqueued: true };
      } catch (error) {
        log.debug({ err: error, inboxId, channelId }, 'recorded but not enqueued');
        notEnqueued(error, { inboxId, channelId });
        return { ...recorded, enqueued: false };
      }
    },
  };
}
