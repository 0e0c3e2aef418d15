/**
 * An email after mailparser, as plain JSON: what the worker's parse step (parse.ts) produces from
 * the stored .eml and the pure normaliser (normalise.ts) turns into an InboundMessage. Attachment
 * contents are already in the blob store; only their references are here.
 */
export interface ParsedAddress {
  /** As written, e.g. `Ana.Perez@Example.com`. */
  address: string;
  name?: string;
}

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  size: number;
  /** Null when the content was not kept (see `skipped`). */
  sha256: string | null;
  skipped?: string;
  /** An inline part (a `cid:` image of the HTML body). */
  inline?: boolean;
  /** The part's Content-ID without angle brackets: what `cid:` links in the HTML point at. */
  cid?: string;
}

/**
 * Who From is when it is not a person: a no-reply or system sender, a form mailer the channel
 * lists in `humanSenders`, or one of the channel's own addresses (a website sending as the shop).
 * Reply-To then names the customer, and From is not one of the customer's identities.
 */
export type FromRole = 'no-reply' | 'form-mailer' | 'own-address';

/** Why a message is machine-made and must never become a lead (decision table row 1). */
export interface AutomatedVerdict {
  /** e.g. `Auto-Submitted: auto-replied`, `delivery status report`, `sent by mailer-daemon`. */
  reason: string;
  /** For a bounce: the Message-ID of the message that could not be delivered. */
  bounceOf?: string;
}

export interface ParsedEmail {
  /** Without angle brackets; a stable hash-based id when the message has none. */
  messageId: string;
  from: ParsedAddress | null;
  /** Absent when From is a person. */
  fromRole?: FromRole;
  replyTo: ParsedAddress | null;
  to: ParsedAddress[];
  cc: ParsedAddress[];
  /** Decoded from any charset. */
  subject: string;
  /** The Date header, ISO 8601; null when missing or unparsable. */
  date: string | null;
  inReplyTo: string | null;
  /** Message-IDs of the References header, oldest first, without angle brackets. */
  references: string[];
  /** The whole plain-text body (from the HTML when there is no text part). */
  text: string;
  /** The customer's new words only: quoted history and signatures stripped, for the chat view. */
  reply: string;
  /** Sanitised HTML (no scripts, no event handlers, no remote loads); null when there is none. */
  html: string | null;
  attachments: ParsedAttachment[];
  automated: AutomatedVerdict | null;
  /** Set when only the headers were fetched (the message was over the size limit). */
  truncated?: { size: number; limit: number };
}

/** The inbox row of an email: where it came from, and the .eml in the blob store. */
export interface EmailRaw {
  kind: 'email';
  folder: string;
  uidValidity: number;
  uid: number;
  /** The size the server reported. */
  size: number;
  /** SHA-256 of the stored .eml (headers only when `truncated`). */
  blob: string;
  /** Set when the message was over the limit: only its headers were stored. */
  truncated?: { limit: number };
  receivedAt: string;
  /** The connector's reading of the .eml, when it made one (see carried-parse.ts). */
  parsed?: ParsedEmail;
  /** What that reading was made with: the worker uses it only if it would read it the same. */
  parsedFor?: ParsedFor;
}

/** Everything besides the .eml that a reading (parse.ts) depends on. */
export interface ParsedFor {
  /** PARSER_FINGERPRINT of carried-parse.ts: the parser's code and libraries. */
  parser: string;
  humanSenders: string[];
  ownIdentityKeys: string[];
  maxAttachmentBytes: number;
}

/** Our own loop header: mail carrying it was sent by Leadwire and must never become a lead. */
export const LOOP_HEADER = 'X-Leadwire-Loop';
