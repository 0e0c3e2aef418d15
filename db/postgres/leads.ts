/** PostgreSQL: leads, their messages (operators' replies included) and the stages. */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { deliveryEvent } from '../../core/ingest-plan.ts';
import type { RecordScope } from '../../core/permissions.ts';
import type { LeadRepository } from '../../core/repositories/leads.ts';
import { encodeCursor } from '../../core/lead-cursor.ts';
import { leadConditions, type LeadSearch } from '../lead-filter.ts';
import { byLead } from '../listing.ts';
import { scopeCondition } from '../scope.ts';
import { pgLeadChanges } from './lead-changes.ts';
import { pgLeadReads } from './lead-reads.ts';
import { recordEvent, timelineOf } from './timeline.ts';
import { attachmentsOf, listActivities } from './activities.ts';
import { withOperators } from './channels.ts';
import { getClient } from './clients.ts';
import type { PgDb } from './open.ts';
import {
  channels,
  deals,
  identities,
  junkReasons,
  leads,
  messages,
  notes,
  users,
} from './schema.ts';

/**
 * `q` through the GIN index of migration 0009: every word in one document (a message with its
 * lead's fields, or the fields alone); the last word a prefix while it is being typed.
 */
const searchLeads: LeadSearch = ({ words, prefix }) => {
  // Letters and digits only: quoted, nothing in them is tsquery syntax.
  const query = words
    .map((word, i) => `'${word}'${prefix && i === words.length - 1 ? ':*' : ''}`)
    .join(' & ');
  return sql`${leads.id} IN (SELECT s.lead_id FROM lead_search s
    WHERE s.document @@ to_tsquery('leadwire_search'::regconfig, ${query}))`;
};

/** A custom value, compared as JSON (so 42, "42" and true stay apart). */
const customEquals = (key: string, value: string | number | boolean) =>
  sql`(${leads.custom} -> ${key}::text) = ${JSON.stringify(value)}::jsonb`;

/** The lead, when it exists and is in scope (`forUpdate`: locked to the end of the transaction). */
export async function findLead(
  db: Pick<PgDb, 'select'>,
  id: number,
  scope: RecordScope,
  forUpdate = false,
) {
  const query = db
    .select()
    .from(leads)
    .where(and(eq(leads.id, id), scopeCondition(scope, leads.responsibleId, leads.channelId)));
  const [lead] = await (forUpdate ? query.for('update') : query);
  return lead;
}

export function pgLeads(db: PgDb): LeadRepository {
  const message = async (id: number) =>
    (await db.select().from(messages).where(eq(messages.id, id)))[0];
  return {
    async list(filter, scope) {
      const conditions = leadConditions(
        filter,
        scope,
        { leads, identities, users },
        { search: searchLeads, customEquals },
      );
      if (!conditions) return { leads: [], nextCursor: null };
      const rows = await db
        .select()
        .from(leads)
        .where(conditions.where)
        .orderBy(...conditions.order)
        .limit(filter.limit + 1);
      const page = rows.slice(0, filter.limit);
      const last = page[page.length - 1];
      return {
        leads: page,
        nextCursor:
          rows.length > filter.limit && last ? encodeCursor(filter.sort ?? 'newest', last) : null,
      };
    },

    async countByStage(filter, scope) {
      const conditions = leadConditions(
        { ...filter, limit: 0 },
        scope,
        { leads, identities, users },
        { search: searchLeads, customEquals },
      );
      if (!conditions) return {};
      const rows = await db
        .select({ stage: leads.stage, count: sql<number>`count(*)` })
        .from(leads)
        .where(conditions.where)
        .groupBy(leads.stage);
      return Object.fromEntries(rows.map((row) => [row.stage, Number(row.count)]));
    },

    async get(id, scope) {
      const lead = await findLead(db, id, scope);
      if (!lead) return undefined;
      const [client, own, history, todo, written, opened, changes] = await Promise.all([
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
        db.select().from(notes).where(eq(notes.leadId, id)).orderBy(asc(notes.id)),
        db.select().from(deals).where(eq(deals.leadId, id)).orderBy(asc(deals.id)),
        timelineOf(db, 'lead', id),
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
        notes: written,
        deals: opened,
        timeline: changes,
      };
    },

    find: (id, scope) => findLead(db, id, scope),

    async exists(id) {
      return (await db.select({ id: leads.id }).from(leads).where(eq(leads.id, id))).length > 0;
    },

    async identitiesOf(ids, scope) {
      if (!ids.length || scope.kind === 'none') return new Map();
      const visible = and(
        inArray(leads.id, ids),
        scopeCondition(scope, leads.responsibleId, leads.channelId),
      );
      const view = {
        leadId: leads.id,
        kind: identities.kind,
        key: identities.key,
        raw: identities.raw,
      };
      const [own, ofClient] = await Promise.all([
        db
          .select(view)
          .from(leads)
          .innerJoin(identities, eq(identities.leadId, leads.id))
          .where(and(visible, isNull(leads.clientId)))
          .orderBy(asc(identities.id)),
        db
          .select(view)
          .from(leads)
          .innerJoin(identities, eq(identities.clientId, leads.clientId))
          .where(visible)
          .orderBy(asc(identities.id)),
      ]);
      return byLead(ids, [...own, ...ofClient]);
    },

    async visible(ids, scope) {
      if (ids.length === 0 || scope.kind === 'none') return [];
      const where = and(
        inArray(leads.id, ids),
        scopeCondition(scope, leads.responsibleId, leads.channelId),
      );
      return (await db.select({ id: leads.id }).from(leads).where(where)).map((row) => row.id);
    },

    ...pgLeadChanges(db),
    ...pgLeadReads(db),

    junkReasons: () => db.select().from(junkReasons).orderBy(asc(junkReasons.sort)),

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
      await db.transaction(async (tx) => {
        // Merged in the database: the worker and a bounce may both be writing this message's meta.
        const [changed] = await tx
          .update(messages)
          .set({
            delivery,
            meta: sql`${messages.meta} || ${JSON.stringify(extra)}::jsonb`,
            ...(externalId ? { externalId } : {}),
          })
          .where(and(eq(messages.id, id), eq(messages.delivery, 'queued')))
          .returning({ leadId: messages.leadId });
        // Only a change is an event.
        if (!changed) return;
        const { type, details } = deliveryEvent(delivery, extra.error);
        const payload = { leadId: changed.leadId, messageId: id, ...details };
        await recordEvent(tx, { type, leadId: payload.leadId, payload, at: new Date() });
      });
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
