/**
 * Domain events (e.g. `callback.requested`), written in the same transaction as the change they
 * describe: a transactional outbox that integrations read with GET /api/v1/events?after=<id>.
 */
export interface EventRecord {
  id: number;
  type: string;
  leadId: number | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface EventRepository {
  /** Events after id `after`, in id order, optionally of one type. */
  list(after: number, type: string | undefined, limit: number): Promise<EventRecord[]>;
  /** The newest event's id (0 when there is none): where a new reader starts. */
  lastId(): Promise<number>;
}
