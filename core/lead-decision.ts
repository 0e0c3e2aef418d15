/**
 * The lead decision table (ARCHITECTURE.md, rows 0–6) as one pure function.
 * The store loads the candidates a message touches, `decideLead` picks the outcome,
 * the store persists it — all inside one write transaction.
 */
import type { Clock } from './clock.ts';
import type { Identity } from './identities.ts';
import type { DeliveryReport, InboundMessage } from './inbound.ts';
import { pickResponsible, type OperatorQueue } from './assignment.ts';
import { pickClient, type ClientCandidate } from './matching.ts';

export type LeadType = 'simple' | 'repeat';

/** A stored lead as the decision sees it. */
export interface LeadRef {
  id: number;
  type: LeadType;
  clientId: number | null;
  channelId: number;
  open: boolean;
  updatedAt: Date;
  responsibleId: number | null;
  /** Identity keys of the lead itself and of its client: who "the sender" of this lead is. */
  senderKeys: string[];
}

export interface DecisionState {
  /** `(channel, external id)` already has a message (row 0). */
  alreadyProcessed: boolean;
  /** The channel's own addresses: mail from them is a loop (row 1). */
  ownIdentityKeys: string[];
  /** Leads the message's thread references or subject token point at (row 2). */
  threadLeads: LeadRef[];
  /** Clients owning one of the sender's identities (rows 3–4). */
  clients: ClientCandidate[];
  /** Leads without a client that own one of the sender's identities, open or closed (rows 5–6). */
  simpleLeads: LeadRef[];
  operatorQueue: OperatorQueue;
}

export interface DecisionOptions {
  channelId: number;
  /** `any` (default) appends across channels; `same-channel` only to leads of this channel. */
  appendScope?: 'any' | 'same-channel';
}

/** Identities to attach to a client the message revealed (a phone shared in a chat). */
export interface ClientIdentities {
  clientId: number;
  identities: Identity[];
}

interface Attach {
  /** Sender identities the lead does not have yet (simple leads carry their own identities). */
  addToLead: Identity[];
  /** Sender identities the matched client does not have yet. */
  addToClient: ClientIdentities | null;
  /** The sender matched several clients: the pair is recorded for a human, never merged. */
  possibleDuplicates: { clientId: number; otherClientIds: number[] } | null;
  at: Date;
}

export type LeadDecision =
  | { kind: 'skip'; row: 0; reason: string }
  | { kind: 'ignore'; row: 1; reason: string; delivery?: DeliveryReport }
  /** The sender has an open lead and the message asked to be left out then (`whenOpen: skip`). */
  | { kind: 'leave'; leadId: number; reason: string }
  | { kind: 'unreachable'; reason: string }
  | ({ kind: 'append'; row: 2 | 3 | 5; leadId: number } & Attach)
  | ({
      kind: 'create';
      row: 4 | 6;
      type: LeadType;
      clientId: number | null;
      responsibleId: number | null;
      /** True when the responsible came from the channel's round robin (the store advances it). */
      roundRobin: boolean;
      /** Why nobody was given the lead (everyone in the queue at capacity). */
      unassigned: 'capacity' | null;
      /** A closed lead sharing an identity: linked as a possible duplicate (row 6). */
      duplicateOfLeadId: number | null;
    } & Attach);

/**
 * The table, with the message's own policy for an open lead (`whenOpen`) and its responsible
 * (`assignTo`) applied: `new-lead` decides as if the sender's leads were all closed (so a new
 * one is linked to the newest open one as a possible duplicate), `skip` leaves out what would
 * have been appended.
 */
export function decideLead(
  message: InboundMessage,
  state: DecisionState,
  options: DecisionOptions,
  clock: Clock,
): LeadDecision {
  const policy = message.whenOpen ?? 'append';
  const decision = decideTable(
    message,
    policy === 'new-lead' ? allClosed(state) : state,
    options,
    clock,
  );
  if (policy === 'skip' && decision.kind === 'append') {
    return {
      kind: 'leave',
      leadId: decision.leadId,
      reason: `left out: the sender already has open lead #${decision.leadId}`,
    };
  }
  if (decision.kind !== 'create') return decision;
  const assigned =
    message.assignTo === undefined
      ? {}
      : { responsibleId: message.assignTo, roundRobin: false, unassigned: null };
  // A new repeat lead beside the client's open one is a possible duplicate of it.
  const open =
    policy === 'new-lead' && decision.clientId !== null
      ? newestFirst(
          state.clients.find((client) => client.id === decision.clientId)?.openLeads ?? [],
        )[0]
      : undefined;
  return { ...decision, ...assigned, ...(open ? { duplicateOfLeadId: open.id } : {}) };
}

