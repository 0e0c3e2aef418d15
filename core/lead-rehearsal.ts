/**
 * A dry run of imported leads: each row decided by the same table (`decideLead`) on the state
 * the store holds now, plus what the rows before it would have left behind, since nothing is
 * written: the leads they would open, the identities they would add to leads and clients.
 * Without that, a file naming one new person twice would count two new leads where the import
 * makes one and appends to it.
 */
import type { Clock } from './clock.ts';
import type { InboundMessage } from './inbound.ts';
import {
  decideLead,
  type DecisionOptions,
  type DecisionState,
  type LeadDecision,
  type LeadRef,
} from './lead-decision.ts';
import type { ClientCandidate } from './matching.ts';

export class LeadRehearsal {
  /** Leads opened or grown by earlier rows (rehearsed ones have negative ids), by id. */
  private readonly leads = new Map<number, LeadRef>();
  private readonly leadsByKey = new Map<string, Set<number>>();
  /** Clients as earlier rows left them (identities added, leads opened), by id. */
  private readonly clients = new Map<number, ClientCandidate>();
  private readonly clientByKey = new Map<string, number>();
  private nextId = -1;
  /** Keeps rehearsed changes newer than anything stored, in the order they were made. */
  private tick = 0;

  decide(
    message: InboundMessage,
    state: DecisionState,
    options: DecisionOptions,
    clock: Clock,
  ): LeadDecision {
    const seen = this.withEarlierRows(message, state);
    const decision = decideLead(message, seen, options, clock);
    this.remember(message, decision, seen, options, clock);
    return decision;
  }

  private withEarlierRows(message: InboundMessage, state: DecisionState): DecisionState {
    const keys = message.identities.map((identity) => identity.key);
    const clients = new Map(state.clients.map((client) => [client.id, client]));
    for (const key of keys) {
      const id = this.clientByKey.get(key);
      const client = id === undefined ? undefined : this.clients.get(id);
      if (client && !clients.has(client.id)) clients.set(client.id, client);
    }
    for (const id of clients.keys()) {
      const known = this.clients.get(id);
      if (!known) continue;
      const matched = keys.filter((key) => known.identityKeys.includes(key)).length;
      clients.set(id, { ...known, matched });
    }
    const simple = new Map(state.simpleLeads.map((lead) => [lead.id, lead]));
    for (const key of keys)
      for (const id of this.leadsByKey.get(key) ?? []) {
        const lead = this.leads.get(id);
        if (lead && lead.clientId === null) simple.set(id, lead);
      }
    for (const id of simple.keys()) {
      const grown = this.leads.get(id);
      if (grown) simple.set(id, grown);
    }
    return { ...state, clients: [...clients.values()], simpleLeads: [...simple.values()] };
  }

  private remember(
    message: InboundMessage,
    decision: LeadDecision,
    seen: DecisionState,
    options: DecisionOptions,
    clock: Clock,
  ) {
    const updatedAt = new Date(clock.now().getTime() + ++this.tick);
    if (decision.kind !== 'create' && decision.kind !== 'append') return;
    const client = decision.addToClient ?? null;
    if (client) {
      const known = this.clients.get(client.clientId) ??
        seen.clients.find((candidate) => candidate.id === client.clientId) ?? {
          id: client.clientId,
          identityKeys: [],
          matched: 0,
          responsible: null,
          openLeads: [],
        };
      const added = client.identities.map((identity) => identity.key);
      this.clients.set(client.clientId, {
        ...known,
        identityKeys: [...known.identityKeys, ...added],
      });
      for (const key of added) this.clientByKey.set(key, client.clientId);
    }
    if (decision.kind === 'create') {
      const ownerKeys =
        decision.clientId === null
          ? message.identities.map((identity) => identity.key)
          : ((
              this.clients.get(decision.clientId) ??
              seen.clients.find((candidate) => candidate.id === decision.clientId)
            )?.identityKeys ?? []);
      const lead: LeadRef = {
        id: this.nextId--,
        type: decision.type,
        clientId: decision.clientId,
        channelId: options.channelId,
        open: true,
        updatedAt,
        responsibleId: decision.responsibleId,
        senderKeys: ownerKeys,
      };
      this.keep(lead);
      if (decision.clientId !== null) {
        const owner =
          this.clients.get(decision.clientId) ??
          seen.clients.find((candidate) => candidate.id === decision.clientId);
        if (owner) this.clients.set(owner.id, { ...owner, openLeads: [...owner.openLeads, lead] });
      }
      return;
    }
    const lead =
      this.leads.get(decision.leadId) ??
      [
        ...seen.simpleLeads,
        ...seen.threadLeads,
        ...seen.clients.flatMap((candidate) => candidate.openLeads),
      ].find((candidate) => candidate.id === decision.leadId);
    if (!lead) return;
    this.keep({
      ...lead,
      updatedAt,
      senderKeys: [...lead.senderKeys, ...decision.addToLead.map((identity) => identity.key)],
    });
  }

  private keep(lead: LeadRef) {
    this.leads.set(lead.id, lead);
    for (const key of lead.senderKeys) {
      const ids = this.leadsByKey.get(key) ?? new Set<number>();
      ids.add(lead.id);
      this.leadsByKey.set(key, ids);
    }
  }
}
