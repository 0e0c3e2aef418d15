/**
 * SQLite: the outbox side of webhooks — new events into deliveries (the dispatcher), and old
 * events out (retention).
 */
import { and, asc, eq, inArray, isNotNull, isNull, lt, notExists, sql } from 'drizzle-orm';
import type { DeliveryRecord, WebhookRepository } from '../../core/repositories/webhooks.ts';
import { hears } from '../../core/webhooks/rules.ts';
import type { Db } from './open.ts';
import { events, webhookDeliveries, webhooks } from './schema.ts';

export async function dispatchEvents(
  db: Db,
  limit: number,
  at: Date,
): ReturnType<WebhookRepository['dispatch']> {
  // Looked at without the write lock first: most passes find nothing.
  const any = db
    .select({ id: events.id })
    .from(events)
    .where(isNull(events.dispatchedAt))
    .limit(1)
    .get();
  if (!any) return { events: 0, deliveries: [] };
  return db.transaction(
    (tx) => {
      const found = tx
        .select({ id: events.id, type: events.type })
        .from(events)
        .where(isNull(events.dispatchedAt))
        .orderBy(asc(events.id))
        .limit(limit)
        .all();
      if (!found.length) return { events: 0, deliveries: [] };
      const listening = tx.select().from(webhooks).where(eq(webhooks.active, true)).all();
      const made: DeliveryRecord[] = [];
      for (const event of found) {
        for (const webhook of listening) {
          if (event.id <= webhook.afterEventId || !hears(webhook.events, event.type)) continue;
          const row = tx
            .insert(webhookDeliveries)
            .values({
              webhookId: webhook.id,
              eventId: event.id,
              status: 'pending',
              nextAt: at,
              createdAt: at,
            })
            .onConflictDoNothing()
            .returning()
            .get();
          if (row) made.push({ ...row, eventType: event.type });
        }
      }
      tx.update(events)
        .set({ dispatchedAt: at })
        .where(
          inArray(
            events.id,
            found.map((event) => event.id),
          ),
        )
        .run();
      return { events: found.length, deliveries: made };
    },
    { behavior: 'immediate' },
  );
}

export async function pruneEvents(db: Db, before: Date, limit: number): Promise<number> {
  // The candidates are read without the write lock (oldest first, by `events_created`);
  // the delete checks them again. The newest event stays: SQLite would hand its id out again.
  const pending = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.eventId, events.id), eq(webhookDeliveries.status, 'pending')));
  const prunable = and(
    lt(events.createdAt, before),
    isNotNull(events.dispatchedAt),
    notExists(pending),
    lt(events.id, db.select({ id: sql`max(${events.id})` }).from(events)),
  );
  const ids = db
    .select({ id: events.id })
    .from(events)
    .where(prunable)
    .orderBy(asc(events.createdAt))
    .limit(limit)
    .all()
    .map((row) => row.id);
  if (!ids.length) return 0;
  return db
    .delete(events)
    .where(and(inArray(events.id, ids), prunable))
    .run().changes;
}
