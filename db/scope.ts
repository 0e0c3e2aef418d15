/**
 * A permission scope (core/permissions.ts RecordScope) as a query condition, the same for both
 * stores: every list, get, update and export of a scoped entity passes its rows through this.
 */
import { and, inArray, isNull, or, sql, type Column, type SQL } from 'drizzle-orm';
import type { RecordScope } from '../core/permissions.ts';

/**
 * The condition a row must meet: undefined when every row is in scope; `false` when none is.
 * `channel` is the lead's channel column: unassigned leads of the actor's queues are theirs too.
 */
export function scopeCondition(
  scope: RecordScope,
  responsible: Column,
  channel?: Column,
): SQL | undefined {
  if (scope.kind === 'all') return undefined;
  if (scope.kind === 'none') return sql`false`;
  const mine = scope.responsibleIds.length
    ? inArray(responsible, [...scope.responsibleIds])
    : undefined;
  const queue =
    channel && scope.unassignedChannelIds.length
      ? and(isNull(responsible), inArray(channel, [...scope.unassignedChannelIds]))
      : undefined;
  return or(mine, queue) ?? sql`false`;
}
