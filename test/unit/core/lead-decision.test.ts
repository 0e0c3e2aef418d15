import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.ts';
import { normaliseEmail, normalisePhone } from '../../../core/identities.ts';
import type { Identity, Normalised } from '../../../core/identities.ts';
import type { InboundMessage } from '../../../core/inbound.ts';
import { decideLead } from '../../../core/lead-decision.ts';
import type {
  DecisionOptions,
  DecisionState,
  LeadDecision,
  LeadRef,
} from '../../../core/lead-decision.ts';
import type { ClientCandidate } from '../../../core/matching.ts';

// ── factories ───────────────────────────────────────────────────────────────────────────────

const NOW = '2024-05-01T10:00:00.000Z';
const at = new Date(NOW);
const clock = fixedClock(NOW);
const CHANNEL = 1;
const OTHER_CHANNEL = 2;

function identityOf(result: Normalised): Identity {
  if (!result.ok) throw new Error(`test identity did not normalise: ${result.reason}`);
  return result.identity;
}

/** Ana writes from Gmail (key email:analopez@gmail.com) and shares her phone. */
const anaEmail = identityOf(normaliseEmail('Ana.Lopez@Gmail.com'));
const anaPhone = identityOf(normalisePhone('+34 600 123 456'));
const bobEmail = identityOf(normaliseEmail('bob@example.com'));
/** The channel's own mailbox. */
const ownEmail = identityOf(normaliseEmail('sales@leadwire.test'));

function message(overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    externalId: '<m1@mail.gmail.com>',
    source: 'EMAIL',
    sentAt: new Date('2024-05-01T09:59:00.000Z'),
    identities: [anaEmail],
    unrecognised: [],
    threadRefs: [],
    sender: { name: 'Ana Lopez' },
    text: 'Hello, I would like a quote.',
    fields: {},
    utm: {},
    ...overrides,
  };
}

function state(overrides: Partial<DecisionState> = {}): DecisionState {
  return {
    alreadyProcessed: false,
    ownIdentityKeys: [ownEmail.key],
    threadLeads: [],
    clients: [],
    simpleLeads: [],
    operatorQueue: { activeUserIds: [], lastAssignedId: null },
    ...overrides,
  };
}

function lead(overrides: Partial<LeadRef> & Pick<LeadRef, 'id'>): LeadRef {
  return {
    type: 'simple',
    clientId: null,
    channelId: CHANNEL,
    open: true,
    updatedAt: new Date('2024-04-01T00:00:00.000Z'),
    responsibleId: null,
    senderKeys: [anaEmail.key],
    ...overrides,
  };
}

function client(
  overrides: Partial<ClientCandidate> & Pick<ClientCandidate, 'id'>,
): ClientCandidate {
  return {
    identityKeys: [anaEmail.key],
    matched: 1,
    responsible: null,
    openLeads: [],
    ...overrides,
  };
}

function decide(
  msg: InboundMessage,
  st: DecisionState,
  options: DecisionOptions = { channelId: CHANNEL },
): LeadDecision {
  return decideLead(msg, st, options, clock);
}

const april = (day: number) => new Date(Date.UTC(2024, 3, day));

// ── row 0 ───────────────────────────────────────────────────────────────────────────────────

describe('row 0: already processed', () => {
  const skip = { kind: 'skip', row: 0, reason: 'already processed' };

  it('skips a message whose (channel, external id) was already processed', () => {
    expect(decide(message(), state({ alreadyProcessed: true }))).toEqual(skip);
  });

  it.each<[string, InboundMessage, Partial<DecisionState>]>([
    ['an automated message', message({ automated: { reason: 'auto-reply' } }), {}],
    ['a message from our own address', message({ identities: [ownEmail] }), {}],
    ['a message without identities', message({ identities: [] }), {}],
    ['a thread lead', message(), { threadLeads: [lead({ id: 10 })] }],
    [
      'a client with an open lead',
      message(),
      { clients: [client({ id: 3, openLeads: [lead({ id: 20, clientId: 3 })] })] },
    ],
    ['an open simple lead', message(), { simpleLeads: [lead({ id: 30 })] }],
  ])('wins over %s', (_name, msg, overrides) => {
    expect(decide(msg, state({ ...overrides, alreadyProcessed: true }))).toEqual(skip);
  });
});

