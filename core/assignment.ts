/**
 * Who a new lead goes to: the client's responsible, else the channel's operator queue in turn,
 * skipping operators who already have as many open leads as their capacity. When everyone in the
 * queue is full the lead stays unassigned and says why (`unassigned: 'capacity'`).
 */
import type { Responsible } from './matching.ts';

export interface OperatorQueue {
  /** Active operators of the channel's queue, in queue order. */
  activeUserIds: number[];
  /** The operator who got the previous lead from this queue. */
  lastAssignedId: number | null;
  /** Operators of the queue whose open leads already reach their capacity. */
  atCapacity?: readonly number[];
}

export interface Assignment {
  responsibleId: number | null;
  roundRobin: boolean;
  /** Why nobody was given the lead: everyone in the queue was at capacity. */
  unassigned: 'capacity' | null;
}

export function pickResponsible(
  clientResponsible: Responsible | null,
  queue: OperatorQueue,
): Assignment {
  if (clientResponsible?.active)
    return { responsibleId: clientResponsible.id, roundRobin: false, unassigned: null };
  const next = nextInQueue(queue);
  const full = next === null && queue.activeUserIds.length > 0;
  return { responsibleId: next, roundRobin: next !== null, unassigned: full ? 'capacity' : null };
}

/**
 * The operator after the last assigned one who still has room; wraps around; skips people who
 * left the queue. Null when the queue is empty or everyone in it is at capacity.
 */
export function nextInQueue({
  activeUserIds,
  lastAssignedId,
  atCapacity = [],
}: OperatorQueue): number | null {
  const last = lastAssignedId === null ? -1 : activeUserIds.indexOf(lastAssignedId);
  // When the previous operator left the queue (last = -1) the turn starts again at the top.
  for (let step = 1; step <= activeUserIds.length; step++) {
    const candidate = activeUserIds[(last + step) % activeUserIds.length];
    if (candidate !== undefined && !atCapacity.includes(candidate)) return candidate;
  }
  return null;
}
