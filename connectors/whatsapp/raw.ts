/**
 * The WhatsApp channel's shapes: what an inbox row keeps of one message or status of a webhook
 * post, and what the worker's async step (media downloads) adds for the pure normaliser.
 */

/** One inbox row: a message or a status, with what the normaliser needs from around it. */
export interface WhatsAppRaw {
  kind: 'whatsapp';
  /** `value.metadata`: the business number the post is about. */
  metadata: { phone_number_id: string; display_phone_number?: string };
  /** The `value.contacts[]` entry of the message's sender (profile name, wa_id), if any. */
  contact?: unknown;
  /** A `value.messages[]` object exactly as Meta sent it… */
  message?: unknown;
  /** …or a `value.statuses[]` object. */
  status?: unknown;
  receivedAt: string;
}

/** A message's file after the worker tried to fetch it into the blob store. */
export interface FetchedMedia {
  mediaId: string;
  filename: string;
  contentType: string;
  /** As Graph reported it, or as downloaded. */
  size: number;
  /** Null when the content was not kept (`skipped` says why). */
  sha256: string | null;
  skipped?: string;
}

/** What `expand` hands the normaliser: the row, and the fetched file of a media message. */
export interface ExpandedWhatsApp extends WhatsAppRaw {
  media?: FetchedMedia;
}

/** WhatsApp's limit for one text message body. */
export const MAX_TEXT_LENGTH = 4096;

/** The inbox external id of a status: one row per message and status reached. */
export const statusExternalId = (wamid: string, status: string) => `status:${wamid}:${status}`;
