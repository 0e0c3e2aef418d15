/**
 * The counts a fault test ends with: every accepted request is one inbox row, done, with exactly
 * one message on a lead, and every sender has one lead whatever channel it wrote on.
 */
import { sql } from 'drizzle-orm';
import { count } from './rows.ts';
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

export async function intakeLedger(
  system: Pick<TestSystem, 'look'>,
  sent: readonly Sent[],
): Promise<IntakeLedger> {
  const ok = sent.filter(accepted);
  const inboxIds = [...new Set(ok.map((answer) => answer.inboxId))];
  const one = (query: ReturnType<typeof sql>) => count(system, query);
  const perRow = new Map(
    (
      await system.look.all<{ id: number; status: string; n: number }>(
        sql`SELECT i.id, i.status, count(m.id) AS n FROM inbox i LEFT JOIN messages m ON m.inbox_id = i.id GROUP BY i.id, i.status`,
      )
    ).map((row) => [row.id, row]),
  );
  return {
    acceptedRequests: new Set(ok.map((answer) => `${answer.kind}:${answer.key}`)).size,
    acceptedInboxIds: inboxIds.length,
    doneWithOneMessage: inboxIds.filter((id) => {
      const row = id === undefined ? undefined : perRow.get(id);
      return row?.status === 'done' && row.n === 1;
    }).length,
    inboxRows: perRow.size,
    messages: await one(sql`SELECT count(*) AS n FROM messages`),
    duplicateMessages: await one(
      sql`SELECT count(*) AS n FROM messages WHERE inbox_id IN (SELECT inbox_id FROM messages GROUP BY inbox_id HAVING count(*) > 1)`,
    ),
    leads: await one(sql`SELECT count(*) AS n FROM leads`),
    sendersOnSeveralLeads: await one(
      sql`SELECT count(*) AS n FROM (SELECT key FROM identities WHERE kind = 'email' AND lead_id IS NOT NULL GROUP BY key HAVING count(DISTINCT lead_id) > 1) AS shared`,
    ),
  };
}

/** Inbox rows by status, e.g. `{ done: 412 }`. */
export async function inboxByStatus(
  system: Pick<TestSystem, 'store'>,
): Promise<Record<string, number>> {
  return (await system.store.inbox.countMatching({})) as Record<string, number>;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
