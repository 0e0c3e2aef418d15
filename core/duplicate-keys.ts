/**
 * The keys a record's name and company title are stored under so the database can find
 * possible duplicates with an index (core/duplicates decides whether they really are).
 * '' means "nothing to match on": NULL is left for rows not computed yet (see backfill).
 */
import { companyKey } from './duplicates/companies.ts';
import { nameMatchKey } from './duplicates/names.ts';

export interface DuplicateKeys {
  matchKey: string;
  companyKey: string;
}

export function duplicateKeys(
  name: string | null | undefined,
  company: string | null | undefined,
): DuplicateKeys {
  return { matchKey: nameMatchKey(name) ?? '', companyKey: companyKey(company) ?? '' };
}

/**
 * The keys to store with a change of a record's name or company (nothing when neither changes),
 * from the record as it will be after `set`.
 */
export function keysAfter(
  current: { name: string | null; company: string | null },
  set: { name?: string | null | undefined; company?: string | null | undefined },
): Partial<DuplicateKeys> {
  if (!('name' in set) && !('company' in set)) return {};
  const next = { ...current, ...set };
  return duplicateKeys(next.name, next.company);
}
