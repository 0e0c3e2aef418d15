/** PostgreSQL: operator activities, the events outbox and message attachments. */
import { and, asc, desc, eq, gt, inArray, lte, type SQL, max } from 'drizzle-orm';
import type { ActivityFilter, ActivityRepository } from '../../core/repositories/activities.ts';
import type { AttachmentRepository } from '../../core/repositories/attachments.ts';
import type { EventRepository } from '../../core/repositories/events.ts';
import { referencedBlobs } from './blob-references.ts';
import type { PgDb } from './open.ts';
import { activities, attachments, events } from './schema.ts';

export function listActivities(db: PgDb, filter: ActivityFilter) {
  const where: SQL[] = [];
  if (filter.responsibleId !== undefined)
    where.push(eq(activities.responsibleId, filter.responsibleId));
  if (filter.status) where.push(eq(activities.status, filter.status));
  if (filter.leadId !== undefined) where.push(eq(activities.leadId, filter.leadId));
  if (filter.dueBefore) where.push(lte(activities.dueAt, filter.dueBefore));
  return db
    .select()
    .from(activities)
    .where(and(...where))
    .orderBy(asc(activities.dueAt), asc(activities.id))
    .limit(filter.limit);
}

/** Open activities of one responsible due in (after, until]: a range of activities_responsible. */
const dueBetween = (responsibleId: number, after: Date, until: Date) =>
  and(
    eq(activities.responsibleId, responsibleId),
    eq(activities.status, 'open'),
    gt(activities.dueAt, after),
    lte(activities.dueAt, until),
  );

export function attachmentsOf(db: PgDb, messageIds: number[]) {
  if (!messageIds.length) return Promise.resolve([]);
  return db
    .select()
    .from(attachments)
    .where(inArray(attachments.messageId, messageIds))
    .orderBy(asc(attachments.id));
}

export function pgActivities(db: PgDb): ActivityRepository {
  const get = async (id: number) =>
    (await db.select().from(activities).where(eq(activities.id, id)))[0];
  return {
    list: (filter) => listActivities(db, filter),
    async create(activity, at) {
      const [row] = await db
        .insert(activities)
        .values({ ...activity, createdAt: at })
        .returning();
      if (!row) throw new Error('the activity was not stored');
      return row;
    },
    get,
    async complete(id, at) {
      await db
        .update(activities)
        .set({ status: 'done', completedAt: at })
        .where(and(eq(activities.id, id), eq(activities.status, 'open')));
      return get(id);
    },
    dueBetween: (responsibleId, after, until, limit) =>
      db
        .select()
        .from(activities)
        .where(dueBetween(responsibleId, after, until))
        .orderBy(desc(activities.dueAt), desc(activities.id))
        .limit(limit),
  };
}

export function pgEvents(db: PgDb): EventRepository {
  return {
    async list(after, type, limit) {
      const where: SQL[] = [gt(events.id, after)];
      if (type) where.push(eq(events.type, type));
      return db
        .select()
        .from(events)
        .where(and(...where))
        .orderBy(asc(events.id))
        .limit(limit);
    },
    async lastId() {
      return Number((await db.select({ id: max(events.id) }).from(events))[0]?.id ?? 0);
    },
  };
}

export function pgAttachments(db: PgDb): AttachmentRepository {
  return {
    async get(id) {
      return (await db.select().from(attachments).where(eq(attachments.id, id)))[0];
    },
    async referenced(hashes) {
      return referencedBlobs(db, hashes);
    },
  };
}
