/** Client matching: which known client a message's sender is. */
import type { LeadRef } from './lead-decision.ts';

export interface Responsible {
  id: number;
  active: boolean;
}

/** A client that owns at least one of the sender's identities. */
export interface ClientCandidate {
  id: number;
  /** All identity keys the client owns (to find what the message adds). */
  identityKeys: string[];
  /** How many of the sender's identities the client owns. */
  matched: number;
  responsible: Responsible | null;
  /** The client's leads that are still in progress. */
  openLeads: LeadRef[];
}

/**
 * The best match when several clients share the sender's identities: the one owning most of
 * them, then one with an open conversation, then the oldest record. Names never decide.
 */
export function pickClient(candidates: ClientCandidate[]): ClientCandidate | undefined {
  return [...candidates].sort(
    (a, b) =>
      b.matched - a.matched ||
      Number(b.openLeads.length > 0) - Number(a.openLeads.length > 0) ||
      a.id - b.id,
  )[0];
}
