/** PostgreSQL: the inbox. Recording is the intake's hot path: named prepared statements. */
import { and, asc, count, eq, gt, gte, inArray, lt, lte, max, type SQL } from 'drizzle-orm';
import type { InboxRow, InboxStatus, RecordedInbox } from '../../core/ports.ts';
import type {
  InboxRepository,
  ReplayFilter,
  SourceCheckpoint,
  StatusCounts,
} from '../../core/repositories/inbox.ts';
import { tickBatch, type Settled } from '../../core/runtime/tick-batch.ts';
import type pg from 'pg';
import type { PgDb } from './open.ts';
import { inbox } from './schema.ts';
import { inTransaction } from './transaction.ts';

interface InboxDbRow {
  id: number;
  channel_id: number;
  external_id: string;
  raw: string;
  status: InboxStatus;
  outcome: InboxRow['outcome'];
  reason: string | null;
  error: string | null;
  lead_id: number | null;
  attempts: number;
  received_at: Date;
  processed_at: Date | null;
}

const toInbox = (row: InboxDbRow): InboxRow => ({
  id: row.id,
  channelId: row.channel_id,
  externalId: row.external_id,
  raw: row.raw,
  status: row.status,
  outcome: row.outcome,
  reason: row.reason,
  error: row.error,
  leadId: row.lead_id,
  attempts: row.attempts,
  receivedAt: row.received_at,
  processedAt: row.processed_at,
});

const INSERT = {
  name: 'inbox-insert',
  text: `INSERT INTO inbox (channel_id, external_id, raw, status, received_at)
         VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING *`,
};
const BY_EXTERNAL = {
  name: 'inbox-by-external',
  text: 'SELECT * FROM inbox WHERE channel_id = $1 AND external_id = $2',
};
const BY_ID = { name: 'inbox-by-id', text: 'SELECT * FROM inbox WHERE id = $1' };
const BY_IDS = { name: 'inbox-by-ids', text: 'SELECT * FROM inbox WHERE id = ANY ($1::bigint[])' };

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

/** An event on its way into the inbox, with the channel and time it arrived on. */
interface Arriving {
  channelId: number;
  externalId: string;
  raw: string;
  receivedAt: Date;
}

/** Records several events in one statement, in order; a repeated event returns its first row. */
async function recordMany(
  client: pg.Pool | pg.PoolClient,
  rows: Arriving[],
): Promise<RecordedInbox[]> {
  if (!rows.length) return [];
  const inserted = await client.query<InboxDbRow>(
    `INSERT INTO inbox (channel_id, external_id, raw, status, received_at)
     SELECT channel_id, external_id, raw, 'pending', received_at
     FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[])
       WITH ORDINALITY AS t(channel_id, external_id, raw, received_at, n) ORDER BY n
     ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING *`,
    [
      rows.map((row) => row.channelId),
      rows.map((row) => row.externalId),
      rows.map((row) => row.raw),
      rows.map((row) => row.receivedAt),
    ],
  );
  const keyOf = (channelId: number, externalId: string) => `${channelId} ${externalId}`;
  const created = new Map(
    inserted.rows.map((row) => [keyOf(row.channel_id, row.external_id), row]),
  );
  const known = rows.filter((row) => !created.has(keyOf(row.channelId, row.externalId)));
  const existing = known.length
    ? await client.query<InboxDbRow>(
        `SELECT inbox.* FROM inbox JOIN unnest($1::int[], $2::text[]) AS k(channel_id, external_id)
         USING (channel_id, external_id)`,
        [known.map((row) => row.channelId), known.map((row) => row.externalId)],
      )
    : { rows: [] };
  const before = new Map(existing.rows.map((row) => [keyOf(row.channel_id, row.external_id), row]));
  const seen = new Set<string>();
  return rows.map((row) => {
    const key = keyOf(row.channelId, row.externalId);
    const fresh = created.get(key);
    const first = !seen.has(key);
    seen.add(key);
    const stored = fresh ?? before.get(key);
    if (!stored)
      throw new Error(`inbox row (${row.channelId}, ${row.externalId}) vanished during insert`);
    return { row: toInbox(stored), created: Boolean(fresh) && first };
  });
}

