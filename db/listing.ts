/** What both stores' client and deal lists share: their conditions, word search, pages. */
import { and, eq, isNull, lt, or, sql, type Column, type SQL } from 'drizzle-orm';
import type { RecordScope } from '../core/permissions.ts';
import type { ClientFilter } from '../core/repositories/clients.ts';
import type { DealFilter } from '../core/repositories/deals.ts';
import type { IdentityView } from '../core/repositories/leads.ts';
import { scopeCondition } from './scope.ts';

/**
 * The LIKE patterns of a search: one per whitespace-separated word, with `%`, `_` and `\`
 * escaped (the condition says `ESCAPE '\'`), so each word matches as it was typed.
 */
export function wordPatterns(q: string | undefined): string[] {
  const words = q?.trim().split(/\s+/).filter(Boolean) ?? [];
  return words.map((word) => `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

/**
 * Every word of `q` appears in one of `columns`, ignoring case: `LIKE` on SQLite (which ignores
 * the case of ASCII letters only), `ILIKE` on PostgreSQL. Undefined when `q` has no words.
 */
export function everyWord(
  q: string | undefined,
  columns: readonly Column[],
  operator: 'LIKE' | 'ILIKE',
): SQL | undefined {
  const patterns = wordPatterns(q);
  if (!patterns.length) return undefined;
  const like = sql.raw(operator);
  return and(
    ...patterns.map((pattern) =>
      or(...columns.map((column) => sql`${column} ${like} ${pattern} ESCAPE '\\'`)),
    ),
  );
}

/** Each client of a page with its identities, from one query's rows for the whole page. */
export function withIdentities<T extends { id: number }>(
  page: T[],
  owned: (IdentityView & { clientId: number | null })[],
): (T & { identities: IdentityView[] })[] {
  const byClient = new Map<number, IdentityView[]>();
  for (const { clientId, kind, key, raw } of owned) {
    if (clientId === null) continue;
    const list = byClient.get(clientId) ?? [];
    list.push({ kind, key, raw });
    byClient.set(clientId, list);
  }
  return page.map((client) => ({ ...client, identities: byClient.get(client.id) ?? [] }));
}

/** Identities read for several leads, grouped by lead (every asked-for lead present). */
export function byLead(
  ids: number[],
  rows: (IdentityView & { leadId: number })[],
): Map<number, IdentityView[]> {
  const found = new Map<number, IdentityView[]>(ids.map((id) => [id, []]));
  for (const { leadId, kind, key, raw } of rows) found.get(leadId)?.push({ kind, key, raw });
  return found;
}

/** The page of rows read with `limit + 1`, and the cursor of the next page when there is one. */
export function pageOf<T extends { id: number }>(
  rows: T[],
  limit: number,
): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? String(last.id) : null };
}

/** A client list's conditions; `ownedBy` is the clients owning one of the keys (a subquery). */
export function clientConditions(
  filter: ClientFilter,
  scope: RecordScope,
  table: {
    id: Column;
    name: Column;
    company: Column;
    responsibleId: Column;
    kind: Column;
    mergedIntoId: Column;
  },
  like: 'LIKE' | 'ILIKE',
  ownedBy: (keys: string[]) => SQL,
): SQL | undefined {
  const { identityKeys } = filter;
  return and(
    scopeCondition(scope, table.responsibleId),
    // A client merged into another lives on only in its merge (to be undone), not in lists.
    isNull(table.mergedIntoId),
    everyWord(filter.q, [table.name, table.company], like),
    // No keys at all: no client owns one of them.
    identityKeys && (identityKeys.length ? ownedBy(identityKeys) : sql`false`),
    filter.responsibleId === undefined ? undefined : eq(table.responsibleId, filter.responsibleId),
    filter.kind === undefined ? undefined : eq(table.kind, filter.kind),
    filter.cursor === undefined ? undefined : lt(table.id, filter.cursor),
  );
}

/** A deal list's conditions. */
export function dealConditions(
  filter: DealFilter,
  scope: RecordScope,
  table: {
    id: Column;
    clientId: Column;
    responsibleId: Column;
    leadId: Column;
    stage: Column;
    open: Column;
  },
): SQL | undefined {
  const given = <T>(value: T | undefined, column: Column) =>
    value === undefined ? undefined : eq(column, value);
  return and(
    scopeCondition(scope, table.responsibleId),
    given(filter.clientId, table.clientId),
    given(filter.responsibleId, table.responsibleId),
    given(filter.leadId, table.leadId),
    given(filter.stage, table.stage),
    given(filter.open, table.open),
    filter.cursor === undefined ? undefined : lt(table.id, filter.cursor),
  );
}
