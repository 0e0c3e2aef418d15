/** Operator activities (calls, meetings, tasks), the events outbox and message attachments. */
import { and, asc, eq, gt, inArray, lte, type SQL } from 'drizzle-orm';
import type { Db } from './open.ts';
import { activities, attachments, events } from './schema.ts';

export interface ActivityFilter {
  responsibleId?: number | undefined;
  status?: 'open' | 'done' | undefined;
  leadId?: number | undefined;
  dueBefore?: Date | undefined;
  limit: number;
}

/** Soonest due first: the order an operator works through calls. */
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

export interface NewActivity {
  leadId: number;
  kind: 'call' | 'meeting' | 'task';
  subject: string;
  dueAt: Date;
  responsibleId: number | null;
}

export function createActivity(db: Db, activity: NewActivity) {
  const [row] = db.insert(activities).values(activity).returning().all();
  if (!row) throw new Error('the activity was not stored');
  return row;
}

export function getActivity(db: Db, id: number) {
  return db.select().from(activities).where(eq(activities.id, id)).get();
}

/** Marks an activity done; completing a done one changes nothing (safe to retry). */
export function completeActivity(db: Db, id: number, at: Date) {
  db.update(activities)
    .set({ status: 'done', completedAt: at })
    .where(and(eq(activities.id, id), eq(activities.status, 'open')))
    .run();
  return getActivity(db, id);
}

export function listEvents(db: Db, after: number, type: string | undefined, limit: number) {
  const where: SQL[] = [gt(events.id, after)];
  if (type) where.push(eq(events.type, type));
  return db
    .select()
    .from(events)
    .where(and(...where))
    .orderBy(asc(events.id))
    .limit(limit)
    .all();
}

export function attachmentsOf(db: Db, messageIds: number[]) {
  if (!messageIds.length) return [];
  return db
    .select()
    .from(attachments)
    .where(inArray(attachments.messageId, messageIds))
    .orderBy(asc(attachments.id))
    .all();
}

export function getAttachment(db: Db, id: number) {
  return db.select().from(attachments).where(eq(attachments.id, id)).get();
}
