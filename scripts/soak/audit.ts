/**
 * After the drain, the database is asked what became of every request the load sent: each one
 * answered 2xx must have exactly one inbox row (the unique (channel, external_id) index makes
 * two impossible, so the question is whether it is there), that row must be `done`, and exactly
 * one message must carry it (none: lost on the way to its lead; two: ingested twice).
 * Requests answered otherwise, or not at all, may have a row too (the web process committed it,
 * then the answer was lost or too late); they are counted, not failed.
 */
import { sql } from 'drizzle-orm';
import type { Store } from '../../core/repositories/index.ts';
import { inspect } from '../../db/inspect.ts';
import { API_CHANNEL_ID } from '../bench/seed.ts';
import { ACCEPTED } from './traffic.ts';

export interface Audit {
  accepted: number;
  /** Answered 2xx, with a done row and exactly one message. */
  exact: number;
  /** Answered 2xx, and: no row; a row in another status (by status); not one message. */
  missing: number;
  notDone: Record<string, number>;
  messageMismatch: number;
  /** Not answered 2xx (or not answered), yet recorded. */
  unacknowledgedRecorded: number;
  /** The load's rows by outcome (created_simple, created_repeat, appended, …). */
  outcomes: Record<string, number>;
  /** received_at -> processed_at over all the load's done rows, ascending, in ms. */
  lagMs: number[];
  /** Epoch ms: the first row received and the last processed. */
  firstReceivedAt: number;
  lastProcessedAt: number;
}

interface LoadRow {
  id: number;
  external_id: string;
  status: string;
  outcome: string | null;
  received_at: number;
  processed_at: number | null;
}

/**
 * `externalIdPrefix` is what every load request's inbox external id starts with, followed by
 * its sequence number; `states` is the load's final state per sequence number.
 */
export async function auditRun(
  store: Store,
  externalIdPrefix: string,
  states: Uint8Array,
): Promise<Audit> {
  const look = inspect(store);
  const rows = await look.all<LoadRow>(
    sql`SELECT id, external_id, status, outcome, received_at, processed_at FROM inbox
        WHERE channel_id = ${API_CHANNEL_ID} AND external_id LIKE ${`${externalIdPrefix}%`}`,
  );
  // No index on messages.inbox_id: one grouped scan instead of a look-up per row.
  const messagesPerInbox = new Map(
    (
      await look.all<{ id: number; n: number }>(
        sql`SELECT inbox_id AS id, count(*) AS n FROM messages WHERE inbox_id IS NOT NULL GROUP BY inbox_id`,
      )
    ).map(({ id, n }) => [id, n]),
  );
  const bySequence = new Map<number, LoadRow>();
  for (const row of rows)
    bySequence.set(Number(row.external_id.slice(externalIdPrefix.length)), row);

  const audit: Audit = {
    accepted: 0,
    exact: 0,
    missing: 0,
    notDone: {},
    messageMismatch: 0,
    unacknowledgedRecorded: 0,
    outcomes: {},
    lagMs: [],
    firstReceivedAt: Infinity,
    lastProcessedAt: 0,
  };
  states.forEach((state, n) => {
    const row = bySequence.get(n);
    if (state !== ACCEPTED) {
      if (row) audit.unacknowledgedRecorded += 1;
      return;
    }
    audit.accepted += 1;
    if (!row) audit.missing += 1;
    else if (row.status !== 'done')
      audit.notDone[row.status] = (audit.notDone[row.status] ?? 0) + 1;
    else if (messagesPerInbox.get(row.id) !== 1) audit.messageMismatch += 1;
    else audit.exact += 1;
  });
  for (const row of rows) {
    const outcome = `${row.status}/${row.outcome ?? '-'}`;
    audit.outcomes[outcome] = (audit.outcomes[outcome] ?? 0) + 1;
    audit.firstReceivedAt = Math.min(audit.firstReceivedAt, row.received_at);
    if (row.processed_at === null) continue;
    audit.lastProcessedAt = Math.max(audit.lastProcessedAt, row.processed_at);
    if (row.status === 'done') audit.lagMs.push(row.processed_at - row.received_at);
  }
  audit.lagMs.sort((a, b) => a - b);
  return audit;
}

export const auditPassed = (audit: Audit) => audit.exact === audit.accepted;