// ── row 1 ───────────────────────────────────────────────────────────────────────────────────

describe('row 1: automated messages and mail loops', () => {
  it('ignores an auto-reply with its reason and no bounce reference', () => {
    const decision = decide(message({ automated: { reason: 'auto-reply' } }), state());
    expect(decision).toEqual({ kind: 'ignore', row: 1, reason: 'auto-reply' });
    expect(decision).not.toHaveProperty('delivery');
  });

  it('passes through the outbound message a bounce refers to', () => {
    const delivery = { of: 'out-7@leadwire.test', status: 'undelivered' as const };
    const msg = message({ automated: { reason: 'bounce', delivery } });
    expect(decide(msg, state())).toEqual({ kind: 'ignore', row: 1, reason: 'bounce', delivery });
  });

  it('never creates or appends for an automated message, whatever it matches', () => {
    const msg = message({ automated: { reason: 'auto-reply' }, identities: [anaEmail] });
    const st = state({
      threadLeads: [lead({ id: 10 })],
      clients: [client({ id: 3, openLeads: [lead({ id: 20, clientId: 3 })] })],
      simpleLeads: [lead({ id: 30 })],
    });
    expect(decide(msg, st)).toEqual({ kind: 'ignore', row: 1, reason: 'auto-reply' });
  });

  it('ignores an automated message without identities instead of flagging it unreachable', () => {
    const msg = message({ automated: { reason: 'mail loop' }, identities: [] });
    expect(decide(msg, state())).toEqual({ kind: 'ignore', row: 1, reason: 'mail loop' });
  });

  it('ignores mail from our own address in any written form, naming it as written', () => {
    const fromUs = identityOf(normaliseEmail('Sales+NoReply@LeadWire.test'));
    expect(decide(message({ identities: [fromUs] }), state())).toEqual({
      kind: 'ignore',
      row: 1,
      reason: 'sent from our own address Sales+NoReply@LeadWire.test',
    });
  });

  it('ignores a message when any one of its identities is ours, even with a matching client', () => {
    const msg = message({ identities: [anaEmail, ownEmail] });
    const st = state({ clients: [client({ id: 3 })] });
    expect(decide(msg, st)).toEqual({
      kind: 'ignore',
      row: 1,
      reason: 'sent from our own address sales@leadwire.test',
    });
  });
});

// ── unreachable ─────────────────────────────────────────────────────────────────────────────

describe('a message without identities', () => {
  it('is flagged unreachable, not turned into a lead', () => {
    const msg = message({
      identities: [],
      unrecognised: [{ kind: 'phone', raw: '12', reason: 'not a valid phone number' }],
    });
    const st = state({ simpleLeads: [lead({ id: 30, senderKeys: [] })] });
    expect(decide(msg, st)).toEqual({
      kind: 'unreachable',
      reason: 'the message has no email, phone or Telegram id to answer on',
    });
  });
});

// ── row 2 ───────────────────────────────────────────────────────────────────────────────────

