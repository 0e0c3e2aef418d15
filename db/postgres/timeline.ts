/** PostgreSQL: a change on the timeline and its domain event, inside the change's own transaction. */
import { and, asc, eq } from 'drizzle-orm';
import type {
  TimelineChange as Change,
  TimelineEntity,
  TimelineEntry,
} from '../../core/repositories/timeline.ts';
import type { PgDb } from './open.ts';
import { events, timeline } from './schema.ts';

export async function recordChange(tx: Pick<PgDb, 'insert'>, change: Change): Promise<void> {
  await tx.insert(timeline).values(change);
}

export async function recordEvent(
  tx: Pick<PgDb, 'insert'>,
  event: { type: string; leadId: number | null; payload: Record<string, unknown>; at: Date },
): Promise<void> {
  await tx.insert(events).values({
    type: event.type,
    leadId: event.leadId,
    payload: event.payload,
    createdAt: event.at,
  });
}

export async function timelineOf(
  db: Pick<PgDb, 'select'>,
  entity: TimelineEntity,
  id: number,
): Promise<TimelineEntry[]> {
  return db
    .select()
    .from(timeline)
    .where(and(eq(timeline.entity, entity), eq(timeline.entityId, id)))
    .orderBy(asc(timeline.id));
}
