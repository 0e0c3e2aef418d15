/** Leads, their conversation (messages in and out) and the stages they move through. */
import type { Identity } from '../identities.ts';
import type { ChannelKind, DeliveryStatus, Source } from '../inbound.ts';
import type { LeadType } from '../lead-decision.ts';
import type { Stage } from '../stages.ts';
import type { ActivityRecord } from './activities.ts';
import type { AttachmentRecord } from './attachments.ts';
import type { ChannelRecord } from './channels.ts';
import type { ClientDetail } from './clients.ts';

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
  duplicateOfLeadId: number | null;
  /** Why a person should look at this lead before trusting it. */
  review: string | null;
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
}

export interface LeadFilter {
  type?: LeadType | undefined;
  stage?: string | undefined;
  source?: Source | string | undefined;
  clientId?: number | undefined;
  review?: boolean | undefined;
  limit: number;
  /** Id of the last lead of the previous page (leads come newest first). */
  cursor?: number | undefined;
}

export type StageChange = { ok: true } | { ok: false; reason: 'no-lead' | 'no-stage' };

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
  list(filter: LeadFilter): Promise<{ leads: LeadRecord[]; nextCursor: string | null }>;
  get(id: number): Promise<LeadDetail | undefined>;
  exists(id: number): Promise<boolean>;
  /** Moves a lead; a success or failure stage closes it (a new message then starts a new lead). */
  setStage(id: number, code: string, at: Date): Promise<StageChange>;
  stages(): Promise<Stage[]>;

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
