/** The normalised inbound message every connector produces and the ingest worker consumes. */
import type { Identity } from './identities.ts';

export const SOURCES = [
  'EMAIL',
  'TELEGRAM',
  'WHATSAPP',
  'WEBFORM',
  'CALLBACK',
  'API',
  'MANUAL',
  'IMPORT',
] as const;
export type Source = (typeof SOURCES)[number];

export const CHANNEL_KINDS = [
  'email',
  'telegram',
  'whatsapp',
  'webform',
  'callback',
  'api',
] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/**
 * A customer message after its connector's `normalise` step: plain data, no I/O handles.
 * Everything the lead decision needs to know about the message itself is here.
 */
export interface InboundMessage {
  /** Stable per channel (email Message-ID, Telegram update id, Idempotency-Key, …). */
  externalId: string;
  source: Source;
  sentAt: Date;
  /** Identities we can recognise and answer the sender on, already canonical and de-duplicated. */
  identities: Identity[];
  /** Values the sender gave that are not identities (an invalid phone kept as text). */
  unrecognised: { kind: string; raw: string; reason: string }[];
  /** External ids of earlier messages this one answers (email In-Reply-To/References). */
  threadRefs: string[];
  /** A lead id found in a subject token like `[#L42]`. */
  leadToken?: number;
  /**
   * Set when the message is machine-made (auto-reply, bounce, loop, a delivery status); it never
   * becomes a lead. `delivery` reports what became of one of our replies (a bounce, a WhatsApp
   * status).
   */
  automated?: { reason: string; delivery?: DeliveryReport };
  sender: { name?: string; company?: string };
  title?: string;
  text: string;
  fields: Record<string, string>;
  utm: Record<string, string>;
  /** Files that came with the message, already in the blob store (or noted as not kept). */
  attachments?: AttachmentRef[];
  /** The customer asked to be called back: the lead gets a call activity due at this time. */
  callback?: CallbackRequest;
  /** Channel details shown with the message (form, page visited, consent given). */
  meta?: Record<string, unknown>;
  /**
   * The sender can (no longer) be answered on this identity: a Telegram user who blocked the bot,
   * or unblocked it. Kept per channel; replies check it.
   */
  reachability?: {
    identityKey: string;
    reachable: boolean;
    reason: string;
    /** When the change happened at the source: an older change never overrides a newer one. */
    at?: Date;
  };
  /** Set when a person should check the lead before trusting it (e.g. a form over its daily cap). */
  review?: string;
  /**
   * What to do when the sender already has an open lead (an import's duplicate mode): `append`
   * to it (the default), `skip` the message (the inbox row ends as a duplicate of the lead it
   * would have joined), or open a `new-lead` linked to it as a possible duplicate.
   */
  whenOpen?: WhenOpen;
  /** A new lead goes to this user (an imported row's responsible), not to the channel's queue. */
  assignTo?: number;
  /** Custom field values of a new lead, in canonical form (an imported row's), checked again. */
  custom?: Record<string, unknown>;
}

export const WHEN_OPEN = ['append', 'skip', 'new-lead'] as const;
export type WhenOpen = (typeof WHEN_OPEN)[number];

/** How far one of our replies got, as the channel reports it. */
export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered';

export interface DeliveryReport {
  /** The external id of our outbound message (the Message-ID we sent, the WhatsApp wamid). */
  of: string;
  status: DeliveryStatus;
  /** Why it failed, as the channel said it. */
  error?: string;
}

export interface AttachmentRef {
  filename: string;
  contentType: string;
  size: number;
  /** Hex SHA-256: the content's name in the blob store; null when the content was not kept. */
  sha256: string | null;
  /** Why the content was not kept (over the size limit, too many files). */
  skipped?: string;
}

export interface CallbackRequest {
  /** The phone identity to call, e.g. `phone:+34600123456`. */
  identityKey: string;
  /** The number as shown to an operator, e.g. `+34 600 12 34 56`. */
  display: string;
  dueAt: Date;
  /** What the customer was told, e.g. "within 15 minutes". */
  promise: string;
  widget: string;
  name?: string;
  comment?: string;
}