describe('row 2: thread reference to an open lead of the same sender', () => {
  it('appends to the thread lead and adds the identities it lacks', () => {
    const msg = message({
      identities: [anaEmail, anaPhone],
      threadRefs: ['<out-1@leadwire.test>'],
    });
    expect(decide(msg, state({ threadLeads: [lead({ id: 10 })] }))).toEqual({
      kind: 'append',
      row: 2,
      leadId: 10,
      addToLead: [anaPhone],
      addToClient: null,
      possibleDuplicates: null,
      at,
    });
  });

  it('recognises the sender by any key of the lead (here the phone)', () => {
    const msg = message({ identities: [anaEmail, anaPhone] });
    const thread = lead({ id: 10, senderKeys: [anaPhone.key] });
    expect(decide(msg, state({ threadLeads: [thread] }))).toMatchObject({
      kind: 'append',
      row: 2,
      leadId: 10,
      addToLead: [anaEmail],
    });
  });

  it('wins over a client with an open lead and over an open simple lead', () => {
    const st = state({
      threadLeads: [lead({ id: 10, updatedAt: april(1) })],
      clients: [
        client({ id: 3, openLeads: [lead({ id: 20, clientId: 3, updatedAt: april(20) })] }),
      ],
      simpleLeads: [lead({ id: 30, updatedAt: april(25) })],
    });
    expect(decide(message(), st)).toMatchObject({ kind: 'append', row: 2, leadId: 10 });
  });

  it('adds what the client lacks when the thread lead is a repeat lead', () => {
    const msg = message({ identities: [anaEmail, anaPhone] });
    const thread = lead({ id: 10, type: 'repeat', clientId: 3, senderKeys: [anaEmail.key] });
    expect(decide(msg, state({ threadLeads: [thread] }))).toEqual({
      kind: 'append',
      row: 2,
      leadId: 10,
      addToLead: [],
      addToClient: { clientId: 3, identities: [anaPhone] },
      possibleDuplicates: null,
      at,
    });
  });

  it('adds nothing to the client of a repeat thread lead that already knows every identity', () => {
    const msg = message({ identities: [anaEmail, anaPhone] });
    const thread = lead({
      id: 10,
      type: 'repeat',
      clientId: 3,
      senderKeys: [anaPhone.key, anaEmail.key],
    });
    expect(decide(msg, state({ threadLeads: [thread] }))).toMatchObject({
      kind: 'append',
      row: 2,
      leadId: 10,
      addToLead: [],
      addToClient: null,
    });
  });

  it('does not append a forwarded thread from another sender to the original lead', () => {
    const forwarded = lead({ id: 10, senderKeys: [bobEmail.key] });
    expect(decide(message(), state({ threadLeads: [forwarded] }))).toMatchObject({
      kind: 'create',
      row: 6,
      type: 'simple',
    });
  });

  it('sends a forwarded thread on to the sender’s own open lead instead', () => {
    const st = state({
      threadLeads: [lead({ id: 10, senderKeys: [bobEmail.key], updatedAt: april(30) })],
      simpleLeads: [lead({ id: 30, updatedAt: april(1) })],
    });
    expect(decide(message(), st)).toMatchObject({ kind: 'append', row: 5, leadId: 30 });
  });

  it('ignores a closed thread lead', () => {
    const closed = lead({ id: 10, open: false });
    expect(decide(message(), state({ threadLeads: [closed] }))).toMatchObject({
      kind: 'create',
      row: 6,
      duplicateOfLeadId: null,
    });
  });

  it('picks the newest open thread lead of the sender', () => {
    const st = state({
      threadLeads: [
        lead({ id: 10, updatedAt: april(1) }),
        lead({ id: 11, updatedAt: april(20) }),
        lead({ id: 12, updatedAt: april(30), open: false }),
        lead({ id: 13, updatedAt: april(29), senderKeys: [bobEmail.key] }),
      ],
    });
    expect(decide(message(), st)).toMatchObject({ kind: 'append', row: 2, leadId: 11 });
  });

  it('records a possible duplicate when the sender matches several clients', () => {
    const thread = lead({ id: 10, type: 'repeat', clientId: 3 });
    const st = state({
      threadLeads: [thread],
      clients: [client({ id: 3, matched: 1, openLeads: [thread] }), client({ id: 8, matched: 1 })],
    });
    expect(decide(message(), st)).toMatchObject({
      kind: 'append',
      row: 2,
      leadId: 10,
      possibleDuplicates: { clientId: 3, otherClientIds: [8] },
    });
  });

  it('with appendScope same-channel, ignores a thread lead of another channel', () => {
    const st = state({ threadLeads: [lead({ id: 10, channelId: OTHER_CHANNEL })] });
    expect(decide(message(), st)).toMatchObject({ kind: 'append', row: 2, leadId: 10 });
    expect(
      decide(message(), st, { channelId: CHANNEL, appendScope: 'same-channel' }),
    ).toMatchObject({ kind: 'create', row: 6 });
  });
});

