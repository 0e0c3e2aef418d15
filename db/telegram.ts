/** Telegram bookkeeping: the polling offset (moved with the inbox rows) and blocked chats. */
import { and, eq } from 'drizzle-orm';
import type { IngestStore, RecordedInbox } from '../core/ports.ts';
import type { Db } from './open.ts';
import { channelBlocks, telegramOffsets } from './schema.ts';

export function getOffset(db: Db, channelId: number): number | undefined {
  return db
    .select({ offset: telegramOffsets.nextOffset })
    .from(telegramOffsets)
    .where(eq(telegramOffsets.channelId, channelId))
    .get()?.offset;
}

/**
 * Records polled updates and the next offset in ONE transaction: the offset Telegram is told
 * next (which confirms everything below it) can never be ahead of the inbox.
 */
export function recordUpdates(
  db: Db,
  store: IngestStore,
  channelId: number,
  updates: { externalId: string; raw: unknown }[],
  nextOffset: number,
  receivedAt: Date,
): RecordedInbox[] {
  return store.transaction(() => {
    const recorded = updates.map((update) =>
      store.recordInbox(channelId, update.externalId, JSON.stringify(update.raw), receivedAt),
    );
    db.insert(telegramOffsets)
      .values({ channelId, nextOffset, updatedAt: receivedAt })
      .onConflictDoUpdate({
        target: telegramOffsets.channelId,
        set: { nextOffset, updatedAt: receivedAt },
      })
      .run();
    return recorded;
  });
}

export function blockOf(db: Db, channelId: number, identityKey: string) {
  return db
    .select()
    .from(channelBlocks)
    .where(and(eq(channelBlocks.channelId, channelId), eq(channelBlocks.identityKey, identityKey)))
    .get();
}

export function setBlocked(db: Db, channelId: number, identityKey: string, reason: string): void {
  db.insert(channelBlocks)
    .values({ channelId, identityKey, reason, blockedAt: new Date() })
    .onConflictDoUpdate({
      target: [channelBlocks.channelId, channelBlocks.identityKey],
      set: { reason, blockedAt: new Date() },
    })
    .run();
}