/** The state with every lead it holds closed: nothing to append to. */
function allClosed(state: DecisionState): DecisionState {
  const close = (lead: LeadRef): LeadRef => ({ ...lead, open: false });
  return {
    ...state,
    threadLeads: state.threadLeads.map(close),
    clients: state.clients.map((client) => ({ ...client, openLeads: [] })),
    simpleLeads: state.simpleLeads.map(close),
  };
}

function decideTable(
  message: InboundMessage,
  state: DecisionState,
  options: DecisionOptions,
  clock: Clock,
): LeadDecision {
  const at = clock.now();
  if (state.alreadyProcessed) return { kind: 'skip', row: 0, reason: 'already processed' };

  if (message.automated) {
    const { reason, delivery } = message.automated;
    return { kind: 'ignore', row: 1, reason, ...(delivery ? { delivery } : {}) };
  }
  const own = new Set(state.ownIdentityKeys);
  const ownHit = message.identities.find((identity) => own.has(identity.key));
  if (ownHit) return { kind: 'ignore', row: 1, reason: `sent from our own address ${ownHit.raw}` };

  if (message.identities.length === 0) {
    return {
      kind: 'unreachable',
      reason: 'the message has no email, phone or Telegram id to answer on',
    };
  }

  const senderKeys = new Set(message.identities.map((identity) => identity.key));
  const appendable = (lead: LeadRef) =>
    lead.open && (options.appendScope !== 'same-channel' || lead.channelId === options.channelId);
  const missing = (known: Iterable<string>) => {
    const have = new Set(known);
    return message.identities.filter((identity) => !have.has(identity.key));
  };
  const client = pickClient(state.clients);
  // The lead goes to one client; every other client the sender matched is recorded beside it,
  // and identities those others own are not copied onto it (that would be a silent merge).
  const attachToClient = (clientId: number, known: string[]): Attach => {
    const others = state.clients.filter((other) => other.id !== clientId);
    const ownedByOthers = new Set(others.flatMap((other) => other.identityKeys));
    const identities = missing(known).filter((identity) => !ownedByOthers.has(identity.key));
    return {
      addToLead: [],
      addToClient: identities.length ? { clientId, identities } : null,
      possibleDuplicates: others.length
        ? { clientId, otherClientIds: others.map((other) => other.id) }
        : null,
      at,
    };
  };

  // Row 2: the thread continues an open lead, but only when the sender is that lead's sender
  // (a forwarded thread from someone else is a new conversation).
  const thread = newestFirst(state.threadLeads).find(
    (lead) => appendable(lead) && lead.senderKeys.some((key) => senderKeys.has(key)),
  );
  if (thread) {
    const attach =
      thread.clientId !== null
        ? attachToClient(thread.clientId, thread.senderKeys)
        : {
            addToLead: missing(thread.senderKeys),
            addToClient: null,
            possibleDuplicates: null,
            at,
          };
    return { kind: 'append', row: 2, leadId: thread.id, ...attach };
  }

  if (client) {
    const attach = attachToClient(client.id, client.identityKeys);
    // Row 3: the client already has an open lead.
    const open = client.openLeads.filter(appendable);
    const openLead = newestFirst(open)[0];
    if (openLead) return { kind: 'append', row: 3, leadId: openLead.id, ...attach };
    // Row 4: a new repeat lead for a known client.
    const assigned = pickResponsible(client.responsible, state.operatorQueue);
    return {
      kind: 'create',
      row: 4,
      type: 'repeat',
      clientId: client.id,
      ...assigned,
      duplicateOfLeadId: null,
      ...attach,
    };
  }

  // Row 5: an open simple lead already has one of the sender's identities.
  const byMatch = (lead: LeadRef) => lead.senderKeys.filter((key) => senderKeys.has(key)).length;
  const simple = newestFirst(state.simpleLeads.filter((lead) => lead.clientId === null));
  const openSimple = simple
    .filter(appendable)
    .reduce<LeadRef | undefined>(
      (best, lead) => (!best || byMatch(lead) > byMatch(best) ? lead : best),
      undefined,
    );
  if (openSimple) {
    return {
      kind: 'append',
      row: 5,
      leadId: openSimple.id,
      addToLead: missing(openSimple.senderKeys),
      addToClient: null,
      possibleDuplicates: null,
      at,
    };
  }

  // Row 6: nothing matches — a new simple lead, linked to the newest closed lead it resembles.
  const closed = simple.find((lead) => !lead.open);
  return {
    kind: 'create',
    row: 6,
    type: 'simple',
    clientId: null,
    ...pickResponsible(null, state.operatorQueue),
    duplicateOfLeadId: closed ? closed.id : null,
    addToLead: message.identities,
    addToClient: null,
    possibleDuplicates: null,
    at,
  };
}

function newestFirst(leads: LeadRef[]): LeadRef[] {
  return [...leads].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || b.id - a.id);
}