// ── row 3 ───────────────────────────────────────────────────────────────────────────────────

describe('row 3: a client with an open lead', () => {
  it('appends to the open lead and adds to the client only the identities it lacks', () => {
    const msg = message({ identities: [anaEmail, anaPhone] });
    const st = state({
      clients: [client({ id: 3, openLeads: [lead({ id: 20, type: 'repeat', clientId: 3 })] })],
    });
    expect(decide(msg, st)).toEqual({
      kind: 'append',
      row: 3,
      leadId: 20,
      addToLead: [],
      addToClient: { clientId: 3, identities: [anaPhone] },
      possibleDuplicates: null,
      at,
    });
  });

  it('adds nothing to a client that already has every identity', () => {
    const msg = message({ identities: [anaEmail, anaPhone] });
    const st = state({
      clients: [
        client({
          id: 3,
          matched: 2,
          identityKeys: [anaPhone.key, anaEmail.key],
          openLeads: [lead({ id: 20, clientId: 3 })],
        }),
      ],
    });
    expect(decide(msg, st)).toMatchObject({
      kind: 'append',
      row: 3,
      leadId: 20,
      addToClient: null,
    });
  });

  it('appends to the newest of several open leads', () => {
    const st = state({
      clients: [
        client({
          id: 3,
          openLeads: [
            lead({ id: 20, clientId: 3, updatedAt: april(2) }),
            lead({ id: 21, clientId: 3, updatedAt: april(28) }),
            lead({ id: 22, clientId: 3, updatedAt: april(15) }),
          ],
        }),
      ],
    });
    expect(decide(message(), st)).toMatchObject({ kind: 'append', row: 3, leadId: 21 });
  });

  it('wins over an open simple lead with the same identity', () => {
    const st = state({
      clients: [client({ id: 3, openLeads: [lead({ id: 20, clientId: 3 })] })],
      simpleLeads: [lead({ id: 30, updatedAt: april(30) })],
    });
    expect(decide(message(), st)).toMatchObject({ kind: 'append', row: 3, leadId: 20 });
  });

  it('with appendScope same-channel, opens a new repeat lead instead of using another channel’s', () => {
    const st = state({
      clients: [
        client({ id: 3, openLeads: [lead({ id: 20, clientId: 3, channelId: OTHER_CHANNEL })] }),
      ],
    });
    expect(
      decide(message(), st, { channelId: CHANNEL, appendScope: 'same-channel' }),
    ).toMatchObject({ kind: 'create', row: 4, type: 'repeat', clientId: 3 });
    expect(decide(message(), st, { channelId: CHANNEL, appendScope: 'any' })).toMatchObject({
      kind: 'append',
      row: 3,
      leadId: 20,
    });
  });
});

// ── row 4 ───────────────────────────────────────────────────────────────────────────────────

