/** SQLite: webhook subscriptions, their deliveries and attempts (core/repositories/webhooks.ts). */
import {
  and,
  asc,
  desc,
  eq,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  notExists,
  sql,
} from 'drizzle-orm';
import { hears } from '../../core/webhooks/rules.ts';
import type {
  DeliveryRecord,
  WebhookRecord,
  WebhookRepository,
} from '../../core/repositories/webhooks.ts';
import type { Db } from './open.ts';
import { events, webhookAttempts, webhookDeliveries, webhooks } from './schema.ts';
import { recordEvent } from './timeline.ts';

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

    async dispatch(limit, at) {
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
    },

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
          const moved = tx
            .update(webhookDeliveries)
            .set({
              status: outcome.status,
              attempts: attempt.attempt,
              nextAt: outcome.nextAt,
              lastStatus: attempt.status,
              lastError: attempt.error,
              ...(outcome.status === 'delivered' ? { deliveredAt: attempt.at } : {}),
            })
            .where(
              and(
                eq(webhookDeliveries.id, deliveryId),
                eq(webhookDeliveries.status, 'pending'),
                eq(webhookDeliveries.attempts, attempt.attempt - 1),
              ),
            )
            .returning({ webhookId: webhookDeliveries.webhookId })
            .get();
          if (!moved) return false;
          tx.insert(webhookAttempts)
            .values({ deliveryId, ...attempt })
            .run();
          tx.update(webhooks)
            .set({
              failingSince: outcome.failingSince,
              ...(outcome.disable ? { active: false, disabledReason: outcome.disable } : {}),
            })
            .where(eq(webhooks.id, moved.webhookId))
            .run();
          if (outcome.disable) {
            const webhook = tx
              .select()
              .from(webhooks)
              .where(eq(webhooks.id, moved.webhookId))
              .get();
            recordEvent(tx, {
              type: 'webhook.disabled',
              leadId: null,
              payload: { webhookId: moved.webhookId, url: webhook?.url, reason: outcome.disable },
              at: attempt.at,
            });
          }
          return true;
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

    async pruneEvents(before, limit) {
      // One small batch per call: the write lock is held for one short statement.
      const pending = db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(eq(webhookDeliveries.eventId, events.id), eq(webhookDeliveries.status, 'pending')),
        );
      const old = db
        .select({ id: events.id })
        .from(events)
        .where(
          and(lt(events.createdAt, before), isNotNull(events.dispatchedAt), notExists(pending)),
        )
        .orderBy(asc(events.id))
        .limit(limit);
      return db.delete(events).where(inArray(events.id, old)).run().changes;
    },
  };
}
