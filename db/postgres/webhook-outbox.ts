/**
 * PostgreSQL: the outbox side of webhooks — new events into deliveries (the dispatcher), and old
 * events out (retention).
 */
import { and, asc, eq, inArray, isNotNull, lt, notExists, sql } from 'drizzle-orm';
import type { WebhookRepository } from '../../core/repositories/webhooks.ts';
import { hears } from '../../core/webhooks/rules.ts';
import { drizzleOf, type PgDb } from './open.ts';
import { events, webhookDeliveries, webhooks } from './schema.ts';
import { inTransaction } from './transaction.ts';

export async function dispatchEvents(
  db: PgDb,
  limit: number,
  at: Date,
): ReturnType<WebhookRepository['dispatch']> {
  return inTransaction(db.$client, async (client) => {
    const tx = drizzleOf(client);
    // Another dispatcher's rows are skipped, not waited for.
    const found = await tx
      .select({ id: events.id, type: events.type })
      .from(events)
      .where(sql`${events.dispatchedAt} IS NULL`)
      .orderBy(asc(events.id))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (!found.length) return { events: 0, deliveries: [] };
    const listening = await tx.select().from(webhooks).where(eq(webhooks.active, true));
    const wanted = found.flatMap((event) =>
      listening
        .filter((webhook) => event.id > webhook.afterEventId && hears(webhook.events, event.type))
        .map((webhook) => ({
          webhookId: webhook.id,
          eventId: event.id,
          status: 'pending' as const,
          nextAt: at,
          createdAt: at,
        })),
    );
    const made = wanted.length
      ? await tx.insert(webhookDeliveries).values(wanted).onConflictDoNothing().returning()
      : [];
    await tx
      .update(events)
      .set({ dispatchedAt: at })
      .where(
        inArray(
          events.id,
          found.map((event) => event.id),
        ),
      );
    const typeOf = new Map(found.map((event) => [event.id, event.type]));
    return {
      events: found.length,
      deliveries: made.map((row) => ({ ...row, eventType: typeOf.get(row.eventId) ?? '' })),
    };
  });
}

export async function pruneEvents(db: PgDb, before: Date, limit: number): Promise<number> {
  const pending = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.eventId, events.id), eq(webhookDeliveries.status, 'pending')));
  const prunable = and(
    lt(events.createdAt, before),
    isNotNull(events.dispatchedAt),
    notExists(pending),
  );
  const ids = (
    await db
      .select({ id: events.id })
      .from(events)
      .where(prunable)
      .orderBy(asc(events.createdAt))
      .limit(limit)
  ).map((row) => row.id);
  if (!ids.length) return 0;
  const rows = await db
    .delete(events)
    .where(and(inArray(events.id, ids), prunable))
    .returning({ id: events.id });
  return rows.length;
}
