/** Who a new lead goes to: the client's responsible, else the channel's operator queue in turn. */
import type { Responsible } from './matching.ts';

export interface OperatorQueue {
  /** Active operators of the channel's queue, in queue order. */
  activeUserIds: number[];
  /** The operator who got the previous lead from this queue. */
  lastAssignedId: number | null;
}

export interface Assignment {
  responsibleId: number | null;
  roundRobin: boolean;
}

export function pickResponsible(
  clientResponsible: Responsible | null,
  queue: OperatorQueue,
): Assignment {
  if (clientResponsible?.active) return { responsibleId: clientResponsible.id, roundRobin: false };
  return { responsibleId: nextInQueue(queue), roundRobin: queue.activeUserIds.length > 0 };
}

/** The operator after the last assigned one; wraps around; skips people who left the queue. */
export function nextInQueue({ activeUserIds, lastAssignedId }: OperatorQueue): number | null {
  if (activeUserIds.length === 0) return null;
  const last = lastAssignedId === null ? -1 : activeUserIds.indexOf(lastAssignedId);
  // When the previous operator left the queue (last = -1) the turn starts again at the top.
  return activeUserIds[(last + 1) % activeUserIds.length] ?? null;
}
