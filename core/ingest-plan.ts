/**
 * From a lead decision to the writes that carry it out, as plain data. Both stores persist an
 * IngestPlan the same way (db/ only persists): which lead to create or touch, which identities
 * to attach to whom, the message itself, its attachments, the call a callback request books,
 * and how the inbox row ends.
 */
import { planCallback, type CallbackPlan, type OpenCall } from './callback-rule.ts';
import { checkValue, type CustomFieldDefinition } from './custom-fields.ts';
import type { Identity } from './identities.ts';
import type { AttachmentRef, DeliveryReport, InboundMessage, Source } from './inbound.ts';
import type { Clock } from './clock.ts';
import {
  decideLead,
  type ClientIdentities,
  type DecisionState,
  type LeadDecision,
  type LeadRef,
  type LeadType,
} from './lead-decision.ts';
import type { ChannelInfo, InboxRow, InboxStatus, IngestOutcome } from './ports.ts';
import { INITIAL_STAGE } from './stages.ts';
import { duplicateKeys } from './duplicate-keys.ts';

/** An inbox row read and normalised, ready to be decided under the write lock. */
export interface IngestItem {
  row: InboxRow;
  channel: ChannelInfo;
  message: InboundMessage;
}

/** What the store loads for one message under the lock: the decision's input and a little more. */
export interface IngestState extends DecisionState {
  /** The lead of the message already stored under this `(channel, external id)` (row 0). */
  existingLeadId: number | null;
  /** The call already open for the message's callback phone. */
  openCall: OpenCall | null;
}

export interface NewLead {
  type: LeadType;
  stage: string;
  source: Source;
  channelId: number;
  clientId: number | null;
  responsibleId: number | null;
  title: string;
  name: string | null;
  company: string | null;
  fields: Record<string, string>;
  utm: Record<string, string>;
  duplicateOfLeadId: number | null;
  /** Duplicate finding keys of the name and company ('' when there is none). */
  matchKey: string;
  companyKey: string;
  review: string | null;
  /** Why nobody was assigned (everyone in the queue at capacity). */
  unassigned: string | null;
  /** Form fields that are the lead's custom fields, in their canonical form. */
  custom: Record<string, unknown>;
}

export interface NewInboundMessage {
  channelId: number;
  externalId: string;
  inboxId: number;
  sender: string;
  text: string;
  sentAt: Date;
  meta: Record<string, unknown>;
}

/**
 * Everything one message changes. "The lead" is `lead.append`, or the lead `lead.create` makes
 * (its id exists only once it is stored): the message, identities, duplicates and call are the
 * lead's, and the inbox row ends pointing at it.
 */
export interface IngestPlan {
  inboxId: number;
  at: Date;
  finish: { status: InboxStatus; outcome: IngestOutcome['outcome']; reason: string | null };
  /** The lead the row ends on when no lead is created or touched (a duplicate's existing lead). */
  leadId: number | null;
  lead: { create: NewLead } | { append: number } | null;
  /** The channel's round robin moves on to this operator. */
  advanceQueue: { channelId: number; userId: number } | null;
  /** Sender identities the lead gets (simple leads carry their own). */
  leadIdentities: Identity[];
  clientIdentities: ClientIdentities | null;
  /** The sender matched several clients: recorded for a human, on the lead. */
  clientDuplicates: { clientId: number; otherClientIds: number[] } | null;
  message: NewInboundMessage | null;
  attachments: AttachmentRef[];
  callback: CallbackPlan | null;
  /** What the channel reported of one of our replies (a bounce, a WhatsApp status). */
  delivery: DeliveryReport | null;
  /** Outbox events about the lead and the message (`callback` carries its own). */
  events: PlannedEvent[];
  /** The sender can (no longer) be answered on the channel. */
  reachability: {
    channelId: number;
    identityKey: string;
    reachable: boolean;
    reason: string;
    /** When it happened at the source (default: the plan's time); an older change loses. */
    at?: Date;
  } | null;
}

/** A reply's delivery steps in order; failed and undelivered come after all of them (final). */
export const DELIVERY_PROGRESS = ['queued', 'sent', 'delivered', 'read'] as const;

/** Where a report puts a reply: it applies only to replies that have not got that far. */
export function deliveryRank(report: DeliveryReport): number {
  const rank = (DELIVERY_PROGRESS as readonly string[]).indexOf(report.status);
  return rank < 0 ? DELIVERY_PROGRESS.length : rank;
}

/**
 * An event the plan writes to the outbox, in order, in the plan's transaction. Its payload is
 * `details` after the ids known only once stored: `leadId`, and `messageId` for an event about
 * the plan's message.
 */
export interface PlannedEvent {
  type: 'lead.created' | 'message.received';
  of: 'lead' | 'message';
  details: Record<string, unknown>;
}

