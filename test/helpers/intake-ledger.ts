/**
 * The counts a fault test ends with: every accepted request is one inbox row, done, with exactly
 * one message on a lead, and every sender has one lead whatever channel it wrote on.
 */
import { sql } from 'drizzle-orm';
import type { TestSystem } from './system.ts';
import { accepted, type Sent } from './traffic.ts';

export interface IntakeLedger {
  /** Distinct requests (by key) that were answered 2xx at least once. */
  acceptedRequests: number;
  /** Distinct inbox ids those answers named. */
  acceptedInboxIds: number;
  /** Of those inbox ids, the ones done with exactly one message. */
  doneWithOneMessage: number;
  inboxRows: number;
  messages: number;
  /** Messages whose inbox row has another message too (must be 0). */
  duplicateMessages: number;
  leads: number;
  /** Senders (by canonical email) found on more than one lead (must be 0). */
  sendersOnSeveralLeads: number;
}

export function intakeLedger(system: Pick<TestSystem, 'db'>, sent: readonly Sent[]): IntakeLedger {
  const ok = sent.filter(accepted);
  const inboxIds = [...new Set(ok.map((answer) => answer.inboxId))];
  const one = (query: ReturnType<typeof sql>) => system.db.get<{ n: number }>(query)?.n ?? -1;
  const perRow = new Map(
    system.db
      .all<{ id: number; status: string; n: number }>(
        sql`SELECT i.id, i.status, count(m.id) AS n FROM inbox i LEFT JOIN messages m ON m.inbox_id = i.id GROUP BY i.id`,
      )
      .map((row) => [row.id, row]),
  );
  return {
    acceptedRequests: new Set(ok.map((answer) => `${answer.kind}:${answer.key}`)).size,
    acceptedInboxIds: inboxIds.length,
    doneWithOneMessage: inboxIds.filter((id) => {
      const row = id === undefined ? undefined : perRow.get(id);
      return row?.status === 'done' && row.n === 1;
    }).length,
    inboxRows: perRow.size,
    messages: one(sql`SELECT count(*) AS n FROM messages`),
    duplicateMessages: one(
      sql`SELECT count(*) AS n FROM messages WHERE inbox_id IN (SELECT inbox_id FROM messages GROUP BY inbox_id HAVING count(*) > 1)`,
    ),
    leads: one(sql`SELECT count(*) AS n FROM leads`),
    sendersOnSeveralLeads: one(
      sql`SELECT count(*) AS n FROM (SELECT key FROM identities WHERE kind = 'email' AND lead_id IS NOT NULL GROUP BY key HAVING count(DISTINCT lead_id) > 1)`,
    ),
  };
}

/** Inbox rows by status, e.g. `{ done: 412 }`. */
export function inboxByStatus(system: Pick<TestSystem, 'db'>): Record<string, number> {
  const rows = system.db.all<{ status: string; n: number }>(
    sql`SELECT status, count(*) AS n FROM inbox GROUP BY status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
