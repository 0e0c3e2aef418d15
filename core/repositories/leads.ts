/** Leads, their conversation (messages in and out) and the stages they move through. */
import type { Identity } from '../identities.ts';
import type { ChannelKind, DeliveryStatus, Source } from '../inbound.ts';
import type { LeadType } from '../lead-decision.ts';
import type { RecordScope } from '../permissions.ts';
import type { ActivityRecord } from './activities.ts';
import type { AttachmentRecord } from './attachments.ts';
import type { ChannelRecord } from './channels.ts';
import type { ClientDetail } from './clients.ts';
import type { DealRecord, NewDeal } from './deals.ts';
import type { ChangeContext, TimelineEntry } from './timeline.ts';

export interface LeadRecord {
  id: number;
  type: LeadType;
  stage: string;
  /** Denormalised from the stage's semantics: still in progress. */
  open: boolean;
  source: string;
  channelId: number;
  clientId: number | null;
  responsibleId: number | null;
  title: string;
  name: string | null;
  company: string | null;
  fields: Record<string, string>;
  utm: Record<string, string>;
  /** Values of the custom fields defined for leads (core/custom-fields.ts). */
  custom: Record<string, unknown>;
  duplicateOfLeadId: number | null;
  /** Why a person should look at this lead before trusting it. */
  review: string | null;
  /** A junk lead's reason (a code of the junk reasons). */
  junkReason: string | null;
  /** Why nobody was assigned automatically (`capacity`: everyone in the queue was full). */
  unassigned: string | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

export type Delivery = 'queued' | DeliveryStatus;

export interface MessageRecord {
  id: number;
  leadId: number;
  channelId: number;
  direction: 'in' | 'out' | 'system';
  externalId: string;
  inboxId: number | null;
  sender: string | null;
  text: string;
  sentAt: Date;
  /** What came with the message beside its text (form fields, UTM, channel details). */
  meta: Record<string, unknown>;
  /** Outbound only. */
  delivery: Delivery | null;
  createdAt: Date;
}

export type IdentityView = Pick<Identity, 'kind' | 'key' | 'raw'>;

/** The lead with its client, identities, the whole conversation in sent-at order, and activities. */
export interface LeadDetail extends LeadRecord {
  client: ClientDetail | null;
  identities: IdentityView[];
  messages: (MessageRecord & { attachments: AttachmentRecord[] })[];
  activities: ActivityRecord[];
  notes: NoteRecord[];
  deals: DealRecord[];
  timeline: TimelineEntry[];
  /** The lead it was merged into (core/merge.ts): set while the merge stands. */
  mergedIntoId?: number | null;
}

/** A lead list an operator named: the list's query string (`view=mine&stage=NEW`). */
export interface SavedFilter {
  id: number;
  name: string;
  query: string;
  createdAt: Date;
}

export interface NoteRecord {
  id: number;
  leadId: number;
  authorId: number | null;
  text: string;
  createdAt: Date;
}

export const LEAD_SORTS = ['newest', 'oldest', 'updated'] as const;
export type LeadSort = (typeof LEAD_SORTS)[number];

export interface LeadFilter {
  /** Words to find in the lead's name, title, company and message text (full-text search). */
  q?: string | undefined;
  type?: LeadType | undefined;
  stage?: string | undefined;
  source?: Source | string | undefined;
  clientId?: number | undefined;
  review?: boolean | undefined;
  responsibleId?: number | undefined;
  /** Only leads nobody is responsible for (true), or only assigned ones (false). */
  unassigned?: boolean | undefined;
  /** Leads whose responsible is in one of these departments (the department and those under it). */
  departmentIds?: number[] | undefined;
  channelId?: number | undefined;
  open?: boolean | undefined;
  /** Canonical identity keys: leads of the people owning any of them (the lead's or its client's). */
  identityKeys?: string[] | undefined;
  /** Custom field values the lead must have (canonical, core/custom-fields.ts filterValue). */
  custom?: { key: string; value: string | number | boolean }[] | undefined;
  createdFrom?: Date | undefined;
  createdTo?: Date | undefined;
  sort?: LeadSort | undefined;
  limit: number;
  /** Opaque: the `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/** What an operator changes on a lead (PATCH /api/v1/leads/:id). */
export interface LeadPatch {
  stage?: string | undefined;
  responsibleId?: number | null | undefined;
  /** With a failure stage (default: the first one): the junk reason's code. */
  junkReason?: string | undefined;
  title?: string | undefined;
  name?: string | null | undefined;
  company?: string | null | undefined;
  /** The lead's custom values after the change (checked by core/custom-fields.ts). */
  custom?: Record<string, unknown> | undefined;
}

export type LeadProblem = 'no-lead' | 'no-stage' | 'no-user' | 'no-junk-reason' | 'closed';

export type LeadWrite = { ok: true; lead: LeadRecord } | { ok: false; problem: LeadProblem };

/** What conversion needs to know of a lead, read under its locks. */
export interface ConversionFacts {
  lead: LeadRecord;
  /** The lead's own identities (a simple lead's; a repeat lead's are its client's). */
  identities: IdentityView[];
  /** Clients owning one of those identities: conversion offers them instead of a second client. */
  candidates: ClientDetail[];
  /** The stage conversion moves the lead to (the first success stage). */
  successStage: string;
}

/** What a conversion writes, decided by core/conversion.ts from the facts. */
export interface ConversionPlan {
  /** An existing client the lead (and its identities) goes to. */
  clientId: number | null;
  /** A company to create (the contact's company, or the client itself when no contact). */
  company: { name: string; responsibleId: number | null } | null;
  /** A contact to create; its company is the company created or `companyId`. */
  contact: { name: string; responsibleId: number | null; companyId: number | null } | null;
  deal: (NewDeal & { title: string }) | null;
  /** Move the lead's identities to the client (simple leads). */
  moveIdentities: boolean;
}

export type ConversionDecision =
  | { ok: true; plan: ConversionPlan }
  | { ok: false; problem: string; message: string; candidates?: ClientDetail[] };

export interface ConversionResult {
  lead: LeadRecord;
  /** The client the lead now belongs to (created or chosen); null for a deal without a client. */
  clientId: number | null;
  /** Clients and deal this conversion created. */
  companyId: number | null;
  contactId: number | null;
  dealId: number | null;
}
export interface NewOutbound {
  leadId: number;
  channelId: number;
  externalId: string;
  sender: string;
  text: string;
  meta: Record<string, unknown>;
  at: Date;
}

export interface LeadRepository {
  list(
    filter: LeadFilter,
    scope: RecordScope,
  ): Promise<{ leads: LeadRecord[]; nextCursor: string | null }>;
  /** Undefined when missing or out of `scope`. */
  get(id: number, scope: RecordScope): Promise<LeadDetail | undefined>;
  /** The lead alone, when it exists and is in `scope`. */
  find(id: number, scope: RecordScope): Promise<LeadRecord | undefined>;
  exists(id: number): Promise<boolean>;
  /**
   * The identities of each of these leads within `scope`, in one read: a repeat lead's are its
   * client's, a simple lead's its own (what a page of an export shows).
   */
  identitiesOf(ids: number[], scope: RecordScope): Promise<Map<number, IdentityView[]>>;
  /** How many leads in `scope` match `filter`, per stage (the board's column counts). */
  countByStage(
    filter: Omit<LeadFilter, 'limit' | 'cursor' | 'sort'>,
    scope: RecordScope,
  ): Promise<Record<string, number>>;
  /** Those of `ids` that are leads within `scope` (what a live stream may tell its viewer of). */
  visible(ids: number[], scope: RecordScope): Promise<number[]>;
  /**
   * Changes what is given; a success or failure stage closes the lead (a new message then starts
   * a new lead). Each change goes on the timeline (before and after) with its events
   * (`lead.updated`, `lead.stage_changed`, `lead.assigned`) in the same transaction.
   */
  update(
    id: number,
    patch: LeadPatch,
    context: ChangeContext,
    scope: RecordScope,
  ): Promise<LeadWrite>;
  /**
   * Converts the lead: reads its facts under its locks (its identity keys on PostgreSQL, the
   * write lock on SQLite), asks `decide`, and writes the plan in the same transaction: clients,
   * deal, identities moved, the lead on its success stage and closed, timeline and events.
   */
  convert(
    id: number,
    scope: RecordScope,
    decide: (facts: ConversionFacts) => ConversionDecision,
    context: ChangeContext,
  ): Promise<
    | { ok: true; result: ConversionResult }
    | Exclude<ConversionDecision, { ok: true }>
    | { ok: false; problem: 'no-lead'; message: string }
  >;
  addNote(
    leadId: number,
    text: string,
    context: ChangeContext,
    scope: RecordScope,
  ): Promise<NoteRecord | undefined>;
  junkReasons(): Promise<{ code: string; name: string; sort: number }[]>;

