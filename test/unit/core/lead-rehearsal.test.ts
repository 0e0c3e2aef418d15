import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.ts';
import { normaliseEmail, normalisePhone, type Identity } from '../../../core/identities.ts';
import type { InboundMessage } from '../../../core/inbound.ts';
import type { DecisionState } from '../../../core/lead-decision.ts';
import { LeadRehearsal } from '../../../core/lead-rehearsal.ts';

const clock = fixedClock('2026-12-07T10:00:00.000Z');
const options = { channelId: 1 };

function email(text: string): Identity {
  const read = normaliseEmail(text);
  if (!read.ok) throw new Error(text);
  return read.identity;
}
function phone(text: string): Identity {
  const read = normalisePhone(text);
  if (!read.ok) throw new Error(text);
  return read.identity;
}

function row(line: number, identities: Identity[]): InboundMessage {
  return {
    externalId: `import:dry:${line}`,
    source: 'IMPORT',
    sentAt: clock.now(),
    identities,
    unrecognised: [],
    threadRefs: [],
    sender: {},
    text: '',
    fields: {},
    utm: {},
  };
}

/** The store as a dry run finds it: nothing written, so the same for every row. */
function empty(overrides: Partial<DecisionState> = {}): DecisionState {
  return {
    alreadyProcessed: false,
    ownIdentityKeys: [],
    threadLeads: [],
    clients: [],
    simpleLeads: [],
    operatorQueue: { activeUserIds: [], lastAssignedId: null },
    ...overrides,
  };
}

describe('a dry run of lead rows', () => {
  it('appends a person’s second row to the lead their first would open', () => {
    const rehearsal = new LeadRehearsal();
    const ana = email('ana@dry.test');
    const first = rehearsal.decide(row(2, [ana]), empty(), options, clock);
    expect(first).toMatchObject({ kind: 'create', type: 'simple' });
    const second = rehearsal.decide(row(3, [ana]), empty(), options, clock);
    expect(second).toMatchObject({ kind: 'append', row: 5, leadId: -1 });
  });

  it('follows identities a row adds to a rehearsed lead', () => {
    const rehearsal = new LeadRehearsal();
    const bob = email('bob@dry.test');
    const bobsPhone = phone('+34 600 111 222');
    rehearsal.decide(row(2, [bob]), empty(), options, clock);
    expect(rehearsal.decide(row(3, [bob, bobsPhone]), empty(), options, clock)).toMatchObject({
      kind: 'append',
      leadId: -1,
      addToLead: [bobsPhone],
    });
    expect(rehearsal.decide(row(4, [bobsPhone]), empty(), options, clock)).toMatchObject({
      kind: 'append',
      leadId: -1,
    });
    // Someone else is someone else.
    expect(
      rehearsal.decide(row(5, [email('carla@dry.test')]), empty(), options, clock),
    ).toMatchObject({ kind: 'create', type: 'simple' });
  });

  it('finds a client by an identity an earlier row gave it, and the repeat lead that row opened', () => {
    const rehearsal = new LeadRehearsal();
    const known = email('client@dry.test');
    const newPhone = phone('+34 600 333 444');
    const store = empty({
      clients: [{ id: 7, identityKeys: [known.key], matched: 1, responsible: null, openLeads: [] }],
    });
    expect(rehearsal.decide(row(2, [known, newPhone]), store, options, clock)).toMatchObject({
      kind: 'create',
      type: 'repeat',
      clientId: 7,
      addToClient: { clientId: 7, identities: [newPhone] },
    });
    // By the phone alone the store knows nobody; the rehearsal knows the client and its lead.
    expect(rehearsal.decide(row(3, [newPhone]), empty(), options, clock)).toMatchObject({
      kind: 'append',
      row: 3,
      leadId: -1,
    });
  });

  it('adds to what the store has: a stored open lead takes the row', () => {
    const rehearsal = new LeadRehearsal();
    const dana = email('dana@dry.test');
    const stored = empty({
      simpleLeads: [
        {
          id: 40,
          type: 'simple',
          clientId: null,
          channelId: 1,
          open: true,
          updatedAt: new Date('2026-12-01T00:00:00.000Z'),
          responsibleId: null,
          senderKeys: [dana.key],
        },
      ],
    });
    expect(rehearsal.decide(row(2, [dana]), stored, options, clock)).toMatchObject({
      kind: 'append',
      leadId: 40,
    });
    expect(stored.simpleLeads[0]?.senderKeys).toEqual([dana.key]);
  });
});
