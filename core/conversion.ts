/**
 * Converting a lead (ARCHITECTURE.md "Conversion, clients and repeat leads"). A simple lead turns
 * into any combination of contact, company and deal, or joins a client that exists; its
 * identities move to that client, so the person's next message is a repeat lead of the client
 * (rows 3–4 of the decision table). A repeat lead converts only into a deal for its client. When
 * the lead's identities already belong to a client, that client is offered instead of a second
 * one. Pure: the store reads the facts under its locks and writes the plan.
 */
import type { ConversionDecision, ConversionFacts } from './repositories/leads.ts';

export interface ConversionRequest {
  contact?: { name?: string | undefined; responsibleId?: number | undefined } | undefined;
  company?: { name?: string | undefined; responsibleId?: number | undefined } | undefined;
  deal?:
    | {
        title?: string | undefined;
        amount?: number | undefined;
        currency?: string | undefined;
        stage?: string | undefined;
        responsibleId?: number | undefined;
      }
    | undefined;
  /** An existing client the lead belongs to (instead of creating one). */
  clientId?: number | undefined;
}

const refuse = (problem: string, message: string): ConversionDecision => ({
  ok: false,
  problem,
  message,
});

export function decideConversion(
  facts: ConversionFacts,
  request: ConversionRequest,
  actorId: number | null,
): ConversionDecision {
  const { lead } = facts;
  if (!lead.open) {
    return refuse('closed', `lead ${lead.id} is already closed (stage ${lead.stage})`);
  }
  const makesClient = Boolean(request.contact || request.company);
  if (!makesClient && !request.deal && request.clientId === undefined) {
    return refuse('nothing_to_convert', 'give a contact, a company, a deal or a clientId');
  }
  const responsible = lead.responsibleId ?? actorId;
  const deal = (clientId: number | null) =>
    request.deal
      ? {
          title: request.deal.title ?? lead.title,
          amount: request.deal.amount ?? null,
          currency: request.deal.currency ?? null,
          stage: request.deal.stage,
          responsibleId: request.deal.responsibleId ?? responsible,
          clientId,
          leadId: lead.id,
        }
      : null;

  if (lead.type === 'repeat') {
    if (makesClient || request.clientId !== undefined || !request.deal) {
      return refuse(
        'repeat_deal_only',
        `lead ${lead.id} is a repeat lead of client ${lead.clientId}: it converts only into a deal`,
      );
    }
    const plan = {
      clientId: lead.clientId,
      company: null,
      contact: null,
      deal: deal(lead.clientId),
      moveIdentities: false,
    };
    return { ok: true, plan };
  }

  if (request.clientId !== undefined) {
    if (makesClient) {
      return refuse(
        'client_or_new',
        'give either clientId (an existing client) or a contact/company to create, not both',
      );
    }
    const plan = {
      clientId: request.clientId,
      company: null,
      contact: null,
      deal: deal(request.clientId),
      moveIdentities: true,
    };
    return { ok: true, plan };
  }

  if (makesClient && facts.candidates.length > 0) {
    return {
      ok: false,
      problem: 'existing_client',
      message:
        'this person is already a client: convert into one of the candidates with clientId instead of creating a second client',
      candidates: facts.candidates,
    };
  }

  const companyName = request.company?.name ?? lead.company ?? undefined;
  if (request.company && !companyName) {
    return refuse('company_name_required', 'give company.name: the lead has no company');
  }
  const contactName = request.contact?.name ?? lead.name ?? facts.identities[0]?.raw ?? lead.title;
  const plan = {
    clientId: null,
    company:
      request.company && companyName
        ? { name: companyName, responsibleId: request.company.responsibleId ?? responsible }
        : null,
    contact: request.contact
      ? {
          name: contactName,
          responsibleId: request.contact.responsibleId ?? responsible,
          companyId: null,
        }
      : null,
    // The deal's client is the one created: the store fills it in.
    deal: deal(null),
    moveIdentities: makesClient,
  };
  return { ok: true, plan };
}