  /**
   * Records that `userId` has seen the lead as it was at `at` (its `updatedAt`): a change after
   * that makes it unread again. A mark never moves back.
   */
  markRead(userId: number, leadId: number, at: Date): Promise<void>;
  /** When `userId` last opened each of `leadIds`; a lead they never opened is missing. */
  readsOf(userId: number, leadIds: number[]): Promise<Map<number, Date>>;
  /** The user's saved lead filters, by name. */
  savedFilters(userId: number): Promise<SavedFilter[]>;
  /** Saves a filter; one of the same name is replaced. */
  saveFilter(userId: number, name: string, query: string, at: Date): Promise<SavedFilter>;
  /** False when the user has no such filter. */
  deleteFilter(userId: number, id: number): Promise<boolean>;

  /** The newest inbound message on the lead from a channel of one of `kinds`: what a reply answers. */
  lastInboundOn(
    leadId: number,
    kinds: ChannelKind[],
  ): Promise<{ message: MessageRecord; channel: ChannelRecord } | undefined>;
  /**
   * Stores an operator's reply as `queued` and touches its lead. Undefined when the channel
   * already has a message with this external id (a greeting sent before): nothing was stored.
   */
  addOutbound(message: NewOutbound): Promise<MessageRecord | undefined>;
  message(id: number): Promise<MessageRecord | undefined>;
  /**
   * How sending ended, for a reply still queued; `extra` is merged into its meta. `externalId`
   * is the id the channel gave the message (a WhatsApp wamid): its statuses are matched by it.
   */
  setDelivery(
    id: number,
    delivery: Exclude<Delivery, 'queued'>,
    extra: Record<string, unknown>,
    externalId?: string,
  ): Promise<void>;
  /**
   * Replaces a message's meta (the parts of a split reply already sent) and, when given, its
   * external id (the id the channel gave it).
   */
  setMeta(id: number, meta: Record<string, unknown>, externalId?: string): Promise<void>;
  /** Replies still queued that were stored before `before`: the reconciler gives each its job. */
  queuedBefore(before: Date, limit: number): Promise<number[]>;
  /** A failed reply back to `queued`, so its retried job sends it. */
  requeueReply(id: number): Promise<boolean>;
  /** Replies by delivery status. */
  replyCounts(): Promise<Record<string, number>>;
}