describe('row 4: a client without an open lead', () => {
  const queue = { activeUserIds: [5, 6, 7], lastAssignedId: 5 };

  it('creates a repeat lead for the client, owned by the client’s active responsible', () => {
    const st = state({
      clients: [client({ id: 3, responsible: { id: 77, active: true } })],
      operatorQueue: queue,
    });
    expect(decide(message(), st)).toEqual({
      kind: 'create',
      row: 4,
      type: 'repeat',
      clientId: 3,
      responsibleId: 77,
      roundRobin: false,
      unassigned: null,
      duplicateOfLeadId: null,
      addToLead: [],
      addToClient: null,
      possibleDuplicates: null,
      at,
    });
  });

  it('takes the next operator of the queue when the client’s responsible is inactive', () => {
    const st = state({
      clients: [client({ id: 3, responsible: { id: 77, active: false } })],
      operatorQueue: queue,
    });
    expect(decide(message(), st)).toMatchObject({
      kind: 'create',
      row: 4,
      clientId: 3,
      responsibleId: 6,
      roundRobin: true,
      unassigned: null,
    });
  });

  it('takes the next operator of the queue when the client has no responsible', () => {
    const st = state({ clients: [client({ id: 3 })], operatorQueue: queue });
    expect(decide(message(), st)).toMatchObject({ row: 4, responsibleId: 6, roundRobin: true });
  });

  it('leaves the lead unassigned when the responsible is inactive and the queue is empty', () => {
    const st = state({ clients: [client({ id: 3, responsible: { id: 77, active: false } })] });
    expect(decide(message(), st)).toMatchObject({ row: 4, responsibleId: null, roundRobin: false });
  });

  it('adds the identities the client lacks', () => {
    const msg = message({ identities: [anaPhone, anaEmail] });
    const st = state({ clients: [client({ id: 3, identityKeys: [anaPhone.key] })] });
    expect(decide(msg, st)).toMatchObject({
      row: 4,
      addToLead: [],
      addToClient: { clientId: 3, identities: [anaEmail] },
    });
  });

  it('ignores open and closed simple leads once a client matches', () => {
    const st = state({
      clients: [client({ id: 3 })],
      simpleLeads: [lead({ id: 30 }), lead({ id: 31, open: false })],
    });
    expect(decide(message(), st)).toMatchObject({
      kind: 'create',
      row: 4,
      clientId: 3,
      duplicateOfLeadId: null,
    });
  });
});

// ── several clients ─────────────────────────────────────────────────────────────────────────

describe('the sender matches several clients', () => {
  const msg = message({ identities: [anaEmail, anaPhone] });

  it('goes to the client owning more of the identities and records the other', () => {
    const st = state({
      clients: [
        client({ id: 1, matched: 1, openLeads: [lead({ id: 20, clientId: 1 })] }),
        client({ id: 2, matched: 2, identityKeys: [anaEmail.key, anaPhone.key] }),
      ],
    });
    expect(decide(msg, st)).toEqual({
      kind: 'create',
      row: 4,
      type: 'repeat',
      clientId: 2,
      responsibleId: null,
      roundRobin: false,
      unassigned: null,
      duplicateOfLeadId: null,
      addToLead: [],
      addToClient: null,
      possibleDuplicates: { clientId: 2, otherClientIds: [1] },
      at,
    });
  });

  it('does not copy an identity another matched client owns onto the chosen one', () => {
    const open = lead({ id: 20, type: 'repeat', clientId: 1 });
    const st = state({
      clients: [
        client({ id: 1, matched: 1, identityKeys: [anaEmail.key], openLeads: [open] }),
        client({ id: 2, matched: 1, identityKeys: [anaPhone.key] }),
      ],
    });
    expect(decide(msg, st)).toMatchObject({
      kind: 'append',
      row: 3,
      leadId: 20,
      addToClient: null,
      possibleDuplicates: { clientId: 1, otherClientIds: [2] },
    });
  });

  it('on a thread reply, records the duplicate against the thread lead’s client', () => {
    const thread = lead({ id: 10, type: 'repeat', clientId: 5, senderKeys: [anaEmail.key] });
    const st = state({
      threadLeads: [thread],
      clients: [
        client({ id: 5, matched: 1, identityKeys: [anaEmail.key], openLeads: [thread] }),
        client({ id: 7, matched: 2, identityKeys: [anaEmail.key, anaPhone.key] }),
      ],
    });
    expect(decide(msg, st)).toMatchObject({
      kind: 'append',
      row: 2,
      leadId: 10,
      addToClient: null,
      possibleDuplicates: { clientId: 5, otherClientIds: [7] },
    });
  });

  it('on equal matches, goes to the client with an open lead', () => {
    // Two client records own the same email: a real duplicate pair.
    const st = state({
      clients: [
        client({ id: 1, matched: 1 }),
        client({ id: 2, matched: 1, openLeads: [lead({ id: 20, clientId: 2 })] }),
      ],
    });
    expect(decide(message(), st)).toEqual({
      kind: 'append',
      row: 3,
      leadId: 20,
      addToLead: [],
      addToClient: null,
      possibleDuplicates: { clientId: 2, otherClientIds: [1] },
      at,
    });
  });

  it('on a full tie, goes to the oldest client (lowest id), whatever the input order', () => {
    const st = state({ clients: [client({ id: 9 }), client({ id: 4 }), client({ id: 6 })] });
    expect(decide(msg, st)).toMatchObject({
      kind: 'create',
      row: 4,
      clientId: 4,
      possibleDuplicates: { clientId: 4, otherClientIds: [9, 6] },
    });
  });
});

