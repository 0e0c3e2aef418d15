/** What a reply to an email thread looks like: recipient, subject with the lead token, threading ids, sender name. */
import type { ReplyOperator } from '../../core/channel.ts';
import { normaliseEmail } from '../../core/identities.ts';

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
  /** The address the sender's identity came from (a valid Reply-To, else From). */
  replyAddress?: string | null;
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
  // Only ever the address the lead knows the customer by: a Reply-To that was not valid (or
  // smuggled several addresses) was not taken as the customer, so it is not answered either.
  const to = email.replyAddress;
  if (!to || !normaliseEmail(to).ok) return undefined;
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

/**
 * The display name of a reply's From (the address is always the mailbox's). With `operator`,
 * "Ana García (Acme Support)": the inbox list shows only this name, so the customer sees a person
 * answering and still recognises the company they wrote to, whichever colleague answers next;
 * the operator's name alone when the mailbox has no name. An integration's key name is not a
 * person's, so its replies keep the mailbox's name.
 */
export function replyFromName(
  smtp: { fromName?: string | undefined; replyFromName?: 'channel' | 'operator' | undefined },
  operator: ReplyOperator | undefined,
): string | undefined {
  const mailbox = smtp.fromName?.trim() || undefined;
  const person = operator?.userId != null ? operator.name.trim() : '';
  if (smtp.replyFromName !== 'operator' || !person) return mailbox;
  return mailbox ? `${person} (${mailbox})` : person;
}
