/** SQLite: leads, their messages (operators' replies included) and the stages. */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { LeadRepository } from '../../core/repositories/leads.ts';
import { attachmentsOf, listActivities } from './activities.ts';
import { withOperators } from './channels.ts';
import { getClient } from './clients.ts';
import type { Db } from './open.ts';
import { channels, identities, leads, messages, stages } from './schema.ts';

export function sqliteLeads(db: Db): LeadRepository {
  const message = (id: number) => db.select().from(messages).where(eq(messages.id, id)).get();
  return {
    async list(filter) {
      const where: SQL[] = [];
      if (filter.type) where.push(eq(leads.type, filter.type));
      if (filter.stage) where.push(eq(leads.stage, filter.stage));
      if (filter.source) where.push(eq(leads.source, filter.source));
      if (filter.clientId !== undefined) where.push(eq(leads.clientId, filter.clientId));
      if (filter.cursor !== undefined) where.push(lt(leads.id, filter.cursor));
      if (filter.review !== undefined)
        where.push(filter.review ? isNotNull(leads.review) : isNull(leads.review));
      const rows = db
        .select()
        .from(leads)
        .where(and(...where))
        .orderBy(desc(leads.id))
        .limit(filter.limit + 1)
        .all();
      const page = rows.slice(0, filter.limit);
      const last = page[page.length - 1];
      return {
        leads: page,
        nextCursor: rows.length > filter.limit && last ? String(last.id) : null,
      };
    },

    async get(id) {
      const lead = db.select().from(leads).where(eq(leads.id, id)).get();
      if (!lead) return undefined;
      const client = lead.clientId === null ? null : (getClient(db, lead.clientId) ?? null);
      const own = db
        .select({ kind: identities.kind, key: identities.key, raw: identities.raw })
        .from(identities)
        .where(eq(identities.leadId, id))
        .orderBy(asc(identities.id))
        .all();
      const history = db
        .select()
        .from(messages)
        .where(eq(messages.leadId, id))
        .orderBy(asc(messages.sentAt), asc(messages.id))
        .all();
      const files = attachmentsOf(
        db,
        history.map((row) => row.id),
      );
      return {
        ...lead,
        client,
        identities: client ? client.identities : own,
        messages: history.map((row) => ({
          ...row,
          attachments: files.filter((file) => file.messageId === row.id),
        })),
        activities: listActivities(db, { leadId: id, limit: 500 }),
      };
    },

    async exists(id) {
      return db.select({ id: leads.id }).from(leads).where(eq(leads.id, id)).get() !== undefined;
    },

    async setStage(id, code, at) {
      const stage = db.select().from(stages).where(eq(stages.code, code)).get();
      if (!stage) return { ok: false, reason: 'no-stage' };
      const open = stage.semantics === 'process';
      const updated = db
        .update(leads)
        .set({ stage: code, open, closedAt: open ? null : at, updatedAt: at })
        .where(eq(leads.id, id))
        .returning({ id: leads.id })
        .all();
      return updated.length ? { ok: true } : { ok: false, reason: 'no-lead' };
    },

    async stages() {
      return db.select().from(stages).orderBy(asc(stages.sort)).all();
    },

    async lastInboundOn(leadId, kinds) {
      const row = db
        .select({ message: messages, channel: channels })
        .from(messages)
        .innerJoin(channels, eq(channels.id, messages.channelId))
        .where(
          and(
            eq(messages.leadId, leadId),
            eq(messages.direction, 'in'),
            inArray(channels.kind, kinds),
          ),
        )
        .orderBy(desc(messages.sentAt), desc(messages.id))
        .limit(1)
        .get();
      return row && { message: row.message, channel: withOperators(db, row.channel) };
    },

    async addOutbound(reply) {
      return db.transaction(
        (tx) => {
          const [row] = tx
            .insert(messages)
            .values({
              leadId: reply.leadId,
              channelId: reply.channelId,
              direction: 'out',
              externalId: reply.externalId,
              sender: reply.sender,
              text: reply.text,
              sentAt: reply.at,
              meta: reply.meta,
              delivery: 'queued',
              createdAt: reply.at,
            })
            .onConflictDoNothing()
            .returning()
            .all();
          if (!row) return undefined;
          tx.update(leads)
            .set({ updatedAt: sql`max(${leads.updatedAt}, ${reply.at.getTime()})` })
            .where(eq(leads.id, reply.leadId))
            .run();
          return row;
        },
        { behavior: 'immediate' },
      );
    },

    async message(id) {
      return message(id);
    },

    async setDelivery(id, delivery, extra, externalId) {
      db.transaction(
        (tx) => {
          const current = tx.select().from(messages).where(eq(messages.id, id)).get();
          if (!current) return;
          tx.update(messages)
            .set({
              delivery,
              meta: { ...current.meta, ...extra },
              ...(externalId ? { externalId } : {}),
            })
            .where(and(eq(messages.id, id), eq(messages.delivery, 'queued')))
            .run();
        },
        { behavior: 'immediate' },
      );
    },

    async setMeta(id, meta, externalId) {
      db.update(messages)
        .set({ meta, ...(externalId ? { externalId } : {}) })
        .where(eq(messages.id, id))
        .run();
    },

    async queuedBefore(before, limit) {
      return db
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.delivery, 'queued'), lt(messages.createdAt, before)))
        .limit(limit)
        .all()
        .map((row) => row.id);
    },

    async requeueReply(id) {
      return (
        db
          .update(messages)
          .set({ delivery: 'queued' })
          .where(
            and(
              eq(messages.id, id),
              eq(messages.direction, 'out'),
              eq(messages.delivery, 'failed'),
            ),
          )
          .run().changes > 0
      );
    },

    async replyCounts() {
      const rows = db
        .select({ delivery: messages.delivery, n: sql<number>`count(*)` })
        .from(messages)
        .where(and(eq(messages.direction, 'out'), isNotNull(messages.delivery)))
        .groupBy(messages.delivery)
        .all();
      return Object.fromEntries(rows.map((row) => [row.delivery ?? 'none', row.n]));
    },
  };
}