async function saveCheckpoint(
  client: pg.PoolClient,
  channelId: number,
  checkpoint: SourceCheckpoint,
  at: Date,
) {
  if (checkpoint.kind === 'email') {
    await client.query(
      `INSERT INTO email_checkpoints (channel_id, folder, uid_validity, last_uid, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (channel_id, folder) DO UPDATE
       SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, updated_at = excluded.updated_at`,
      [channelId, checkpoint.folder, checkpoint.uidValidity, checkpoint.lastUid, at],
    );
  } else {
    await client.query(
      `INSERT INTO telegram_offsets (channel_id, next_offset, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (channel_id) DO UPDATE
       SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
      [channelId, checkpoint.nextOffset, at],
    );
  }
}

export function pgInbox(db: PgDb): InboxRepository {
  const pool = db.$client;
  const countMatching = async (filter: ReplayFilter): Promise<StatusCounts> => {
    const rows = await db
      .select({ status: inbox.status, n: count() })
      .from(inbox)
      .where(matching(filter))
      .groupBy(inbox.status);
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  };
  const recordOne = async (row: Arriving): Promise<RecordedInbox> => {
    const { channelId, externalId, raw, receivedAt } = row;
    const inserted = await pool.query<InboxDbRow>(INSERT, [channelId, externalId, raw, receivedAt]);
    const fresh = inserted.rows[0];
    if (fresh) return { row: toInbox(fresh), created: true };
    const existing = (await pool.query<InboxDbRow>(BY_EXTERNAL, [channelId, externalId])).rows[0];
    if (!existing)
      throw new Error(`inbox row (${channelId}, ${externalId}) vanished during insert`);
    return { row: toInbox(existing), created: false };
  };
  // Posts that arrive together share one statement and one commit (see tickBatch). Should that
  // statement fail, each row is tried on its own, in order (ids follow arrival), so that one bad
  // row fails alone.
  const recordTogether = tickBatch(async (rows: Arriving[]): Promise<Settled<RecordedInbox>[]> => {
    if (rows.length > 1) {
      // One transaction: should the look-up of rows already there fail after the insert, the
      // insert is undone too, and the one-by-one answers still say which rows are new.
      const together = await inTransaction(pool, (client) => recordMany(client, rows)).catch(
        () => undefined,
      );
      if (together) return together.map((value) => ({ ok: true, value }));
    }
    const results: Settled<RecordedInbox>[] = [];
    for (const row of rows) {
      results.push(
        await recordOne(row).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      );
    }
    return results;
  });
  return {
    record(channelId, externalId, raw, receivedAt) {
      return recordTogether({ channelId, externalId, raw, receivedAt });
    },
    async recordBatch(channelId, rows, receivedAt, checkpoint) {
      const arriving = rows.map((row) => ({ ...row, channelId, receivedAt }));
      if (!checkpoint) return recordMany(pool, arriving);
      // The checkpoint can never be ahead of the inbox: both commit together or not at all.
      return inTransaction(pool, async (client) => {
        const recorded = await recordMany(client, arriving);
        await saveCheckpoint(client, channelId, checkpoint, receivedAt);
        return recorded;
      });
    },
    async get(id) {
      const row = (await pool.query<InboxDbRow>(BY_ID, [id])).rows[0];
      return row && toInbox(row);
    },
    async getMany(ids) {
      if (!ids.length) return [];
      return (await pool.query<InboxDbRow>(BY_IDS, [ids])).rows.map(toInbox);
    },
    async markFailed(id, error, attempts, at) {
      await pool.query(
        `UPDATE inbox SET status = 'failed', error = $1, attempts = $2, processed_at = $3
         WHERE id = $4 AND status IN ('pending', 'failed')`,
        [error, attempts, at, id],
      );
    },
    async pendingBefore(before, afterId, limit) {
      const result = await pool.query<{ id: number }>(
        {
          name: 'inbox-pending',
          text: `SELECT id FROM inbox WHERE status = 'pending' AND id > $1 AND received_at < $2
                 ORDER BY id LIMIT $3`,
        },
        [afterId, before, limit],
      );
      return result.rows.map((row) => row.id);
    },
    async backlog() {
      // Both read the partial index of pending rows; ids grow with time, so the oldest is first.
      const result = await pool.query<{ pending: number; oldest: Date | null }>(
        `SELECT (SELECT count(*) FROM inbox WHERE status = 'pending') AS pending,
                (SELECT received_at FROM inbox WHERE status = 'pending' ORDER BY id LIMIT 1) AS oldest`,
      );
      const row = result.rows[0];
      return { pending: row?.pending ?? 0, oldestReceivedAt: row?.oldest ?? null };
    },
    async outcomes(fromId, toId) {
      const result = await pool.query<{ kind: string; n: number }>(
        `SELECT status || '/' || coalesce(outcome, '-') AS kind, count(*) AS n FROM inbox
         WHERE id BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 2 DESC`,
        [fromId, toId],
      );
      return Object.fromEntries(result.rows.map(({ kind, n }) => [kind, n]));
    },
    async maxId() {
      const [row] = await db.select({ id: max(inbox.id) }).from(inbox);
      return row?.id ?? 0;
    },
    countMatching,
    matchingPage: (filter, afterId, limit) =>
      db
        .select({ id: inbox.id, status: inbox.status })
        .from(inbox)
        .where(matching(filter, afterId))
        .orderBy(asc(inbox.id))
        .limit(limit),
    async reset(ids, from) {
      if (ids.length === 0 || from.length === 0) return 0;
      const changed = await db
        .update(inbox)
        .set({ status: 'pending', attempts: 0, outcome: null, reason: null, processedAt: null })
        .where(and(inArray(inbox.id, ids), inArray(inbox.status, from)))
        .returning({ id: inbox.id });
      return changed.length;
    },
    async errors(ids) {
      if (ids.length === 0) return new Map();
      const rows = await db
        .select({ id: inbox.id, status: inbox.status, error: inbox.error })
        .from(inbox)
        .where(inArray(inbox.id, ids));
      return new Map(rows.map(({ id, ...rest }) => [id, rest]));
    },
    async channelActivity(channelId) {
      const newest = await pool.query<{ received_at: Date }>(
        {
          name: 'inbox-channel-newest',
          // One step down inbox_channel_received.
          text: `SELECT max(received_at) AS received_at FROM inbox WHERE channel_id = $1`,
        },
        [channelId],
      );
      const failed = await pool.query<{
        error: string | null;
        processed_at: Date | null;
        received_at: Date;
      }>(
        {
          name: 'inbox-channel-failure',
          text: `SELECT error, processed_at, received_at FROM inbox
                 WHERE channel_id = $1 AND status = 'failed' ORDER BY id DESC LIMIT 1`,
        },
        [channelId],
      );
      const failure = failed.rows[0];
      return {
        lastReceivedAt: newest.rows[0]?.received_at ?? null,
        lastFailure: failure
          ? { at: failure.processed_at ?? failure.received_at, error: failure.error ?? '' }
          : null,
      };
    },
    async failedIds() {
      const rows = await db
        .select({ id: inbox.id })
        .from(inbox)
        .where(eq(inbox.status, 'failed'))
        .orderBy(asc(inbox.id));
      return rows.map((row) => row.id);
    },
  };
}
