/** SQLite: webhook subscriptions, their deliveries and attempts (core/repositories/webhooks.ts). */
import { and, asc, desc, eq, lt, lte, sql } from 'drizzle-orm';
import { settleAttempt } from '../../core/webhooks/rules.ts';
import type {
  DeliveryRecord,
  WebhookRecord,
  WebhookRepository,
} from '../../core/repositories/webhooks.ts';
import type { Db } from './open.ts';
import { events, webhookAttempts, webhookDeliveries, webhooks } from './schema.ts';
import { recordEvent } from './timeline.ts';
import { dispatchEvents, pruneEvents } from './webhook-outbox.ts';

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

export function sqliteWebhooks(db: Db): WebhookRepository {
  const get = (id: number) => db.select().from(webhooks).where(eq(webhooks.id, id)).get();
  const delivery = (id: number): DeliveryRecord | undefined =>
    db
      .select(deliveryColumns)
      .from(webhookDeliveries)
      .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
      .where(eq(webhookDeliveries.id, id))
      .get();

  return {
    async create(webhook) {
      return db.transaction(
        (tx) => {
          const last = tx
            .select({ id: sql<number>`coalesce(max(${events.id}), 0)` })
            .from(events)
            .get();
          const row = tx
            .insert(webhooks)
            .values({
              url: webhook.url,
              description: webhook.description,
              events: webhook.events,
              secret: webhook.secret,
              active: true,
              afterEventId: last?.id ?? 0,
              createdBy: webhook.createdBy,
              createdAt: webhook.at,
              updatedAt: webhook.at,
            })
            .returning()
            .get();
          return webhookOf(row);
        },
        { behavior: 'immediate' },
      );
    },

    async list() {
      return db.select().from(webhooks).orderBy(asc(webhooks.id)).all().map(webhookOf);
    },

    async get(id) {
      const row = get(id);
      return row ? webhookOf(row) : undefined;
    },

    async update(id, patch, at) {
      const turnedOn = patch.active === true ? { disabledReason: null, failingSince: null } : {};
      const row = db
        .update(webhooks)
        .set({ ...patch, ...turnedOn, updatedAt: at })
        .where(eq(webhooks.id, id))
        .returning()
        .get();
      return row ? webhookOf(row) : undefined;
    },

    async setSecret(id, secret, at) {
      return (
        db.update(webhooks).set({ secret, updatedAt: at }).where(eq(webhooks.id, id)).run()
          .changes > 0
      );
    },

    async delete(id) {
      return db.delete(webhooks).where(eq(webhooks.id, id)).run().changes > 0;
    },

    dispatch: (limit, at) => dispatchEvents(db, limit, at),

    async forAttempt(deliveryId) {
      const found = delivery(deliveryId);
      if (!found) return undefined;
      const webhook = get(found.webhookId);
      const event = db.select().from(events).where(eq(events.id, found.eventId)).get();
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
      return db.transaction(
        (tx) => {
          const found = tx
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
            .get();
          if (!found) return undefined;
          const settled = settleAttempt(outcome, found.failingSince, attempt.at);
          tx.update(webhookDeliveries)
            .set({
              status: settled.status,
              attempts: attempt.attempt,
              nextAt: settled.nextAt,
              lastStatus: attempt.status,
              lastError: attempt.error,
              ...(settled.status === 'delivered' ? { deliveredAt: attempt.at } : {}),
            })
            .where(eq(webhookDeliveries.id, deliveryId))
            .run();
          tx.insert(webhookAttempts)
            .values({ deliveryId, ...attempt })
            .run();
          // Turned off once: a second 410 racing this one writes no second event.
          const disabled = settled.disable !== null && found.active ? settled.disable : null;
          tx.update(webhooks)
            .set({
              failingSince: settled.failingSince,
              ...(disabled ? { active: false, disabledReason: disabled } : {}),
            })
            .where(eq(webhooks.id, found.webhookId))
            .run();
          if (disabled) {
            recordEvent(tx, {
              type: 'webhook.disabled',
              leadId: null,
              payload: { webhookId: found.webhookId, reason: disabled },
              at: attempt.at,
            });
          }
          return { status: settled.status, nextAt: settled.nextAt, disabled };
        },
        { behavior: 'immediate' },
      );
    },

    async cancel(deliveryId, at) {
      db.update(webhookDeliveries)
        .set({ status: 'cancelled', nextAt: null, lastError: `cancelled ${at.toISOString()}` })
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, 'pending')))
        .run();
    },

    async delivery(id) {
      return delivery(id);
    },

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
        .limit(limit)
        .all();
    },

    async attempts(deliveryId) {
      return db
        .select()
        .from(webhookAttempts)
        .where(eq(webhookAttempts.deliveryId, deliveryId))
        .orderBy(asc(webhookAttempts.id))
        .all();
    },

    async redeliver(deliveryId, at) {
      db.update(webhookDeliveries)
        .set({ status: 'pending', nextAt: at })
        .where(eq(webhookDeliveries.id, deliveryId))
        .run();
      return delivery(deliveryId);
    },

    async dueBefore(before, limit) {
      return db
        .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAt, before)))
        .orderBy(asc(webhookDeliveries.nextAt))
        .limit(limit)
        .all();
    },

    async pendingCounts() {
      const rows = db
        .select({ webhookId: webhookDeliveries.webhookId, n: sql<number>`count(*)` })
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.status, 'pending'))
        .groupBy(webhookDeliveries.webhookId)
        .all();
      return new Map(rows.map((row) => [row.webhookId, Number(row.n)]));
    },

    pruneEvents: (before, limit) => pruneEvents(db, before, limit),
  };
}