// ── row 5 ───────────────────────────────────────────────────────────────────────────────────

describe('row 5: an open simple lead with one of the sender’s identities', () => {
  it('appends to it and adds the identities it lacks', () => {
    const msg = message({ identities: [anaEmail, anaPhone] });
    expect(decide(msg, state({ simpleLeads: [lead({ id: 30 })] }))).toEqual({
      kind: 'append',
      row: 5,
      leadId: 30,
      addToLead: [anaPhone],
      addToClient: null,
      possibleDuplicates: null,
      at,
    });
  });

  it('adds nothing when the lead has every identity', () => {
    const st = state({ simpleLeads: [lead({ id: 30, senderKeys: [anaEmail.key, anaPhone.key] })] });
    expect(decide(message(), st)).toMatchObject({
      kind: 'append',
      row: 5,
      leadId: 30,
      addToLead: [],
    });
  });

  it('prefers the lead sharing more identities over a newer one', () => {
    const msg = message({ identities: [anaEmail, anaPhone] });
    const st = state({
      simpleLeads: [
        lead({ id: 30, updatedAt: april(28), senderKeys: [anaEmail.key] }),
        lead({ id: 31, updatedAt: april(2), senderKeys: [anaEmail.key, anaPhone.key] }),
        lead({ id: 32, updatedAt: april(29), senderKeys: [anaPhone.key] }),
      ],
    });
    expect(decide(msg, st)).toMatchObject({ kind: 'append', row: 5, leadId: 31, addToLead: [] });
  });

  it.each([
    ['older first', [1, 20]],
    ['newer first', [20, 1]],
  ])('on equal matches, takes the most recently updated lead (%s)', (_order, days) => {
    const simpleLeads = days.map((day) => lead({ id: 100 + day, updatedAt: april(day) }));
    expect(decide(message(), state({ simpleLeads }))).toMatchObject({ row: 5, leadId: 120 });
  });

  it('on equal matches and equal update times, takes the newest record (highest id)', () => {
    const simpleLeads = [lead({ id: 31 }), lead({ id: 33 }), lead({ id: 32 })];
    expect(decide(message(), state({ simpleLeads }))).toMatchObject({ row: 5, leadId: 33 });
  });

  it('never appends to a closed lead, even a newer one sharing more identities', () => {
    const msg = message({ identities: [anaEmail, anaPhone] });
    const st = state({
      simpleLeads: [
        lead({ id: 30, updatedAt: april(1) }),
        lead({
          id: 31,
          updatedAt: april(30),
          open: false,
          senderKeys: [anaEmail.key, anaPhone.key],
        }),
      ],
    });
    expect(decide(msg, st)).toMatchObject({ kind: 'append', row: 5, leadId: 30 });
  });

  it('with appendScope same-channel, skips open leads of other channels', () => {
    const simpleLeads = [
      lead({ id: 30, channelId: OTHER_CHANNEL, updatedAt: april(30) }),
      lead({ id: 31, channelId: CHANNEL, updatedAt: april(1) }),
    ];
    const options = { channelId: CHANNEL, appendScope: 'same-channel' } as const;
    expect(decide(message(), state({ simpleLeads }), options)).toMatchObject({
      row: 5,
      leadId: 31,
    });
    expect(decide(message(), state({ simpleLeads }))).toMatchObject({ row: 5, leadId: 30 });
  });

  it('with appendScope same-channel and only another channel’s open lead, creates a new lead', () => {
    const simpleLeads = [lead({ id: 30, channelId: OTHER_CHANNEL })];
    const options = { channelId: CHANNEL, appendScope: 'same-channel' } as const;
    expect(decide(message(), state({ simpleLeads }), options)).toMatchObject({
      kind: 'create',
      row: 6,
      type: 'simple',
      duplicateOfLeadId: null,
    });
  });
});

