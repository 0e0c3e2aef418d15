/** What a reply to an email thread looks like: recipient, subject with the lead token, threading ids. */

export interface EmailReplyMeta {
  to: string;
  subject: string;
  /** Without angle brackets. */
  inReplyTo: string | null;
  references: string[];
}

interface InboundEmailMeta {
  messageId?: string;
  subject?: string;
  from?: { address?: string } | null;
  replyTo?: { address?: string } | null;
  references?: string[];
}

const PREFIXES = /^\s*((re|fwd?|aw|wg|sv|rv|отв|пересл)\s*(\[\d+\])?\s*:\s*)+/i;
const TOKEN = /\s*\[#L\d+\]/g;

/** `Re: <the customer's subject> [#L42]`, never `Re: Re:` and never two tokens. */
export function replySubject(subject: string | undefined, leadId: number): string {
  const bare = (subject ?? '').replace(TOKEN, '').replace(PREFIXES, '').trim();
  return `Re: ${bare || 'your message'} [#L${leadId}]`;
}

export function composeReply(
  inbound: { externalId: string; meta: Record<string, unknown> },
  leadId: number,
): EmailReplyMeta | undefined {
  const email = (inbound.meta.email ?? {}) as InboundEmailMeta;
  const to = email.replyTo?.address ?? email.from?.address;
  if (!to) return undefined;
  const id = email.messageId ?? inbound.externalId;
  return {
    to,
    subject: replySubject(email.subject, leadId),
    inReplyTo: id,
    references: [...new Set([...(email.references ?? []), id])].slice(-20),
  };
}

/** Our Message-ID for a reply: unique, and in our own domain so a bounce can be recognised. */
export function newMessageId(from: string, unique: string): string {
  const domain = from.split('@')[1] ?? 'leadwire.invalid';
  return `lw.${unique}@${domain}`;
}
