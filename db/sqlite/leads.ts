/** SQLite: leads, their messages (operators' replies included) and the stages. */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { deliveryEvent } from '../../core/ingest-plan.ts';
import type { RecordScope } from '../../core/permissions.ts';
import type { LeadRepository } from '../../core/repositories/leads.ts';
import { encodeCursor } from '../../core/lead-cursor.ts';
import { leadConditions, type LeadSearch } from '../lead-filter.ts';
import { byLead } from '../listing.ts';
import { scopeCondition } from '../scope.ts';
import { sqliteLeadChanges } from './lead-changes.ts';
import { sqliteLeadReads } from './lead-reads.ts';
import { recordEvent, timelineOf } from './timeline.ts';
import { attachmentsOf, listActivities } from './activities.ts';
import { withOperators } from './channels.ts';
import { getClient } from './clients.ts';
import type { Db } from './open.ts';
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
 * `q` through the FTS5 index of migration 0011: every word in one document (a message with its
 * lead's fields, or the fields alone), each a phrase of one word in FTS5's syntax, `*` after the
 * last when it is a prefix. A document's rowid is its lead's id × 2^32 plus a part for the message.
 */
const searchLeads: LeadSearch = ({ words, prefix }) => {
  const match = words
    .map((word, i) => `"${word}"${prefix && i === words.length - 1 ? '*' : ''}`)
    .join(' ');
  return sql`${leads.id} IN (SELECT rowid >> 32 FROM lead_search WHERE lead_search MATCH ${match})`;
};

/** A custom value as JSON stores it (json_extract gives booleans as 1 and 0). */
const customEquals = (key: string, value: string | number | boolean) =>
  sql`json_extract(${leads.custom}, ${`$."${key}"`}) = ${typeof value === 'boolean' ? Number(value) : value}`;

/** The lead, when it exists and is in scope. */
export function findLead(db: Pick<Db, 'select'>, id: number, scope: RecordScope) {
  return db
    .select()
    .from(leads)
    .where(and(eq(leads.id, id), scopeCondition(scope, leads.responsibleId, leads.channelId)))
    .get();
}

export function sqliteLeads(db: Db): LeadRepository {
  const message = (id: number) => db.select().from(messages).where(eq(messages.id, id)).get();
  // The worker asks after every new lead (whether its channel greets): prepared once per set of
  // channel kinds, not built and prepared again each time.
  const lastInbound = new Map<string, ReturnType<typeof lastInboundQuery>>();
  const lastInboundQuery = (kinds: Parameters<LeadRepository['lastInboundOn']>[1]) =>
    db
      .select({ message: messages, channel: channels })
      .from(messages)
      .innerJoin(channels, eq(channels.id, messages.channelId))
      .where(
        and(
          eq(messages.leadId, sql.placeholder('leadId')),
          eq(messages.direction, 'in'),
          inArray(channels.kind, kinds),
        ),
      )
      .orderBy(desc(messages.sentAt), desc(messages.id))
      .limit(1)
      .prepare();
  return {
    async list(filter, scope) {
      const conditions = leadConditions(
        filter,
        scope,
        { leads, identities, users },
        { search: searchLeads, customEquals },
      );
      if (!conditions) return { leads: [], nextCursor: null };
      const rows = db
        .select()
        .from(leads)
        .where(conditions.where)
        .orderBy(...conditions.order)
        .limit(filter.limit + 1)
        .all();
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
      const rows = db
        .select({ stage: leads.stage, count: sql<number>`count(*)` })
        .from(leads)
        .where(conditions.where)
        .groupBy(leads.stage)
        .all();
      return Object.fromEntries(rows.map((row) => [row.stage, Number(row.count)]));
    },

    async get(id, scope) {
      const lead = findLead(db, id, scope);
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
        notes: db.select().from(notes).where(eq(notes.leadId, id)).orderBy(asc(notes.id)).all(),
        deals: db.select().from(deals).where(eq(deals.leadId, id)).orderBy(asc(deals.id)).all(),
        timeline: timelineOf(db, 'lead', id),
      };
    },

    async find(id, scope) {
      return findLead(db, id, scope);
    },

    async exists(id) {
      return db.select({ id: leads.id }).from(leads).where(eq(leads.id, id)).get() !== undefined;
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
      const own = db
        .select(view)
        .from(leads)
        .innerJoin(identities, eq(identities.leadId, leads.id))
        .where(and(visible, isNull(leads.clientId)))
        .orderBy(asc(identities.id))
        .all();
      const ofClient = db
        .select(view)
        .from(leads)
        .innerJoin(identities, eq(identities.clientId, leads.clientId))
        .where(visible)
        .orderBy(asc(identities.id))
        .all();
      return byLead(ids, [...own, ...ofClient]);
    },

    async visible(ids, scope) {
      if (ids.length === 0 || scope.kind === 'none') return [];
      const where = and(
        inArray(leads.id, ids),
        scopeCondition(scope, leads.responsibleId, leads.channelId),
      );
      return db
        .select({ id: leads.id })
        .from(leads)
        .where(where)
        .all()
        .map((row) => row.id);
    },

    ...sqliteLeadChanges(db),
    ...sqliteLeadReads(db),

    async junkReasons() {
      return db.select().from(junkReasons).orderBy(asc(junkReasons.sort)).all();
    },

    async lastInboundOn(leadId, kinds) {
      const key = kinds.join(' ');
      let query = lastInbound.get(key);
      if (!query) lastInbound.set(key, (query = lastInboundQuery(kinds)));
      const row = query.get({ leadId });
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
          // Only a queued reply changes, and only a change is an event.
          if (current?.delivery !== 'queued') return;
          tx.update(messages)
            .set({
              delivery,
              meta: { ...current.meta, ...extra },
              ...(externalId ? { externalId } : {}),
            })
            .where(eq(messages.id, id))
            .run();
          const { type, details } = deliveryEvent(delivery, extra.error);
          const payload = { leadId: current.leadId, messageId: id, ...details };
          recordEvent(tx, { type, leadId: payload.leadId, payload, at: new Date() });
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
