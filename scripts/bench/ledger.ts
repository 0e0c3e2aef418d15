/**
 * The inbox ledger: what arrived and what was committed, read from the inbox table as an outside
 * process would. received_at is stamped when a row is recorded, processed_at inside the ingest
 * transaction that commits its lead, so their difference is a message's whole way to its lead.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type SQL } from 'drizzle-orm';
import type { Store } from '../../core/repositories/index.ts';
import { inspect } from '../../db/inspect.ts';
import { int, type Run } from './context.ts';

const POLL_MS = 20;
/** Gives up when no row was recorded or finished for this long. */
const STALL_MS = 120_000;

/**
 * Waits until `expected` rows past `afterId` (of one channel, or any) are done or ignored, saying
 * every few seconds how far it got; throws when a row failed or nothing moved for two minutes.
 */
export async function awaitCommitted(
  run: Run,
  store: Store,
  where: { afterId: number; expected: number; channelId?: number },
) {
  const look = inspect(store);
  const scope = sql`id > ${where.afterId}${where.channelId === undefined ? sql`` : sql` AND channel_id = ${where.channelId}`}`;
  let [last, movedAt, saidAt] = ['', Date.now(), Date.now()];
  for (;;) {
    run.signal.throwIfAborted();
    const rows = await look.all<{ status: string; n: number }>(
      sql`SELECT status, count(*) AS n FROM inbox WHERE ${scope} GROUP BY status`,
    );
    const of = (status: string) => Number(rows.find((row) => row.status === status)?.n ?? 0);
    const finished = of('done') + of('ignored');
    if (of('failed'))
      throw new Error(`${of('failed')} inbox rows failed: see the worker's log above`);
    if (finished >= where.expected) break;
    const now = `${of('pending')}/${finished}`;
    if (now !== last) [last, movedAt] = [now, Date.now()];
    if (Date.now() - movedAt > STALL_MS)
      throw new Error(
        `no progress for ${STALL_MS / 1000} s: ${finished} of ${where.expected} rows done`,
      );
    if (Date.now() - saidAt > 5000) {
      run.progress(`${int(finished)} of ${int(where.expected)} messages committed`);
      saidAt = Date.now();
    }
    await sleep(POLL_MS);
  }
  type Row = { received_at: number; processed_at: number; outcome: string | null };
  const rows = await look.all<Row>(
    sql`SELECT received_at, processed_at, outcome FROM inbox WHERE ${scope}`,
  );
  const outcomes: Record<string, number> = {};
  for (const row of rows)
    outcomes[row.outcome ?? 'none'] = (outcomes[row.outcome ?? 'none'] ?? 0) + 1;
  return {
    /** Epoch ms of the last row's commit. */
    lastProcessedAt: rows.reduce((last, row) => Math.max(last, row.processed_at), 0),
    /** received_at → processed_at of every row, ascending. */
    latencyMs: rows.map((row) => row.processed_at - row.received_at).sort((a, b) => a - b),
    /** `created_simple 956, appended 38, …` */
    outcomes: Object.entries(outcomes)
      .map(([kind, n]) => `${kind} ${int(n)}`)
      .join(', '),
  };
}

/** The `n` of a `SELECT count(*) AS n …`. */
export async function countOf(store: Store, query: SQL): Promise<number> {
  return Number((await inspect(store).get<{ n: number }>(query))?.n ?? 0);
}

/** The largest inbox id, once it has stopped changing (the server has finished its posts). */
export async function settledMaxInboxId(store: Store): Promise<number> {
  let last = -1;
  for (let now = await store.inbox.maxId(); now !== last; now = await store.inbox.maxId()) {
    last = now;
    await sleep(300);
  }
  return last;
}

/**
 * After a load: every post answered 2xx must have its own inbox row (the unique external id makes
 * two impossible) and, when `committed`, that row must be done and carried by exactly one message.
 * Posts answered otherwise, or whose answer the load tool never read, may have a row too
 * (committed, then the answer was lost): counted, not failed. The lines say so, with LOST or
 * WARNING lines when it does not hold.
 */
export async function auditAnswers(
  store: Store,
  where: { channelId: number; afterId: number },
  /** External ids of the posts answered 2xx. */
  answered: string[],
  committed = false,
) {
  await settledMaxInboxId(store);
  const look = inspect(store);
  const rows = await look.all<{
    id: number;
    external_id: string;
    status: string;
    received_at: number;
    processed_at: number | null;
  }>(
    sql`SELECT id, external_id, status, received_at, processed_at FROM inbox
        WHERE channel_id = ${where.channelId} AND id > ${where.afterId}`,
  );
  const messages = committed
    ? await look.all<{ id: number; n: number }>(
        sql`SELECT inbox_id AS id, count(*) AS n FROM messages WHERE inbox_id > ${where.afterId} GROUP BY inbox_id`,
      )
    : [];
  const messagesOf = new Map(messages.map(({ id, n }) => [id, Number(n)]));
  const byExternalId = new Map(rows.map((row) => [row.external_id, row]));
  const accepted = new Set(answered);
  const tally = { missing: 0, notDone: 0, notOneMessage: 0 };
  for (const id of accepted) {
    const row = byExternalId.get(id);
    if (!row) tally.missing += 1;
    else if (committed && row.status !== 'done') tally.notDone += 1;
    else if (committed && messagesOf.get(row.id) !== 1) tally.notOneMessage += 1;
  }
  const exact = accepted.size - tally.missing - tally.notDone - tally.notOneMessage;
  const lines = [
    `${int(exact)} of ${int(accepted.size)} 2xx answers have ${committed ? 'exactly one done inbox row with one message' : 'their inbox row'}` +
      `; ${int(rows.length - accepted.size + tally.missing)} other rows (answers not 2xx, or never read)`,
    ...[
      tally.missing && `LOST: ${tally.missing} 2xx answers have no inbox row`,
      tally.notDone && `WARNING: ${tally.notDone} 2xx answers whose row is not done`,
      tally.notOneMessage &&
        `WARNING: ${tally.notOneMessage} done rows without exactly one message`,
      accepted.size < answered.length &&
        `WARNING: ${answered.length - accepted.size} posts were answered 2xx twice`,
    ].filter((line): line is string => Boolean(line)),
  ];
  const done = rows.filter((row) => row.status === 'done' && row.processed_at !== null);
  return {
    lines,
    ok: lines.length === 1,
    accepted: accepted.size,
    lagMs: done.map((row) => (row.processed_at ?? 0) - row.received_at).sort((a, b) => a - b),
    firstReceivedAt: rows.reduce((first, row) => Math.min(first, row.received_at), Infinity),
    lastProcessedAt: done.reduce((last, row) => Math.max(last, row.processed_at ?? 0), 0),
  };
}
