/**
 * Machine-made mail (auto-replies, bounces, loops) told apart by its headers, so it never
 * becomes a lead; a bounce also names the Message-ID of our message that failed.
 */
import type { ParsedMail, StructuredHeader } from 'mailparser';
import { LOOP_HEADER, type AutomatedVerdict, type ParsedAddress } from './parsed.ts';

const BOUNCE_SENDERS = new Set(['mailer-daemon', 'postmaster']);
const RETURNED_HEADER_TYPES = new Set([
  'text/rfc822-headers',
  'message/rfc822',
  'message/global',
  'message/global-headers',
]);
const RETURNED_MESSAGE_ID = /^Message-ID:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]+)>/im;

/** A header's decoded text; for a structured header (Content-Type) its value without parameters. */
function header(mail: ParsedMail, name: string): string | undefined {
  const value = mail.headers.get(name.toLowerCase());
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first.trim();
  return isStructured(first) ? first.value.trim() : undefined;
}

function isStructured(value: unknown): value is StructuredHeader {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { value?: unknown }).value === 'string' &&
    typeof (value as { params?: unknown }).params === 'object'
  );
}

/** `delivery-status` for a `multipart/report; report-type=delivery-status`; undefined otherwise. */
function reportType(mail: ParsedMail): string | undefined {
  const contentType = mail.headers.get('content-type');
  if (!isStructured(contentType) || contentType.value.toLowerCase() !== 'multipart/report')
    return undefined;
  return (contentType.params['report-type'] ?? 'unknown').toLowerCase();
}

/**
 * Why the message is machine-made, or null. Bounce signals come first because they carry the
 * Message-ID of the message that failed. `X-Auto-Response-Suppress` counts only as `All`:
 * narrower values ask the receiver not to auto-reply and Outlook and help desks set them on mail
 * people write (Discourse, osTicket and Redmine dropped it from auto-reply detection for that).
 */
export function automatedVerdict(
  mail: ParsedMail,
  eml: Buffer,
  from: ParsedAddress | null,
  inReplyTo: string | null,
): AutomatedVerdict | null {
  const report = reportType(mail);
  const localPart = from?.address.split('@')[0]?.toLowerCase() ?? '';
  const bounce = (reason: string): AutomatedVerdict => {
    const bounceOf = returnedMessageId(mail, eml) ?? inReplyTo;
    return bounceOf ? { reason, bounceOf } : { reason };
  };
  if (report === 'delivery-status') {
    // Only a failure bounces our message; "delayed" still may be delivered.
    const actions = deliveryActions(mail, eml);
    if (actions.length && !actions.includes('failed'))
      return { reason: `delivery status report (${[...new Set(actions)].join(', ')})` };
    return bounce('delivery status report');
  }
  if (report) return { reason: `${report} report` };
  if (BOUNCE_SENDERS.has(localPart)) return bounce(`sent by ${localPart}`);
  if (mail.headers.has(LOOP_HEADER.toLowerCase()))
    return { reason: `mail loop: sent by Leadwire (${LOOP_HEADER})` };
  const autoSubmitted = header(mail, 'Auto-Submitted')?.split(';')[0]?.trim();
  if (autoSubmitted && autoSubmitted.toLowerCase() !== 'no')
    return { reason: `Auto-Submitted: ${autoSubmitted}` };
  for (const name of ['X-Autoreply', 'X-Autorespond']) {
    const value = header(mail, name);
    if (value && !/^(?:no|false|0)$/i.test(value)) return { reason: `${name}: ${value}` };
  }
  // Exchange marks its own automatic mail `All`; a narrower list (`OOF, AutoReply`) only asks
  // us not to auto-reply and also rides on mail people write, so it is not a signal.
  const suppress = header(mail, 'X-Auto-Response-Suppress');
  if (suppress && /(^|[\s,])all($|[\s,])/i.test(suppress))
    return { reason: `X-Auto-Response-Suppress: ${suppress}` };
  const precedence = header(mail, 'Precedence');
  if (precedence && /^(?:bulk|junk|list|auto_reply)$/i.test(precedence))
    return { reason: `Precedence: ${precedence}` };
  return null;
}

/**
 * The `Action:` fields of a delivery status report (failed, delayed, delivered, …), read from the
 * raw message: mailparser does not always surface the message/delivery-status part.
 */
function deliveryActions(mail: ParsedMail, eml: Buffer): string[] {
  const part = mail.attachments.find(
    (a) => a.contentType.toLowerCase() === 'message/delivery-status',
  );
  const text = part?.content.toString('utf8') ?? eml.toString('latin1');
  return [...text.matchAll(/^Action:[ \t]*([a-z]+)/gim)].map((match) =>
    (match[1] ?? '').toLowerCase(),
  );
}

/** The Message-ID in the headers a bounce returns: its own part first, else the raw body. */
function returnedMessageId(mail: ParsedMail, eml: Buffer): string | undefined {
  for (const part of mail.attachments) {
    if (!RETURNED_HEADER_TYPES.has(part.contentType.toLowerCase())) continue;
    const found = RETURNED_MESSAGE_ID.exec(part.content.toString('utf8'))?.[1];
    if (found) return found;
  }
  // mailparser reads an embedded message/rfc822 as part of the body, and old bounces are plain
  // text: look for the header line in the body (latin1 keeps every byte, the header is ASCII).
  const raw = eml.toString('latin1');
  const bodyStart = raw.search(/\r?\n\r?\n/);
  return bodyStart < 0 ? undefined : RETURNED_MESSAGE_ID.exec(raw.slice(bodyStart))?.[1];
}
