/** SQLite: a change on the timeline and its domain event, inside the change's own transaction. */
import { and, asc, eq } from 'drizzle-orm';
import type {
  TimelineChange as Change,
  TimelineEntity,
  TimelineEntry,
} from '../../core/repositories/timeline.ts';
import type { Db } from './open.ts';
import { events, timeline } from './schema.ts';

type Writer = Pick<Db, 'insert'>;

export function recordChange(tx: Writer, change: Change): void {
  tx.insert(timeline).values(change).run();
}

export function recordEvent(
  tx: Writer,
  event: { type: string; leadId: number | null; payload: Record<string, unknown>; at: Date },
): void {
  tx.insert(events)
    .values({ type: event.type, leadId: event.leadId, payload: event.payload, createdAt: event.at })
    .run();
}

export function timelineOf(
  db: Pick<Db, 'select'>,
  entity: TimelineEntity,
  id: number,
): TimelineEntry[] {
  return db
    .select()
    .from(timeline)
    .where(and(eq(timeline.entity, entity), eq(timeline.entityId, id)))
    .orderBy(asc(timeline.id))
    .all();
}
