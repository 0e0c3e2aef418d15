/**
 * The timeline: who changed what on a lead, client or deal, when, with the values before and
 * after. Written by the store in the same transaction as the change, with its domain event.
 */
export type TimelineEntity = 'lead' | 'client' | 'deal';

export interface TimelineEntry {
  id: number;
  entity: TimelineEntity;
  entityId: number;
  /** Null: the system (ingest, automatic assignment). */
  userId: number | null;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  at: Date;
}

/** Who makes a change and when: every write an operator makes carries it to the timeline. */
export interface ChangeContext {
  userId: number | null;
  at: Date;
}

/** One entry as a change writes it (its id comes from the store). */
export type TimelineChange = Omit<TimelineEntry, 'id'>;
