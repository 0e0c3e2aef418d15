/** PostgreSQL: webhook subscriptions, their deliveries and attempts (core/repositories/webhooks.ts). */
import { and, asc, desc, eq, lt, lte, sql } from 'drizzle-orm';
import { settleAttempt } from '../../core/webhooks/rules.ts';
import type {
  DeliveryRecord,
  WebhookRecord,
  WebhookRepository,
} from '../../core/repositories/webhooks.ts';
import { drizzleOf, type PgDb } from './open.ts';
import { events, webhookAttempts, webhookDeliveries, webhooks } from './schema.ts';
import { recordEvent } from './timeline.ts';
import { dispatchEvents, pruneEvents } from './webhook-outbox.ts';
import { inTransaction } from './transaction.ts';

type WebhookRow = typeof webhooks.$inferSelect;

function webhookOf({ secret: _secret, afterEventId: _after, ...row }: WebhookRow): WebhookRecord {
  return row;
}

const deliveryColumns = {
  id: webhookDeliveries.id,
  webhookId: webhookDeliveries.webhookId,
  eventId: webhookDeliveries.eventId,
  eventType: events.type,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  nextAt: webhookDeliveries.nextAt,
  lastStatus: webhookDeliveries.lastStatus,
  lastError: webhookDeliveries.lastError,
  deliveredAt: webhookDeliveries.deliveredAt,
  createdAt: webhookDeliveries.createdAt,
};

export function pgWebhooks(db: PgDb): WebhookRepository {
  const get = async (id: number) =>
    (await db.select().from(webhooks).where(eq(webhooks.id, id)))[0];
  const delivery = async (id: number): Promise<DeliveryRecord | undefined> =>
    (
      await db
        .select(deliveryColumns)
        .from(webhookDeliveries)
        .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
        .where(eq(webhookDeliveries.id, id))
    )[0];

  return {
    async create(webhook) {
      // The events written before it are those up to the newest id now. (One that commits later
      // with a lower id, its transaction begun before the subscription, is not heard of.)
      const [row] = await db
        .insert(webhooks)
        .values({
          url: webhook.url,
          description: webhook.description,
          events: webhook.events,
          secret: webhook.secret,
          active: true,
          afterEventId: sql`(SELECT coalesce(max(id), 0) FROM events)`,
          createdBy: webhook.createdBy,
          createdAt: webhook.at,
          updatedAt: webhook.at,
        })
        .returning();
      return webhookOf(row!);
    },

    async list() {
      return (await db.select().from(webhooks).orderBy(asc(webhooks.id))).map(webhookOf);
    },

    async get(id) {
      const row = await get(id);
      return row ? webhookOf(row) : undefined;
    },

    async update(id, patch, at) {
      const turnedOn = patch.active === true ? { disabledReason: null, failingSince: null } : {};
      const [row] = await db
        .update(webhooks)
        .set({ ...patch, ...turnedOn, updatedAt: at })
        .where(eq(webhooks.id, id))
        .returning();
      return row ? webhookOf(row) : undefined;
    },

    async setSecret(id, secret, at) {
      const rows = await db
        .update(webhooks)
        .set({ secret, updatedAt: at })
        .where(eq(webhooks.id, id))
        .returning({ id: webhooks.id });
      return rows.length > 0;
    },

    async delete(id) {
      const rows = await db
        .delete(webhooks)
        .where(eq(webhooks.id, id))
        .returning({ id: webhooks.id });
      return rows.length > 0;
    },

    dispatch: (limit, at) => dispatchEvents(db, limit, at),

    async forAttempt(deliveryId) {
      const found = await delivery(deliveryId);
      if (!found) return undefined;
      const [webhook, [event]] = await Promise.all([
        get(found.webhookId),
        db.select().from(events).where(eq(events.id, found.eventId)),
      ]);
      if (!webhook || !event) return undefined;
      return {
        delivery: found,
        webhook: { ...webhookOf(webhook), secret: webhook.secret },
        event: {
          id: event.id,
          type: event.type,
          leadId: event.leadId,
          payload: event.payload,
          createdAt: event.createdAt,
        },
      };
    },

    async recordAttempt(deliveryId, outcome) {
      const { attempt } = outcome;
      return inTransaction(db.$client, async (client) => {
        const tx = drizzleOf(client);
        // The subscription's row is locked: its streak and state are read as they are now.
        const [found] = await tx
          .select({
            webhookId: webhookDeliveries.webhookId,
            failingSince: webhooks.failingSince,
            active: webhooks.active,
          })
          .from(webhookDeliveries)
          .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
          .where(
            and(
              eq(webhookDeliveries.id, deliveryId),
              eq(webhookDeliveries.status, 'pending'),
              eq(webhookDeliveries.attempts, attempt.attempt - 1),
            ),
          )
          .for('update');
        if (!found) return undefined;
        const settled = settleAttempt(outcome, found.failingSince, attempt.at);
        await tx
          .update(webhookDeliveries)
          .set({
            status: settled.status,
            attempts: attempt.attempt,
            nextAt: settled.nextAt,
            lastStatus: attempt.status,
            lastError: attempt.error,
            ...(settled.status === 'delivered' ? { deliveredAt: attempt.at } : {}),
          })
          .where(eq(webhookDeliveries.id, deliveryId));
        await tx.insert(webhookAttempts).values({ deliveryId, ...attempt });
        const disabled = settled.disable !== null && found.active ? settled.disable : null;
        await tx
          .update(webhooks)
          .set({
            failingSince: settled.failingSince,
            ...(disabled ? { active: false, disabledReason: disabled } : {}),
          })
          .where(eq(webhooks.id, found.webhookId));
        if (disabled) {
          await recordEvent(tx, {
            type: 'webhook.disabled',
            leadId: null,
            payload: { webhookId: found.webhookId, reason: disabled },
            at: attempt.at,
          });
        }
        return { status: settled.status, nextAt: settled.nextAt, disabled };
      });
    },

    async cancel(deliveryId, at) {
      await db
        .update(webhookDeliveries)
        .set({ status: 'cancelled', nextAt: null, lastError: `cancelled ${at.toISOString()}` })
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, 'pending')));
    },

    delivery,

    async deliveries(webhookId, limit, before) {
      return db
        .select(deliveryColumns)
        .from(webhookDeliveries)
        .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
        .where(
          and(
            eq(webhookDeliveries.webhookId, webhookId),
            before === undefined ? undefined : lt(webhookDeliveries.id, before),
          ),
        )
        .orderBy(desc(webhookDeliveries.id))
        .limit(limit);
    },

    async attempts(deliveryId) {
      return db
        .select()
        .from(webhookAttempts)
        .where(eq(webhookAttempts.deliveryId, deliveryId))
        .orderBy(asc(webhookAttempts.id));
    },

    async redeliver(deliveryId, at) {
      await db
        .update(webhookDeliveries)
        .set({ status: 'pending', nextAt: at })
        .where(eq(webhookDeliveries.id, deliveryId));
      return delivery(deliveryId);
    },

    async dueBefore(before, limit) {
      return db
        .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAt, before)))
        .orderBy(asc(webhookDeliveries.nextAt))
        .limit(limit);
    },

    async pendingCounts() {
      const rows = await db
        .select({ webhookId: webhookDeliveries.webhookId, n: sql<string>`count(*)` })
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.status, 'pending'))
        .groupBy(webhookDeliveries.webhookId);
      return new Map(rows.map((row) => [row.webhookId, Number(row.n)]));
    },

    pruneEvents: (before, limit) => pruneEvents(db, before, limit),
  };
}
