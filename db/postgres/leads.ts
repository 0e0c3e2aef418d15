/** PostgreSQL: leads, their messages (operators' replies included) and the stages. */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { LeadRepository } from '../../core/repositories/leads.ts';
import { attachmentsOf, listActivities } from './activities.ts';
import { withOperators } from './channels.ts';
import { getClient } from './clients.ts';
import type { PgDb } from './open.ts';
import { channels, identities, leads, messages, stages } from './schema.ts';

export function pgLeads(db: PgDb): LeadRepository {
  const message = async (id: number) =>
    (await db.select().from(messages).where(eq(messages.id, id)))[0];
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
      const rows = await db
        .select()
        .from(leads)
        .where(and(...where))
        .orderBy(desc(leads.id))
        .limit(filter.limit + 1);
      const page = rows.slice(0, filter.limit);
      const last = page[page.length - 1];
      return {
        leads: page,
        nextCursor: rows.length > filter.limit && last ? String(last.id) : null,
      };
    },

    async get(id) {
      const [lead] = await db.select().from(leads).where(eq(leads.id, id));
      if (!lead) return undefined;
      const [client, own, history, todo] = await Promise.all([
        lead.clientId === null ? null : getClient(db, lead.clientId),
        db
          .select({ kind: identities.kind, key: identities.key, raw: identities.raw })
          .from(identities)
          .where(eq(identities.leadId, id))
          .orderBy(asc(identities.id)),
        db
          .select()
          .from(messages)
          .where(eq(messages.leadId, id))
          .orderBy(asc(messages.sentAt), asc(messages.id)),
        listActivities(db, { leadId: id, limit: 500 }),
      ]);
      const files = await attachmentsOf(
        db,
        history.map((row) => row.id),
      );
      return {
        ...lead,
        client: client ?? null,
        identities: client ? client.identities : own,
        messages: history.map((row) => ({
          ...row,
          attachments: files.filter((file) => file.messageId === row.id),
        })),
        activities: todo,
      };
    },

    async exists(id) {
      return (await db.select({ id: leads.id }).from(leads).where(eq(leads.id, id))).length > 0;
    },

    async setStage(id, code, at) {
      const [stage] = await db.select().from(stages).where(eq(stages.code, code));
      if (!stage) return { ok: false, reason: 'no-stage' };
      const open = stage.semantics === 'process';
      const updated = await db
        .update(leads)
        .set({ stage: code, open, closedAt: open ? null : at, updatedAt: at })
        .where(eq(leads.id, id))
        .returning({ id: leads.id });
      return updated.length ? { ok: true } : { ok: false, reason: 'no-lead' };
    },

    stages: () => db.select().from(stages).orderBy(asc(stages.sort)),

    async lastInboundOn(leadId, kinds) {
      const [row] = await db
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
        .limit(1);
      return row && { message: row.message, channel: await withOperators(db, row.channel) };
    },

    async addOutbound(reply) {
      return db.transaction(async (tx) => {
        const [row] = await tx
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
          .returning();
        if (!row) return undefined;
        await tx
          .update(leads)
          .set({ updatedAt: sql`greatest(${leads.updatedAt}, ${reply.at})` })
          .where(eq(leads.id, reply.leadId));
        return row;
      });
    },

    message,

    async setDelivery(id, delivery, extra, externalId) {
      // Merged in the database: the worker and a bounce may both be writing this message's meta.
      await db
        .update(messages)
        .set({
          delivery,
          meta: sql`${messages.meta} || ${JSON.stringify(extra)}::jsonb`,
          ...(externalId ? { externalId } : {}),
        })
        .where(and(eq(messages.id, id), eq(messages.delivery, 'queued')));
    },

    async setMeta(id, meta, externalId) {
      await db
        .update(messages)
        .set({ meta, ...(externalId ? { externalId } : {}) })
        .where(eq(messages.id, id));
    },

    async queuedBefore(before, limit) {
      const rows = await db
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.delivery, 'queued'), lt(messages.createdAt, before)))
        .limit(limit);
      return rows.map((row) => row.id);
    },

    async requeueReply(id) {
      const changed = await db
        .update(messages)
        .set({ delivery: 'queued' })
        .where(
          and(eq(messages.id, id), eq(messages.direction, 'out'), eq(messages.delivery, 'failed')),
        )
        .returning({ id: messages.id });
      return changed.length > 0;
    },

    async replyCounts() {
      const rows = await db
        .select({ delivery: messages.delivery, n: sql<number>`count(*)` })
        .from(messages)
        .where(and(eq(messages.direction, 'out'), isNotNull(messages.delivery)))
        .groupBy(messages.delivery);
      return Object.fromEntries(rows.map((row) => [row.delivery ?? 'none', Number(row.n)]));
    },
  };
}