// ── row 6 ───────────────────────────────────────────────────────────────────────────────────

describe('row 6: nothing matches', () => {
  it('creates a simple lead carrying every identity of the message', () => {
    const msg = message({ identities: [anaEmail, anaPhone] });
    expect(decide(msg, state())).toEqual({
      kind: 'create',
      row: 6,
      type: 'simple',
      clientId: null,
      responsibleId: null,
      roundRobin: false,
      unassigned: null,
      duplicateOfLeadId: null,
      addToLead: [anaEmail, anaPhone],
      addToClient: null,
      possibleDuplicates: null,
      at,
    });
  });

  it('assigns the next operator of the queue, wrapping around', () => {
    const st = state({ operatorQueue: { activeUserIds: [5, 6, 7], lastAssignedId: 7 } });
    expect(decide(message(), st)).toMatchObject({ row: 6, responsibleId: 5, roundRobin: true });
  });

  it('links the newest closed simple lead sharing an identity as a possible duplicate', () => {
    const st = state({
      simpleLeads: [
        lead({ id: 40, open: false, updatedAt: april(3) }),
        lead({
          id: 41,
          open: false,
          updatedAt: april(25),
          senderKeys: [anaPhone.key, anaEmail.key],
        }),
        lead({ id: 42, open: false, updatedAt: april(10) }),
      ],
    });
    expect(decide(message(), st)).toMatchObject({
      kind: 'create',
      row: 6,
      type: 'simple',
      duplicateOfLeadId: 41,
      addToLead: [anaEmail],
    });
  });

  it('links a closed lead even when an open lead of another channel was skipped', () => {
    const simpleLeads = [
      lead({ id: 30, channelId: OTHER_CHANNEL, updatedAt: april(30) }),
      lead({ id: 40, open: false, updatedAt: april(2) }),
    ];
    const options = { channelId: CHANNEL, appendScope: 'same-channel' } as const;
    expect(decide(message(), state({ simpleLeads }), options)).toMatchObject({
      row: 6,
      duplicateOfLeadId: 40,
    });
  });
});

// ── cross-cutting ───────────────────────────────────────────────────────────────────────────

