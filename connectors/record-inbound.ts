/**
 * recordInbound: the one way an outside event enters Leadwire (the InboundRecorder of
 * core/channel.ts). The inbox rows are committed first (the source may be acknowledged from then
 * on), then handed to the ingest queue within a short deadline; a single event's answer does not
 * wait for that hand-off, as the row is safe. If Redis is away the rows simply stay pending and
 * the reconciler enqueues them.
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

export interface Recorder extends InboundRecorder {
  /** Resolves once every hand-off to the queue begun so far has ended (before shutdown). */
  handedOff(): Promise<void>;
}

export function createRecorder(
  inbox: Pick<InboxRepository, 'record' | 'recordBatch'>,
  producer: Producer<'ingest'>,
  log: Logger,
): Recorder {
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
  const enqueueTogether = tickBatch(async (rows: RecordedInbox[]): Promise<Settled<void>[]> => {
    await enqueue(pendingIds(rows), rows[0]?.row.channelId ?? 0);
    return rows.map(() => ({ ok: true, value: undefined }));
  });
  let handing = 0;
  const idle: (() => void)[] = [];
  const handOff = (recorded: RecordedInbox) => {
    handing += 1;
    void enqueueTogether(recorded)
      .catch(() => undefined)
      .finally(() => {
        handing -= 1;
        if (handing === 0) for (const resolve of idle.splice(0)) resolve();
      });
  };
  return {
    handedOff: () =>
      handing === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve)),
    async record(channelId, externalId, raw, receivedAt) {
      const recorded = await inbox.record(channelId, externalId, JSON.stringify(raw), receivedAt);
      if (recorded.created) inboxRecorded.inc({ channel_id: String(channelId) });
      // The answer waits for the commit alone: the hand-off to the queue goes on behind it (a
      // Redis round trip less in every post's answer), and a row Redis did not take is the
      // reconciler's, as always.
      handOff(recorded);
      return recorded;
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
