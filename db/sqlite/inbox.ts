/** The SQLite inbox: recording on prepared statements (the intake's hot path), the rest with drizzle. */
import { and, asc, count, eq, gt, gte, inArray, lt, lte, max, type SQL } from 'drizzle-orm';
import type { InboxStatus, RecordedInbox } from '../../core/ports.ts';
import { tickBatch, type Settled } from '../../core/runtime/tick-batch.ts';
import type {
  InboxRepository,
  NewInboxRow,
  ReplayFilter,
  SourceCheckpoint,
  StatusCounts,
} from '../../core/repositories/inbox.ts';
import { inboxThread, type NewRow, type Recorded } from './inbox-thread.ts';
import { toInbox, type InboxDbRow, type IngestStatements } from './ingest-statements.ts';
import type { Db } from './open.ts';
import { emailCheckpoints, inbox, telegramOffsets } from './schema.ts';

function matching(filter: ReplayFilter, afterId = 0): SQL | undefined {
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

export function sqliteInbox(
  db: Db,
  sql: IngestStatements,
  /** Told how to stop the commit thread, for the store's close. */
  onClose: (stop: () => Promise<void>) => void = () => undefined,
): InboxRepository {
  const pendingCount = db.$client
    .prepare<[], number>(
      "SELECT count(*) FROM inbox INDEXED BY inbox_pending WHERE status = 'pending'",
    )
    .pluck();
  // The oldest pending row is the partial index's first entry (ids grow with time).
  const oldestPending = db.$client
    .prepare<[], number>(
      "SELECT received_at FROM inbox INDEXED BY inbox_pending WHERE status = 'pending' ORDER BY id LIMIT 1",
    )
    .pluck();
  /** A row inserted, or found already there (the same external id recorded before). */
  const insertOne = (row: NewRow): Recorded => {
    const { channelId, externalId, raw, receivedAt } = row;
    const inserted = sql.insertInbox.get(channelId, externalId, raw, receivedAt.getTime()) as
      InboxDbRow | undefined;
    if (inserted) return { row: inserted, created: true };
    const existing = sql.inboxByExternal.get(channelId, externalId);
    if (!existing)
      throw new Error(`inbox row (${channelId}, ${externalId}) vanished during insert`);
    return { row: existing, created: false };
  };
  const recordOne = (row: NewRow): RecordedInbox => {
    const { row: stored, created } = insertOne(row);
    return { row: toInbox(stored), created };
  };
  // Posts that arrive together share one transaction, so one fsync (see tickBatch): each is
  // answered only after the commit, and a row that fails does not take the others with it.
  const recordHere = (rows: NewRow[]) =>
    db.$client
      .transaction(() =>
        rows.map((row): Settled<Recorded> => {
          try {
            return { ok: true, value: insertOne(row) };
          } catch (error) {
            // SQLite ended the transaction itself (a full disk, an I/O error): the rows after
            // this one would run outside it, so the whole batch fails instead.
            if (!db.$client.inTransaction) throw error;
            return { ok: false, error };
          }
        }),
      )
      .immediate();
  // Where the database can be shared, the commits (and their fsync) run in a thread instead, so
  // the event loop goes on reading and answering other posts meanwhile (see inbox-thread.ts).
  const thread = inboxThread(
    db.$client,
    { insertSql: sql.insertInbox.source, existingSql: sql.inboxByExternal.source },
    recordHere,
  );
  if (thread) onClose(() => thread.stop());
  const recordTogether = tickBatch(async (rows: NewRow[]) => {
    const results = thread ? await thread.record(rows) : recordHere(rows);
    return results.map((result): Settled<RecordedInbox> =>
      result.ok
        ? { ok: true, value: { row: toInbox(result.value.row), created: result.value.created } }
        : result,
    );
  });
  const saveCheckpoint = (channelId: number, checkpoint: SourceCheckpoint, at: Date) => {
    if (checkpoint.kind === 'email') {
      const values = {
        uidValidity: checkpoint.uidValidity,
        lastUid: checkpoint.lastUid,
        updatedAt: at,
      };
      db.insert(emailCheckpoints)
        .values({ channelId, folder: checkpoint.folder, ...values })
        .onConflictDoUpdate({
          target: [emailCheckpoints.channelId, emailCheckpoints.folder],
          set: values,
        })
        .run();
    } else {
      db.insert(telegramOffsets)
        .values({ channelId, nextOffset: checkpoint.nextOffset, updatedAt: at })
        .onConflictDoUpdate({
          target: telegramOffsets.channelId,
          set: { nextOffset: checkpoint.nextOffset, updatedAt: at },
        })
        .run();
    }
  };
  const countMatching = (filter: ReplayFilter): StatusCounts => {
    const rows = db
      .select({ status: inbox.status, n: count() })
      .from(inbox)
      .where(matching(filter))
      .groupBy(inbox.status)
      .all();
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  };

  // One step down inbox_channel_received; the failure, inbox_channel_failed (failed rows only).
  const newestOfChannel = db.$client
    .prepare<[number], number | null>('SELECT max(received_at) FROM inbox WHERE channel_id = ?')
    .pluck();
  const newestFailure = db.$client.prepare<
    [number],
    { error: string | null; processed_at: number | null; received_at: number }
  >(
    `SELECT error, processed_at, received_at FROM inbox WHERE channel_id = ? AND status = 'failed'
     ORDER BY id DESC LIMIT 1`,
  );

  return {
    async channelActivity(channelId) {
      const received = newestOfChannel.get(channelId);
      const failed = newestFailure.get(channelId);
      return {
        lastReceivedAt: received == null ? null : new Date(received),
        lastFailure: failed
          ? { at: new Date(failed.processed_at ?? failed.received_at), error: failed.error ?? '' }
          : null,
      };
    },
    record(channelId, externalId, raw, receivedAt) {
      return recordTogether({ channelId, externalId, raw, receivedAt });
    },
    async recordBatch(channelId, rows: NewInboxRow[], receivedAt, checkpoint) {
      // The checkpoint can never be ahead of the inbox: a crash re-reads at most this batch, and
      // the unique external id makes re-reading it a no-op.
      return db.$client
        .transaction(() => {
          const recorded = rows.map((row) =>
            recordOne({ channelId, externalId: row.externalId, raw: row.raw, receivedAt }),
          );
          if (checkpoint) saveCheckpoint(channelId, checkpoint, receivedAt);
          return recorded;
        })
        .immediate();
    },
    async get(id) {
      const row = sql.inboxById.get(id);
      return row && toInbox(row);
    },
    async getMany(ids) {
      return ids.flatMap((id) => {
        const row = sql.inboxById.get(id);
        return row ? [toInbox(row)] : [];
      });
    },
    async markFailed(id, error, attempts, at) {
      sql.failInbox.run(error, attempts, at.getTime(), id);
    },
    async pendingBefore(before, afterId, limit) {
      return sql.pending.all(afterId, before.getTime(), limit).map((row) => row.id);
    },
    async backlog() {
      const oldest = oldestPending.get();
      return {
        pending: pendingCount.get() ?? 0,
        oldestReceivedAt: oldest === undefined ? null : new Date(oldest),
      };
    },
    async outcomes(fromId, toId) {
      const rows = db.$client
        .prepare<[number, number], { kind: string; n: number }>(
          `SELECT status || '/' || coalesce(outcome, '-') AS kind, count(*) AS n FROM inbox
           WHERE id BETWEEN ? AND ? GROUP BY 1 ORDER BY 2 DESC`,
        )
        .all(fromId, toId);
      return Object.fromEntries(rows.map(({ kind, n }) => [kind, n]));
    },
    async maxId() {
      return (
        db
          .select({ id: max(inbox.id) })
          .from(inbox)
          .get()?.id ?? 0
      );
    },
    async countMatching(filter) {
      return countMatching(filter);
    },
    async matchingPage(filter, afterId, limit) {
      return db
        .select({ id: inbox.id, status: inbox.status })
        .from(inbox)
        .where(matching(filter, afterId))
        .orderBy(asc(inbox.id))
        .limit(limit)
        .all();
    },
    async reset(ids, from: InboxStatus[]) {
      if (ids.length === 0 || from.length === 0) return 0;
      return db
        .update(inbox)
        .set({ status: 'pending', attempts: 0, outcome: null, reason: null, processedAt: null })
        .where(and(inArray(inbox.id, ids), inArray(inbox.status, from)))
        .run().changes;
    },
    async errors(ids) {
      if (ids.length === 0) return new Map();
      const rows = db
        .select({ id: inbox.id, status: inbox.status, error: inbox.error })
        .from(inbox)
        .where(inArray(inbox.id, ids))
        .all();
      return new Map(rows.map(({ id, ...rest }) => [id, rest]));
    },
    async failedIds() {
      return db
        .select({ id: inbox.id })
        .from(inbox)
        .where(eq(inbox.status, 'failed'))
        .orderBy(asc(inbox.id))
        .all()
        .map((row) => row.id);
    },
  };
}
