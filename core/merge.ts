/**
 * Merge rules: which values the surviving lead or client keeps when another is merged into it,
 * what an operator must choose between, and when a merge may happen without asking anyone.
 */

export type MergeEntity = 'lead' | 'client';

/** The values a merge chooses between (a custom field is `custom.<key>`). */
export const MERGE_FIELDS = {
  lead: ['title', 'name', 'company', 'responsibleId'],
  client: ['kind', 'name', 'company', 'responsibleId'],
} as const satisfies Record<MergeEntity, readonly string[]>;

export interface MergeSide {
  id: number;
  createdAt: Date;
  updatedAt: Date | null;
  /** The record's merge fields and its custom values. */
  values: Record<string, unknown>;
  custom: Record<string, unknown>;
  /** A lead's stage (both leads must share it for an automatic merge). */
  stage?: string | null;
}

/** Whose value wins: a side, or by age of the record (its last change, else its creation). */
export type MergePick = 'survivor' | 'merged' | 'newer' | 'older';
export const MERGE_PICKS: readonly MergePick[] = ['survivor', 'merged', 'newer', 'older'];

export interface MergeConflict {
  field: string;
  survivor: unknown;
  merged: unknown;
}

const empty = (value: unknown) =>
  value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every field both records have a different value for: what an operator picks between. */
export function mergeConflicts(
  entity: MergeEntity,
  survivor: MergeSide,
  merged: MergeSide,
): MergeConflict[] {
  const conflicts: MergeConflict[] = [];
  for (const field of MERGE_FIELDS[entity]) {
    const a = survivor.values[field];
    const b = merged.values[field];
    if (!empty(a) && !empty(b) && !same(a, b)) conflicts.push({ field, survivor: a, merged: b });
  }
  const keys = new Set([...Object.keys(survivor.custom), ...Object.keys(merged.custom)]);
  for (const key of [...keys].sort()) {
    const a = survivor.custom[key];
    const b = merged.custom[key];
    if (!empty(a) && !empty(b) && !same(a, b))
      conflicts.push({ field: `custom.${key}`, survivor: a, merged: b });
  }
  return conflicts;
}

const age = (side: MergeSide) => (side.updatedAt ?? side.createdAt).getTime();

/**
 * The survivor's values after the merge: a picked side's value for each conflict (the
 * survivor's when not picked), and the merged record's value wherever the survivor has none.
 * Only what changes is returned (`custom` whole, when any custom value changes).
 */
export function mergedValues(
  entity: MergeEntity,
  survivor: MergeSide,
  merged: MergeSide,
  picks: Readonly<Record<string, MergePick>>,
): Record<string, unknown> {
  const winner = (field: string): 'survivor' | 'merged' => {
    const pick = picks[field] ?? 'survivor';
    if (pick === 'newer') return age(merged) > age(survivor) ? 'merged' : 'survivor';
    if (pick === 'older') return age(merged) < age(survivor) ? 'merged' : 'survivor';
    return pick;
  };
  const take = (field: string, a: unknown, b: unknown) =>
    empty(a) ? b : empty(b) ? a : winner(field) === 'merged' ? b : a;
  const set: Record<string, unknown> = {};
  for (const field of MERGE_FIELDS[entity]) {
    const value = take(field, survivor.values[field], merged.values[field]);
    if (!same(value, survivor.values[field])) set[field] = value;
  }
  const custom: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(survivor.custom), ...Object.keys(merged.custom)]);
  for (const key of keys) {
    const value = take(`custom.${key}`, survivor.custom[key], merged.custom[key]);
    if (!empty(value)) custom[key] = value;
  }
  if (!same(custom, survivor.custom)) set.custom = custom;
  return set;
}

/** Picks naming a field that is not one of the entity's: what to tell the caller. */
export function unknownPicks(entity: MergeEntity, picks: Record<string, unknown>): string[] {
  const fields = new Set<string>(MERGE_FIELDS[entity]);
  return Object.keys(picks).filter((field) => !fields.has(field) && !field.startsWith('custom.'));
}

/**
 * The Bitrix24 rule for merging without asking: every value the two share is equal (no
 * conflict), the responsible is the same, and (leads) so is the stage. Anything else is only
 * a suggestion for a person.
 */
export function mergesAutomatically(
  entity: MergeEntity,
  survivor: MergeSide,
  merged: MergeSide,
): boolean {
  if (mergeConflicts(entity, survivor, merged).length) return false;
  if (!same(survivor.values.responsibleId ?? null, merged.values.responsibleId ?? null))
    return false;
  return entity === 'client' || (survivor.stage ?? null) === (merged.stage ?? null);
}
