/** CRM reads and operator writes behind the REST API (drizzle query builder; not the ingest hot path). */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, type SQL } from 'drizzle-orm';
import type { Identity } from '../core/identities.ts';
import { attachmentsOf, listActivities } from './activities.ts';
import type { Db } from './open.ts';
import { clients, identities, inbox, leads, messages, stages, users } from './schema.ts';

export interface LeadFilter {
  type?: 'simple' | 'repeat' | undefined;
  stage?: string | undefined;
  source?: string | undefined;
  clientId?: number | undefined;
  review?: boolean | undefined;
  limit: number;
  /** Id of the last lead of the previous page (leads come newest first). */
  cursor?: number | undefined;
}

export function listLeads(db: Db, filter: LeadFilter) {
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
  return { leads: page, nextCursor: rows.length > filter.limit && last ? String(last.id) : null };
}

/** The lead with its client, identities and the whole conversation in sent-at order. */
export function getLead(db: Db, id: number) {
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
    history.map((message) => message.id),
  );
  const withFiles = history.map((message) => ({
    ...message,
    attachments: files.filter((file) => file.messageId === message.id),
  }));
  const todo = listActivities(db, { leadId: id, limit: 500 });
  return {
    ...lead,
    client,
    identities: client ? client.identities : own,
    messages: withFiles,
    activities: todo,
  };
}

export type StageChange = { ok: true } | { ok: false; reason: 'no-lead' | 'no-stage' };

/** Moves a lead; a success or failure stage closes it (a new message then starts a new lead). */
export function setLeadStage(db: Db, id: number, code: string, at: Date): StageChange {
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
}

export function listStages(db: Db) {
  return db.select().from(stages).orderBy(asc(stages.sort)).all();
}

export interface NewClient {
  name?: string | undefined;
  company?: string | undefined;
  responsibleId?: number | undefined;
  identities: Identity[];
}

export function userExists(db: Db, id: number): boolean {
  return db.select({ id: users.id }).from(users).where(eq(users.id, id)).get() !== undefined;
}

/** Creates a client; other clients already owning one of its identities come back as possible duplicates. */
export function createClient(
  db: Db,
  input: NewClient,
): { id: number; possibleDuplicates: number[] } {
  return db.transaction(
    (tx) => {
      const keys = input.identities.map((identity) => identity.key);
      const others = keys.length
        ? tx
            .selectDistinct({ clientId: identities.clientId })
            .from(identities)
            .where(inArray(identities.key, keys))
            .all()
            .flatMap((row) => (row.clientId === null ? [] : [row.clientId]))
        : [];
      const [row] = tx
        .insert(clients)
        .values({
          kind: input.name ? 'contact' : 'company',
          name: input.name ?? null,
          company: input.company ?? null,
          responsibleId: input.responsibleId ?? null,
        })
        .returning({ id: clients.id })
        .all();
      if (!row) throw new Error('the client was not stored');
      if (input.identities.length) {
        tx.insert(identities)
          .values(input.identities.map((identity) => ({ ...identity, clientId: row.id })))
          .onConflictDoNothing()
          .run();
      }
      return { id: row.id, possibleDuplicates: others };
    },
    { behavior: 'immediate' },
  );
}

export function getClient(db: Db, id: number) {
  const client = db.select().from(clients).where(eq(clients.id, id)).get();
  if (!client) return undefined;
  const owned = db
    .select({ kind: identities.kind, key: identities.key, raw: identities.raw })
    .from(identities)
    .where(eq(identities.clientId, id))
    .orderBy(asc(identities.id))
    .all();
  return { ...client, identities: owned };
}

export function getInboxStatus(db: Db, id: number) {
  return db
    .select({
      id: inbox.id,
      channelId: inbox.channelId,
      externalId: inbox.externalId,
      status: inbox.status,
      outcome: inbox.outcome,
      reason: inbox.reason,
      error: inbox.error,
      leadId: inbox.leadId,
      attempts: inbox.attempts,
      receivedAt: inbox.receivedAt,
      processedAt: inbox.processedAt,
    })
    .from(inbox)
    .where(eq(inbox.id, id))
    .get();
}