/** What a new lead and a received message announce (the callback rule has its own event). */
function plannedEvents(lead: NewLead | null, message: NewInboundMessage): PlannedEvent[] {
  const received: PlannedEvent = {
    type: 'message.received',
    of: 'message',
    details: { channelId: message.channelId },
  };
  if (!lead) return [received];
  const created: PlannedEvent = {
    type: 'lead.created',
    of: 'lead',
    details: {
      type: lead.type,
      channelId: lead.channelId,
      source: lead.source,
      clientId: lead.clientId,
    },
  };
  return [created, received];
}

/**
 * What a reply's new delivery status tells integrations, beside the lead and message ids:
 * `message.sent`, `message.delivered`, `message.read`, or `message.failed` with the status and
 * what went wrong (failed; undelivered: a bounce, a customer who blocked the bot). Written only
 * when the status changed the message.
 */
export function deliveryEvent(
  status: DeliveryReport['status'],
  error?: unknown,
): { type: string; details: Record<string, unknown> } {
  if (status !== 'failed' && status !== 'undelivered')
    return { type: `message.${status}`, details: {} };
  const reason = typeof error === 'string' ? { message: error } : (error ?? null);
  return { type: 'message.failed', details: { status, error: reason } };
}

/**
 * Pending rows, and failed ones: a failed row has no lead yet, and only an operator puts its job
 * back (a retry from the dashboard or the CLI, a replay) — after a fix, so it is processed again.
 * Done and ignored rows are final: their jobs, however often they run, change nothing.
 */
export function awaitsProcessing(row: InboxRow): boolean {
  return row.status === 'pending' || row.status === 'failed';
}

/** A row processed before (a duplicate delivery of its job, or the reconciler racing the queue). */
export function finishedOutcome(row: InboxRow): IngestOutcome {
  return {
    status: row.status,
    outcome: row.outcome ?? 'duplicate',
    leadId: row.leadId,
    ...(row.reason ? { reason: row.reason } : {}),
    earlier: true,
  };
}

/** The outcome a plan records, once its lead id is known. */
export function outcomeOf(plan: IngestPlan, leadId: number | null): IngestOutcome {
  return {
    status: plan.finish.status,
    outcome: plan.finish.outcome,
    leadId,
    ...(plan.finish.reason !== null ? { reason: plan.finish.reason } : {}),
  };
}

/**
 * The message's fields (a web form's answers, the intake's `fields`) whose keys are custom lead
 * fields, checked and in canonical form; a value the field does not take stays only in `fields`.
 */
export function customOfFields(
  fields: Record<string, string>,
  definitions: readonly CustomFieldDefinition[],
  country: string | undefined,
): Record<string, unknown> {
  const custom: Record<string, unknown> = {};
  for (const field of definitions) {
    const raw = fields[field.key];
    if (raw === undefined || raw === '') continue;
    // Forms post text: a number, a yes/no or a multi-list answer is read from it first.
    const value =
      field.type === 'number'
        ? Number(raw)
        : field.type === 'boolean'
          ? ['true', 'yes', 'on', '1'].includes(raw.toLowerCase())
          : field.type === 'multi-list'
            ? raw.split(',').map((part) => part.trim())
            : raw;
    const checked = checkValue(field, value, country);
    if (checked.ok) custom[field.key] = checked.value;
  }
  return custom;
}

/**
 * The decision table and its writes, for what the store loaded under the lock: what a store's
 * `ingest.commit` is given (the worker's and an import's).
 */
export function ingestPlanner(clock: Clock, customFields: readonly CustomFieldDefinition[]) {
  return (item: IngestItem, current: InboxRow, state: IngestState): IngestPlan => {
    const at = clock.now();
    const options = { channelId: item.channel.id, appendScope: item.channel.appendScope };
    const decision = decideLead(item.message, state, options, { now: () => at });
    return planIngest({ ...item, row: current }, state, decision, at, customFields);
  };
}

/** Canonical values given with the message, kept where their field still takes them. */
function checkedCustom(
  values: Record<string, unknown> | undefined,
  definitions: readonly CustomFieldDefinition[],
  country: string | undefined,
): Record<string, unknown> {
  const custom: Record<string, unknown> = {};
  if (!values) return custom;
  for (const field of definitions) {
    if (values[field.key] === undefined) continue;
    const checked = checkValue(field, values[field.key], country);
    if (checked.ok) custom[field.key] = checked.value;
  }
  return custom;
}

