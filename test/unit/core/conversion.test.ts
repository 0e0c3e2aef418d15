import { describe, expect, it } from 'vitest';
import { decideConversion } from '../../../core/conversion.ts';
import type { ConversionFacts, LeadRecord } from '../../../core/repositories/leads.ts';

const lead = (extra: Partial<LeadRecord> = {}): LeadRecord => ({
  id: 1,
  type: 'simple',
  stage: 'NEW',
  open: true,
  source: 'EMAIL',
  channelId: 1,
  clientId: null,
  responsibleId: 5,
  title: 'Quote please',
  name: 'Marta',
  company: 'Acme',
  fields: {},
  utm: {},
  custom: {},
  duplicateOfLeadId: null,
  review: null,
  junkReason: null,
  unassigned: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  closedAt: null,
  ...extra,
});
const facts = (extra: Partial<ConversionFacts> = {}): ConversionFacts => ({
  lead: lead(),
  identities: [{ kind: 'email', key: 'email:marta@acme.test', raw: 'marta@acme.test' }],
  candidates: [],
  successStage: 'CONVERTED',
  ...extra,
});

describe('decideConversion', () => {
  it('a simple lead makes any combination, its identities moving to the client', () => {
    const decided = decideConversion(facts(), { contact: {}, company: {}, deal: { amount: 5 } }, 9);
    expect(decided).toEqual({
      ok: true,
      plan: {
        clientId: null,
        company: { name: 'Acme', responsibleId: 5 },
        contact: { name: 'Marta', responsibleId: 5, companyId: null },
        deal: expect.objectContaining({
          title: 'Quote please',
          amount: 5,
          leadId: 1,
          responsibleId: 5,
        }),
        moveIdentities: true,
      },
    });
    // A deal alone moves nothing: there is no client to move to.
    const dealOnly = decideConversion(facts(), { deal: {} }, 9);
    expect(dealOnly.ok && dealOnly.plan.moveIdentities).toBe(false);
  });

  it('a repeat lead converts only into a deal for its client', () => {
    const repeat = facts({ lead: lead({ type: 'repeat', clientId: 4 }) });
    for (const request of [
      { contact: {} },
      { company: {} },
      { clientId: 4 },
      {},
      { contact: {}, deal: {} },
    ]) {
      const refused = decideConversion(repeat, request, 9);
      expect(refused.ok ? 'ok' : refused.problem, JSON.stringify(request)).toMatch(
        /repeat_deal_only|nothing_to_convert/,
      );
    }
    const deal = decideConversion(repeat, { deal: { title: 'Renewal' } }, 9);
    expect(deal).toMatchObject({
      ok: true,
      plan: {
        clientId: 4,
        contact: null,
        company: null,
        moveIdentities: false,
        deal: { clientId: 4 },
      },
    });
  });

  it('offers the client that owns the identities instead of a second one', () => {
    const candidate = {
      id: 3,
      kind: 'contact' as const,
      name: 'Marta',
      company: null,
      companyId: null,
      custom: {},
      responsibleId: null,
      createdAt: new Date(0),
      updatedAt: null,
      identities: [],
    };
    const offered = decideConversion(facts({ candidates: [candidate] }), { contact: {} }, 9);
    expect(offered).toMatchObject({
      ok: false,
      problem: 'existing_client',
      candidates: [candidate],
    });
    const joined = decideConversion(facts({ candidates: [candidate] }), { clientId: 3 }, 9);
    expect(joined).toMatchObject({ ok: true, plan: { clientId: 3, moveIdentities: true } });
  });

  it('refuses what cannot be: a closed lead, both a client and a new one, a company without a name', () => {
    expect(decideConversion(facts({ lead: lead({ open: false }) }), { deal: {} }, 9)).toMatchObject(
      { problem: 'closed' },
    );
    expect(decideConversion(facts(), { clientId: 3, contact: {} }, 9)).toMatchObject({
      problem: 'client_or_new',
    });
    expect(
      decideConversion(facts({ lead: lead({ company: null }) }), { company: {} }, 9),
    ).toMatchObject({ problem: 'company_name_required' });
    // Without a name, the contact is called by the address they wrote from.
    const nameless = decideConversion(facts({ lead: lead({ name: null }) }), { contact: {} }, 9);
    expect(nameless.ok && nameless.plan.contact?.name).toBe('marta@acme.test');
  });
});
