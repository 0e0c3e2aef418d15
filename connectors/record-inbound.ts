/**
 * recordInbound: the one way an outside event enters Leadwire (the InboundRecorder of
 * core/channel.ts). The inbox rows are committed first (the source may be acknowledged from then
 * on), then handed to the ingest queue within a short deadline: the source is waiting and the
 * rows are safe. If Redis is away the rows simply stay pending and the reconciler enqueues them.
 */
import type { InboundRecorder } from '../core/channel.ts';
import type { RecordedInbox } from '../core/ports.ts';
import type { InboxRepository } from '../core/repositories/inbox.ts';
import type { Logger } from '../core/runtime/logger.ts';
import type { Producer } from '../core/runtime/queues.ts';
import { inboxRecorded } from '../core/runtime/metrics.ts';
import { occasionalWarning, withinDeadline } from '../core/runtime/redis-outage.ts';
import { tickBatch, type Settled } from '../core/runtime/tick-batch.ts';

export type { InboundRecorder };

export function createRecorder(
  inbox: Pick<InboxRepository, 'record' | 'recordBatch'>,
  producer: Producer<'ingest'>,
  log: Logger,
): InboundRecorder {
  const notEnqueued = occasionalWarning(
    log,
    'recorded but not enqueued (Redis unreachable?); the reconciler will enqueue it',
  );
  /** True when Redis took the jobs in time. */
  const enqueue = async (inboxIds: number[], channelId: number): Promise<boolean> => {
    if (!inboxIds.length) return false;
    try {
      await withinDeadline(producer, () =>
        inboxIds.length === 1
          ? producer.add({ inboxId: inboxIds[0] ?? 0 })
          : producer.addBulk(inboxIds.map((inboxId) => ({ inboxId }))),
      );
      return true;
    } catch (error) {
      log.debug({ err: error, inboxIds, channelId }, 'recorded but not enqueued');
      notEnqueued(error, { inboxId: inboxIds[0], count: inboxIds.length, channelId });
      return false;
    }
  };
  const pendingIds = (rows: RecordedInbox[]) =>
    rows.filter((r) => r.row.status === 'pending').map((r) => r.row.id);
  // Single events recorded in the same turn (the posts of a busy moment, committed together by
  // the inbox) go to Redis in one round trip.
  const enqueueTogether = tickBatch(async (rows: RecordedInbox[]): Promise<Settled<boolean>[]> => {
    const ids = pendingIds(rows);
    const enqueued = await enqueue(ids, rows[0]?.row.channelId ?? 0);
    return rows.map((row) => ({ ok: true, value: enqueued && row.row.status === 'pending' }));
  });
  return {
    async record(channelId, externalId, raw, receivedAt) {
      const recorded = await inbox.record(channelId, externalId, JSON.stringify(raw), receivedAt);
      if (recorded.created) inboxRecorded.inc({ channel_id: String(channelId) });
      return { ...recorded, enqueued: await enqueueTogether(recorded) };
    },
    async recordBatch(channelId, events, receivedAt, checkpoint) {
      const recorded = await inbox.recordBatch(channelId, events, receivedAt, checkpoint);
      const created = recorded.filter((r) => r.created).length;
      if (created) inboxRecorded.inc({ channel_id: String(channelId) }, created);
      await enqueue(pendingIds(recorded), channelId);
      return recorded;
    },
  };
}
