/**
 * GET /api/v1/leads's filters, sort and cursor as query conditions, the same for both stores:
 * each store passes its own tables' columns, and its full-text condition for `q` (`LeadSearch`).
 */
import {
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  sql,
  type Column,
  type SQL,
  type Table,
} from 'drizzle-orm';
import type { RecordScope } from '../core/permissions.ts';
import type { LeadFilter } from '../core/repositories/leads.ts';
import { decodeCursor } from '../core/lead-cursor.ts';
import { scopeCondition } from './scope.ts';

export interface LeadColumns {
  id: Column;
  mergedIntoId: Column;
  type: Column;
  stage: Column;
  source: Column;
  clientId: Column;
  review: Column;
  responsibleId: Column;
  channelId: Column;
  open: Column;
  createdAt: Column;
  updatedAt: Column;
}

export interface IdentityColumns {
  key: Column;
  leadId: Column;
  clientId: Column;
}

export interface UserColumns {
  id: Column;
  departmentId: Column;
}

/** The store's tables (drizzle table objects: they render as their names in `sql`). */
interface Tables {
  leads: LeadColumns & Table;
  identities: IdentityColumns & Table;
  users: UserColumns & Table;
}

const subquery = (column: Column, table: Table, where: SQL | undefined): SQL =>
  sql`(select ${column} from ${table} where ${where})`;

/** The words of a search (`q`), each to be found in the lead's fields or in one of its messages. */
export interface SearchTerms {
  /** Letters and digits only, in NFC: no store's query syntax can be formed from them. */
  words: string[];
  /** The last word may be the start of a longer one (people type partial names). */
  prefix: boolean;
}

/** The store's full-text condition on the lead's id: every word, in its fields or its messages. */
export type LeadSearch = (terms: SearchTerms) => SQL;

/** What each store writes in its own SQL: full-text search, a custom field's value. */
export interface LeadDialect {
  search: LeadSearch;
  /** The lead's custom value `key` equals `value` (a string, number or boolean). */
  customEquals(key: string, value: string | number | boolean): SQL;
}

/** A prefix shorter than this would match a large share of every table: it is matched whole. */
const MIN_PREFIX = 2;
/** More words than this narrow nothing a person would notice, and each costs an index lookup. */
const MAX_WORDS = 8;

/**
 * The words of `q`: runs of letters, combining marks and digits. Everything else (quotes, `*`,
 * `-`, `:`, parentheses, emoji) separates words, so a store's query operators never reach it.
 */
export function searchTerms(q: string): SearchTerms {
  const text = q.normalize('NFC');
  // Each word once, at its last place: the word being typed stays last.
  const found = [...new Set((text.toLowerCase().match(WORD) ?? []).reverse())].reverse();
  const words = found.slice(0, MAX_WORDS);
  const last = words[words.length - 1] ?? '';
  // The last word typed, still being typed: not cut off, not followed by a space or a quote.
  const prefix =
    words.length === found.length && last.length >= MIN_PREFIX && END_OF_WORD.test(text);
  return { words, prefix };
}

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const END_OF_WORD = /[\p{L}\p{M}\p{N}]$/u;

export function leadConditions(
  filter: LeadFilter,
  scope: RecordScope,
  tables: Tables,
  dialect: LeadDialect,
): { where: SQL | undefined; order: SQL[] } | undefined {
  const { leads } = tables;
  const where: (SQL | undefined)[] = [
    scopeCondition(scope, leads.responsibleId, leads.channelId),
    // A lead merged into another lives on only in its merge (to be undone), not in lists.
    isNull(leads.mergedIntoId),
  ];
  if (filter.q !== undefined) {
    const terms = searchTerms(filter.q);
    // Nothing searchable (only punctuation or emoji) finds nothing, as an empty key list does.
    where.push(terms.words.length ? dialect.search(terms) : sql`false`);
  }
  for (const { key, value } of filter.custom ?? []) where.push(dialect.customEquals(key, value));
  if (filter.type) where.push(eq(leads.type, filter.type));
  if (filter.stage) where.push(eq(leads.stage, filter.stage));
  if (filter.source) where.push(eq(leads.source, filter.source));
  if (filter.clientId !== undefined) where.push(eq(leads.clientId, filter.clientId));
  if (filter.responsibleId !== undefined) where.push(eq(leads.responsibleId, filter.responsibleId));
  if (filter.channelId !== undefined) where.push(eq(leads.channelId, filter.channelId));
  if (filter.open !== undefined) where.push(eq(leads.open, filter.open));
  if (filter.review !== undefined)
    where.push(filter.review ? isNotNull(leads.review) : isNull(leads.review));
  if (filter.unassigned !== undefined)
    where.push(filter.unassigned ? isNull(leads.responsibleId) : isNotNull(leads.responsibleId));
  if (filter.createdFrom) where.push(gte(leads.createdAt, filter.createdFrom));
  if (filter.createdTo) where.push(lte(leads.createdAt, filter.createdTo));
  if (filter.departmentIds) {
    const { users } = tables;
    where.push(
      filter.departmentIds.length
        ? inArray(
            leads.responsibleId,
            subquery(users.id, users, inArray(users.departmentId, filter.departmentIds)),
          )
        : sql`false`,
    );
  }
  if (filter.identityKeys) {
    const { identities } = tables;
    const keys = inArray(identities.key, filter.identityKeys);
    // One list of lead ids (the leads owning a key, then the leads of clients owning one), not
    // `id IN … OR client_id IN …`: PostgreSQL cannot use an index for that OR, and read every
    // lead in id order instead (seconds at a million leads).
    where.push(
      filter.identityKeys.length
        ? inArray(
            leads.id,
            sql`(select ${identities.leadId} from ${identities} where ${and(keys, isNotNull(identities.leadId))}
              union all select ${leads.id} from ${leads} where ${inArray(
                leads.clientId,
                subquery(
                  identities.clientId,
                  identities,
                  and(keys, isNotNull(identities.clientId)),
                ),
              )})`,
          )
        : sql`false`,
    );
  }
  const sort = filter.sort ?? 'newest';
  if (filter.cursor !== undefined) {
    const cursor = decodeCursor(sort, filter.cursor);
    if (!cursor) return undefined;
    if (sort === 'newest') where.push(lt(leads.id, cursor.id));
    if (sort === 'oldest') where.push(gt(leads.id, cursor.id));
    if (sort === 'updated') {
      const at = new Date(cursor.at ?? 0);
      where.push(
        or(lt(leads.updatedAt, at), and(eq(leads.updatedAt, at), lt(leads.id, cursor.id))),
      );
    }
  }
  const order =
    sort === 'oldest'
      ? [asc(leads.id)]
      : sort === 'updated'
        ? [desc(leads.updatedAt), desc(leads.id)]
        : [desc(leads.id)];
  return { where: and(...where), order };
}