describe('decideLead in general', () => {
  it.each<[string, Partial<DecisionState>]>([
    ['row 2', { threadLeads: [lead({ id: 10 })] }],
    ['row 3', { clients: [client({ id: 3, openLeads: [lead({ id: 20, clientId: 3 })] })] }],
    ['row 4', { clients: [client({ id: 3 })] }],
    ['row 5', { simpleLeads: [lead({ id: 30 })] }],
    ['row 6', {}],
  ])('stamps %s with the injected clock’s time, not the message’s', (_row, overrides) => {
    const later = '2031-02-03T04:05:06.789Z';
    const decision = decideLead(
      message(),
      state(overrides),
      { channelId: CHANNEL },
      fixedClock(later),
    );
    expect(decision).toHaveProperty('at', new Date(later));
  });

  it('does not reorder or change its inputs', () => {
    const leads = () => [
      lead({ id: 30, updatedAt: april(1) }),
      lead({ id: 31, updatedAt: april(9) }),
    ];
    const threadLeads = leads();
    const simpleLeads = leads();
    const openLeads = leads().map((open) => ({ ...open, clientId: 4 }));
    const clients = [client({ id: 9 }), client({ id: 4, openLeads })];
    const msg = message({ identities: [anaEmail, anaPhone] });
    const before = structuredClone({ threadLeads, simpleLeads, clients, msg });
    decide(msg, state({ threadLeads }));
    decide(msg, state({ simpleLeads }));
    decide(msg, state({ clients }));
    expect({ threadLeads, simpleLeads, clients, msg }).toEqual(before);
  });
});

// ── the message's own policy (an import's duplicate mode and responsible) ──────────────────

describe('whenOpen and assignTo', () => {
  const withClient = (open: LeadRef[]) =>
    state({ clients: [client({ id: 3, openLeads: open, responsible: { id: 5, active: true } })] });

  it('skip leaves out what would have been appended, naming the open lead', () => {
    for (const [st, leadId] of [
      [state({ simpleLeads: [lead({ id: 30 })] }), 30],
      [withClient([lead({ id: 20, clientId: 3 })]), 20],
      [state({ threadLeads: [lead({ id: 10 })] }), 10],
    ] as const) {
      expect(decide(message({ whenOpen: 'skip' }), st)).toEqual({
        kind: 'leave',
        leadId,
        reason: `left out: the sender already has open lead #${leadId}`,
      });
    }
  });

  it('skip still creates a lead for a sender with none open', () => {
    expect(decide(message({ whenOpen: 'skip' }), withClient([]))).toMatchObject({
      kind: 'create',
      row: 4,
      type: 'repeat',
      clientId: 3,
    });
    expect(decide(message({ whenOpen: 'skip' }), state())).toMatchObject({
      kind: 'create',
      row: 6,
    });
  });

  it('new-lead opens another lead beside the open one, linked to it as a possible duplicate', () => {
    expect(
      decide(
        message({ whenOpen: 'new-lead' }),
        state({
          simpleLeads: [
            lead({ id: 30, updatedAt: april(2) }),
            lead({ id: 31, updatedAt: april(1) }),
          ],
        }),
      ),
    ).toMatchObject({ kind: 'create', row: 6, type: 'simple', duplicateOfLeadId: 30 });
    expect(
      decide(message({ whenOpen: 'new-lead' }), withClient([lead({ id: 20, clientId: 3 })])),
    ).toMatchObject({
      kind: 'create',
      row: 4,
      type: 'repeat',
      clientId: 3,
      responsibleId: 5,
      duplicateOfLeadId: 20,
    });
  });

  it('append is the table as it is', () => {
    const st = state({ simpleLeads: [lead({ id: 30 })] });
    expect(decide(message({ whenOpen: 'append' }), st)).toEqual(decide(message(), st));
  });

  it('assignTo gives a new lead to that user instead of the queue or the client’s responsible', () => {
    const queue = { activeUserIds: [7, 8], lastAssignedId: 7 };
    expect(decide(message({ assignTo: 42 }), state({ operatorQueue: queue }))).toMatchObject({
      kind: 'create',
      responsibleId: 42,
      roundRobin: false,
      unassigned: null,
    });
    expect(decide(message({ assignTo: 42 }), withClient([]))).toMatchObject({
      kind: 'create',
      type: 'repeat',
      responsibleId: 42,
    });
    // An append keeps the lead's own responsible.
    expect(
      decide(
        message({ assignTo: 42 }),
        state({ simpleLeads: [lead({ id: 30, responsibleId: 9 })] }),
      ),
    ).toMatchObject({ kind: 'append', leadId: 30 });
  });
});
