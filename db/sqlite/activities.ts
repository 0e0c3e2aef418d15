/** SQLite: operator activities, the events outbox and message attachments. */
import { and, asc, desc, eq, gt, inArray, lte, type SQL, max } from 'drizzle-orm';
import type { ActivityFilter, ActivityRepository } from '../../core/repositories/activities.ts';
import type { AttachmentRepository } from '../../core/repositories/attachments.ts';
import type { EventRepository } from '../../core/repositories/events.ts';
import { referencedBlobs } from './blob-references.ts';
import type { Db } from './open.ts';
import { activities, attachments, events } from './schema.ts';

export function listActivities(db: Db, filter: ActivityFilter) {
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
    .limit(filter.limit)
    .all();
}

/** Open activities of one responsible due in (after, until]: a range of activities_responsible. */
const dueBetween = (responsibleId: number, after: Date, until: Date) =>
  and(
    eq(activities.responsibleId, responsibleId),
    eq(activities.status, 'open'),
    gt(activities.dueAt, after),
    lte(activities.dueAt, until),
  );

export function attachmentsOf(db: Db, messageIds: number[]) {
  if (!messageIds.length) return [];
  return db
    .select()
    .from(attachments)
    .where(inArray(attachments.messageId, messageIds))
    .orderBy(asc(attachments.id))
    .all();
}

export function sqliteActivities(db: Db): ActivityRepository {
  const get = (id: number) => db.select().from(activities).where(eq(activities.id, id)).get();
  return {
    async list(filter) {
      return listActivities(db, filter);
    },
    async create(activity, at) {
      const [row] = db
        .insert(activities)
        .values({ ...activity, createdAt: at })
        .returning()
        .all();
      if (!row) throw new Error('the activity was not stored');
      return row;
    },
    async get(id) {
      return get(id);
    },
    async complete(id, at) {
      db.update(activities)
        .set({ status: 'done', completedAt: at })
        .where(and(eq(activities.id, id), eq(activities.status, 'open')))
        .run();
      return get(id);
    },
    async dueBetween(responsibleId, after, until, limit) {
      return db
        .select()
        .from(activities)
        .where(dueBetween(responsibleId, after, until))
        .orderBy(desc(activities.dueAt), desc(activities.id))
        .limit(limit)
        .all();
    },
  };
}

export function sqliteEvents(db: Db): EventRepository {
  return {
    async list(after, type, limit) {
      const where: SQL[] = [gt(events.id, after)];
      if (type) where.push(eq(events.type, type));
      return db
        .select()
        .from(events)
        .where(and(...where))
        .orderBy(asc(events.id))
        .limit(limit)
        .all();
    },
    async lastId() {
      return (
        db
          .select({ id: max(events.id) })
          .from(events)
          .get()?.id ?? 0
      );
    },
  };
}

export function sqliteAttachments(db: Db): AttachmentRepository {
  return {
    async get(id) {
      return db.select().from(attachments).where(eq(attachments.id, id)).get();
    },
    async referenced(hashes) {
      return referencedBlobs(db, hashes);
    },
  };
}
