/**
 * Putting work back on the queues after a fix: which inbox rows an `inbox replay` selects, the
 * durable record of each replay run (so an interrupted one resumes), and the writes that make a
 * failed inbox row or a failed reply runnable again before its job is retried.
 */
import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNull,
  lt,
  lte,
  max,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { Db } from './open.ts';
import { inbox, messages, replays, type ReplayFilter } from './schema.ts';

export type { ReplayFilter };
export type ReplayRun = typeof replays.$inferSelect;
export type InboxStatus = (typeof inbox.status.enumValues)[number];

export const INBOX_STATUSES = inbox.status.enumValues;

function where(filter: ReplayFilter, afterId = 0): SQL | undefined {
  return and(
    gt(inbox.id, afterId),
    filter.ids ? inArray(inbox.id, filter.ids) : undefined,
    filter.channelId !== undefined ? eq(inbox.channelId, filter.channelId) : undefined,
    filter.statuses ? inArray(inbox.status, filter.statuses) : undefined,
    filter.since !== undefined ? gte(inbox.receivedAt, new Date(filter.since)) : undefined,
    filter.until !== undefined ? lt(inbox.receivedAt, new Date(filter.until)) : undefined,
    filter.maxId !== undefined ? lte(inbox.id, filter.maxId) : undefined,
  );
}

/** The newest inbox row now: a run's upper bound, so it ends even while rows keep arriving. */
export function maxInboxId(db: Db): number {
  return (
    db
      .select({ id: max(inbox.id) })
      .from(inbox)
      .get()?.id ?? 0
  );
}

/** Matching rows by status, for the total of a run and for --dry-run. */
export function countMatching(db: Db, filter: ReplayFilter): Partial<Record<InboxStatus, number>> {
  const rows = db
    .select({ status: inbox.status, n: count() })
    .from(inbox)
    .where(where(filter))
    .groupBy(inbox.status)
    .all();
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/** The next `limit` matching rows after `afterId`, in id order (keyset pagination). */
export function matchingPage(
  db: Db,
  filter: ReplayFilter,
  afterId: number,
  limit: number,
): { id: number; status: InboxStatus }[] {
  return db
    .select({ id: inbox.id, status: inbox.status })
    .from(inbox)
    .where(where(filter, afterId))
    .orderBy(asc(inbox.id))
    .limit(limit)
    .all();
}

/**
 * Back to pending with a fresh attempt count, so the worker processes the row again and the
 * reconciler looks after it like any new row. Only rows still in one of `from` are touched
 * (a row that finished meanwhile stays finished). The last error is kept until a success
 * clears it, so the operator still sees why it failed. Returns how many rows changed.
 */
export function resetInbox(db: Db, ids: number[], from: InboxStatus[]): number {
  if (ids.length === 0 || from.length === 0) return 0;
  return db
    .update(inbox)
    .set({ status: 'pending', attempts: 0, outcome: null, reason: null, processedAt: null })
    .where(and(inArray(inbox.id, ids), inArray(inbox.status, from)))
    .run().changes;
}

/**
 * A failed reply back to `queued`: the outbound worker only sends queued replies, so retrying
 * its job without this would complete as "skipped". The error stays in the message's meta.
 */
export function requeueReply(db: Db, messageId: number): boolean {
  return (
    db
      .update(messages)
      .set({ delivery: 'queued' })
      .where(
        and(
          eq(messages.id, messageId),
          eq(messages.direction, 'out'),
          eq(messages.delivery, 'failed'),
        ),
      )
      .run().changes > 0
  );
}

/** Inbox rows and stored errors by id, for listing failed jobs next to their durable record. */
export function inboxErrors(
  db: Db,
  ids: number[],
): Map<number, { status: string; error: string | null }> {
  if (ids.length === 0) return new Map();
  const rows = db
    .select({ id: inbox.id, status: inbox.status, error: inbox.error })
    .from(inbox)
    .where(inArray(inbox.id, ids))
    .all();
  return new Map(rows.map(({ id, ...rest }) => [id, rest]));
}

/** Ids of every inbox row whose processing failed for good. */
export function failedInboxIds(db: Db): number[] {
  return db
    .select({ id: inbox.id })
    .from(inbox)
    .where(eq(inbox.status, 'failed'))
    .orderBy(asc(inbox.id))
    .all()
    .map((row) => row.id);
}

export function createReplay(db: Db, filter: ReplayFilter, total: number, now = new Date()) {
  const [run] = db
    .insert(replays)
    .values({ filter, total, startedAt: now, updatedAt: now })
    .returning()
    .all();
  if (!run) throw new Error('the replay run was not stored');
  return run;
}

/** Saved after each batch is enqueued: a resumed run starts after `lastInboxId`. */
export function saveProgress(db: Db, id: number, lastInboxId: number, doneCount: number): void {
  db.update(replays)
    .set({ lastInboxId, doneCount, updatedAt: new Date() })
    .where(eq(replays.id, id))
    .run();
}

export function endReplay(db: Db, id: number, how: 'finished' | 'interrupted'): ReplayRun {
  const now = new Date();
  const [run] = db
    .update(replays)
    .set(
      how === 'finished'
        ? { finishedAt: now, interruptedAt: null, updatedAt: now }
        : { interruptedAt: now, updatedAt: now },
    )
    .where(eq(replays.id, id))
    .returning()
    .all();
  if (!run) throw new Error(`replay run ${id} is gone`);
  return run;
}

export function getReplay(db: Db, id: number): ReplayRun | undefined {
  return db.select().from(replays).where(eq(replays.id, id)).get();
}

/** The newest run that has not finished (interrupted, or stopped without a word: a crash). */
export function latestUnfinished(db: Db): ReplayRun | undefined {
  return db
    .select()
    .from(replays)
    .where(isNull(replays.finishedAt))
    .orderBy(desc(replays.id))
    .limit(1)
    .get();
}

export function listReplays(db: Db, limit = 50): ReplayRun[] {
  return db.select().from(replays).orderBy(desc(replays.id)).limit(limit).all();
}

/** Inbox rows by status: the durable side of `leadwire queues`. */
export function inboxCounts(db: Db): Partial<Record<InboxStatus, number>> {
  return countMatching(db, {});
}

/** Replies by delivery status: the durable side of the outbound queue. */
export function replyCounts(db: Db): Record<string, number> {
  const rows = db
    .select({ delivery: messages.delivery, n: count() })
    .from(messages)
    .where(and(eq(messages.direction, 'out'), sql`${messages.delivery} IS NOT NULL`))
    .groupBy(messages.delivery)
    .all();
  return Object.fromEntries(rows.map((row) => [row.delivery ?? 'none', row.n]));
}