export function planIngest(
  item: IngestItem,
  state: IngestState,
  decision: LeadDecision,
  at: Date,
  /** The custom fields defined for leads: form fields with their keys fill them. */
  customFields: readonly CustomFieldDefinition[] = [],
): IngestPlan {
  const { row, channel, message } = item;
  const base: IngestPlan = {
    inboxId: row.id,
    at,
    finish: { status: 'ignored', outcome: 'ignored', reason: null },
    leadId: null,
    lead: null,
    advanceQueue: null,
    leadIdentities: [],
    clientIdentities: null,
    clientDuplicates: null,
    message: null,
    attachments: [],
    callback: null,
    delivery: null,
    events: [],
    reachability: null,
  };
  switch (decision.kind) {
    case 'skip':
      return {
        ...base,
        finish: { status: 'done', outcome: 'duplicate', reason: decision.reason },
        leadId: state.existingLeadId,
      };
    case 'leave':
      return {
        ...base,
        finish: { status: 'done', outcome: 'duplicate', reason: decision.reason },
        leadId: decision.leadId,
      };
    case 'ignore': {
      const change = message.reachability;
      return {
        ...base,
        finish: { status: 'ignored', outcome: 'ignored', reason: decision.reason },
        delivery: decision.delivery ?? null,
        reachability: change ? { channelId: channel.id, ...change } : null,
      };
    }
    case 'unreachable':
      return {
        ...base,
        finish: { status: 'ignored', outcome: 'ignored', reason: decision.reason },
      };
    case 'create':
    case 'append': {
      const created = decision.kind === 'create';
      const responsibleId = created
        ? decision.responsibleId
        : (leadIn(state, decision.leadId)?.responsibleId ?? null);
      const lead: IngestPlan['lead'] =
        decision.kind === 'create'
          ? {
              create: {
                type: decision.type,
                stage: INITIAL_STAGE,
                source: message.source,
                channelId: channel.id,
                clientId: decision.clientId,
                responsibleId: decision.responsibleId,
                title: message.title ?? defaultTitle(message),
                name: message.sender.name ?? null,
                company: message.sender.company ?? null,
                fields: message.fields,
                utm: message.utm,
                duplicateOfLeadId: decision.duplicateOfLeadId,
                ...duplicateKeys(message.sender.name, message.sender.company),
                review: message.review ?? null,
                unassigned: decision.unassigned,
                custom: {
                  ...customOfFields(
                    message.fields,
                    customFields,
                    channel.defaultCountry ?? undefined,
                  ),
                  ...checkedCustom(
                    message.custom,
                    customFields,
                    channel.defaultCountry ?? undefined,
                  ),
                },
              },
            }
          : { append: decision.leadId };
      const stored: NewInboundMessage = {
        channelId: channel.id,
        externalId: message.externalId,
        inboxId: row.id,
        sender: senderLabel(message),
        text: message.text,
        sentAt: message.sentAt,
        meta: messageMeta(message),
      };
      return {
        ...base,
        finish: {
          status: 'done',
          outcome: created
            ? decision.type === 'repeat'
              ? 'created_repeat'
              : 'created_simple'
            : 'appended',
          reason: null,
        },
        lead,
        advanceQueue:
          created && decision.roundRobin && decision.responsibleId !== null
            ? { channelId: channel.id, userId: decision.responsibleId }
            : null,
        leadIdentities: decision.addToLead,
        clientIdentities: decision.addToClient,
        clientDuplicates: decision.possibleDuplicates,
        message: stored,
        events: plannedEvents('create' in lead ? lead.create : null, stored),
        attachments: message.attachments ?? [],
        callback: message.callback
          ? planCallback(message.callback, state.openCall, responsibleId)
          : null,
      };
    }
  }
}

function leadIn(state: DecisionState, id: number): LeadRef | undefined {
  return [
    ...state.threadLeads,
    ...state.simpleLeads,
    ...state.clients.flatMap((client) => client.openLeads),
  ].find((lead) => lead.id === id);
}

/** How the sender is shown on the message: `Name <contact>`, or whichever of the two is known. */
export function senderLabel(message: InboundMessage): string {
  const contact = message.identities[0]?.raw;
  const name = message.sender.name;
  if (name && contact) return `${name} <${contact}>`;
  return name ?? contact ?? 'unknown sender';
}

/** A lead's title when the message gives none: who wrote, and through which source. */
export function defaultTitle(message: InboundMessage): string {
  const who =
    message.sender.name ?? message.sender.company ?? message.identities[0]?.raw ?? 'unknown sender';
  return `${who} (${message.source})`;
}

/** What is kept with the message beside its text. */
export function messageMeta(message: InboundMessage): Record<string, unknown> {
  const meta: Record<string, unknown> = { ...message.meta };
  if (Object.keys(message.fields).length) meta.fields = message.fields;
  if (Object.keys(message.utm).length) meta.utm = message.utm;
  if (message.unrecognised.length) meta.unrecognised = message.unrecognised;
  if (message.review) meta.review = message.review;
  return meta;
}
