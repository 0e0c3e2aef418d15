import { describe, expect, it } from 'vitest';
import type { LeadRef } from '../../../core/lead-decision.ts';
import { pickClient } from '../../../core/matching.ts';
import type { ClientCandidate } from '../../../core/matching.ts';

const openLead = (id: number, clientId: number): LeadRef => ({
  id,
  type: 'repeat',
  clientId,
  channelId: 1,
  open: true,
  updatedAt: new Date('2024-04-01T00:00:00.000Z'),
  responsibleId: null,
  senderKeys: ['email:ana@example.com'],
});

function candidate(id: number, matched: number, openLeads: LeadRef[] = []): ClientCandidate {
  return {
    id,
    identityKeys: ['email:ana@example.com'],
    matched,
    responsible: null,
    openLeads,
  };
}

describe('pickClient', () => {
  it('returns undefined when no client matched', () => {
    expect(pickClient([])).toBeUndefined();
  });

  it('returns the only candidate itself', () => {
    const only = candidate(3, 1);
    expect(pickClient([only])).toBe(only);
  });

  it('prefers the client owning more of the sender’s identities over one with an open lead', () => {
    const withLead = candidate(1, 1, [openLead(20, 1)]);
    const stronger = candidate(2, 2);
    expect(pickClient([withLead, stronger])).toBe(stronger);
    expect(pickClient([stronger, withLead])).toBe(stronger);
  });

  it('on equal matches, prefers the client with an open lead over an older one', () => {
    const older = candidate(1, 1);
    const withLead = candidate(2, 1, [openLead(20, 2)]);
    expect(pickClient([older, withLead])).toBe(withLead);
    expect(pickClient([withLead, older])).toBe(withLead);
  });

  it('counts several open leads the same as one', () => {
    const one = candidate(1, 1, [openLead(20, 1)]);
    const two = candidate(2, 1, [openLead(21, 2), openLead(22, 2)]);
    expect(pickClient([two, one])).toBe(one);
  });

  it('on a full tie, takes the oldest record (lowest id)', () => {
    const clients = [candidate(9, 2), candidate(4, 2), candidate(6, 2)];
    expect(pickClient(clients)?.id).toBe(4);
  });

  it('does not reorder its input', () => {
    const clients = [candidate(9, 1), candidate(4, 2), candidate(6, 1, [openLead(20, 6)])];
    pickClient(clients);
    expect(clients.map((client) => client.id)).toEqual([9, 4, 6]);
  });
});
