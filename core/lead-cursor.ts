/** Where a page of leads ended, in the page's own order: opaque to callers, read back here. */
import type { LeadRecord, LeadSort } from './repositories/leads.ts';

/** A cursor says where the previous page ended, in the page's own order. */
export function encodeCursor(sort: LeadSort, lead: Pick<LeadRecord, 'id' | 'updatedAt'>): string {
  return sort === 'updated' ? `${lead.updatedAt.getTime()}.${lead.id}` : String(lead.id);
}

/** Undefined when the cursor is not one this sort gave out. */
export function decodeCursor(
  sort: LeadSort,
  cursor: string,
): { id: number; at?: number } | undefined {
  const match =
    sort === 'updated' ? /^(\d{1,15})\.(\d{1,15})$/.exec(cursor) : /^(\d{1,15})$/.exec(cursor);
  if (!match) return undefined;
  return sort === 'updated'
    ? { at: Number(match[1]), id: Number(match[2]) }
    : { id: Number(match[1]) };
}
