/**
 * Machine-made mail (bounces, auto-replies, loops, list and bulk mail, system notifications) told
 * apart by its headers, sender and subject, so it never becomes a lead; a bounce also names the
 * Message-ID of our message that failed. The rules themselves are data in the files beside this.
 */
import type { ParsedMail, StructuredHeader } from 'mailparser';
import { AUTO_REPLY_HEADERS, AUTO_REPLY_SUBJECTS, NOTES_AUTO_SUBJECT } from './auto-reply.ts';
import { BOUNCE_DISPLAY_NAMES, BOUNCE_LOCAL_PARTS, BOUNCE_SUBJECTS } from './bounce-senders.ts';
import { LIST_HEADERS, LIST_SENDER_HEADERS, LIST_SENDERS } from './list-headers.ts';
import { isListedSender, localPartOf, machineSenderRule } from './no-reply-senders.ts';
import { LOOP_HEADER, type AutomatedVerdict, type ParsedAddress } from './parsed.ts';
import { returnedMessageId } from './returned-message.ts';

export interface AutomatedInput {
  mail: ParsedMail;
  /** The stored .eml as it is: bounces are read from its raw bytes. */
  eml: Buffer;
  from: ParsedAddress | null;
  replyTo: ParsedAddress | null;
  inReplyTo: string | null;
  /** The channel's senders whose mail is people's words (see `humanSenders` in config.ts). */
  humanSenders: readonly string[];
}

/**
 * Why the message is machine-made, or null. First what the message itself says it is (a report,
 * a bounce, our own loop, an auto-reply: bounces first, as they name the failed Message-ID), then
 * how it was distributed (a list or bulk platform, a no-reply sender). Only the second kind can
 * be lifted per channel, in `humanSenders`: a list by naming its address (a Google Group used as
 * the shared sales address), a no-reply sender by naming it (a website's form mailer).
 */
export function automatedVerdict(input: AutomatedInput): AutomatedVerdict | null {
  return madeByMachine(input) ?? sentThroughList(input) ?? sentByNoReply(input);
}

function madeByMachine(input: AutomatedInput): AutomatedVerdict | null {
  const { mail, from } = input;
  const bounce = (reason: string): AutomatedVerdict => {
    const bounceOf = returnedMessageId(mail, input.eml) ?? input.inReplyTo;
    return bounceOf ? { reason, bounceOf } : { reason };
  };
  const report = reportType(mail);
  if (report === 'delivery-status') {
    // Only a failure bounces our message; "delayed" still may be delivered.
    const actions = deliveryActions(mail, input.eml);
    if (actions.length && !actions.includes('failed'))
      return { reason: `delivery status report (${[...new Set(actions)].join(', ')})` };
    return bounce('delivery status report');
  }
  if (report) return { reason: `${report} report` };
  const bounceSender = from ? bounceSenderOf(from) : undefined;
  if (bounceSender) return bounce(`sent by ${bounceSender}`);
  if (mail.headers.has(LOOP_HEADER.toLowerCase()))
    return { reason: `mail loop: sent by Leadwire (${LOOP_HEADER})` };
  // RFC 3834 §3.3: auto-replies SHOULD be sent with a null return path, as bounces are; so a
  // null Return-Path says "a machine", and only the subject of a bounce says "a bounce".
  const nullReturnPath = hasNullReturnPath(mail);
  const subject = (mail.subject ?? '').trim();
  if (nullReturnPath && BOUNCE_SUBJECTS.some((rule) => rule.subject.test(subject)))
    return bounce('bounce from a null Return-Path');
  for (const rule of AUTO_REPLY_HEADERS) {
    const value = header(mail, rule.header);
    if (value !== undefined && rule.marks(value))
      return { reason: `${rule.header}: ${value.split(';')[0]?.trim()}` };
  }
  const phrase = autoReplySubject(subject);
  if (phrase) return { reason: `auto-reply subject "${phrase}"` };
  if (nullReturnPath) return { reason: 'null Return-Path (<>)' };
  return null;
}

function sentThroughList(input: AutomatedInput): AutomatedVerdict | null {
  const { mail } = input;
  if (listedAsHuman(input)) return null;
  const listHeader = LIST_HEADERS.find((rule) => rawHeaderLine(mail, rule.header) !== undefined);
  if (listHeader) return { reason: `mailing list (${listHeader.header})` };
  for (const name of LIST_SENDER_HEADERS) {
    const address = addressIn(mail, name);
    const local = address ? localPartOf(address) : '';
    if (local && LIST_SENDERS.some((rule) => rule.localPart.test(local)))
      return { reason: `mailing list (${name}: ${address})` };
  }
  const precedence = header(mail, 'Precedence');
  if (precedence && /^(?:bulk|junk|list)$/i.test(precedence))
    return { reason: `Precedence: ${precedence}` };
  return null;
}

function sentByNoReply({ from, replyTo, humanSenders }: AutomatedInput): AutomatedVerdict | null {
  if (!from || !machineSenderRule(from.address) || isListedSender(from.address, humanSenders))
    return null;
  if (replyTo && isPerson(replyTo, from)) return null;
  return { reason: `sent from a no-reply address (${from.address}) with no Reply-To to answer` };
}

/** A Reply-To that names someone to answer: another address, and not a machine one itself. */
function isPerson(replyTo: ParsedAddress, from: ParsedAddress): boolean {
  const other = replyTo.address.trim().toLowerCase() !== from.address.trim().toLowerCase();
  return other && replyTo.address.includes('@') && !machineSenderRule(replyTo.address);
}

/** The channel names the list (its Sender or List-Post address) or the sender as people's mail. */
function listedAsHuman({ mail, from, humanSenders }: AutomatedInput): boolean {
  if (!humanSenders.length) return false;
  const post = /<mailto:([^>?\s]+)/i.exec(rawHeaderLine(mail, 'List-Post') ?? '')?.[1];
  return [from?.address, addressIn(mail, 'Sender'), post].some(
    (address) => address !== undefined && isListedSender(address, humanSenders),
  );
}

function bounceSenderOf(from: ParsedAddress): string | undefined {
  const local = localPartOf(from.address).replace(/[-_.]/g, '');
  if (BOUNCE_LOCAL_PARTS.some((rule) => rule.localPart === local)) return from.address;
  const name = from.name?.trim().toLowerCase();
  const named = BOUNCE_DISPLAY_NAMES.find((rule) => rule.name.toLowerCase() === name);
  return named ? `"${named.name}"` : undefined;
}

/** Accents and case do not count: "Reponse automatique" is "Réponse automatique". */
const fold = (text: string) =>
  text.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase();
const FOLDED_PHRASES = AUTO_REPLY_SUBJECTS.map((rule) => ({ ...rule, folded: fold(rule.phrase) }));
// Gateways tag incoming mail before anyone reads it: `[EXTERNAL]`, `[SPAM]`.
const GATEWAY_TAGS = /^(?:\s*\[[^\]]{1,40}\])+\s*/;
const AFTER_PHRASE = /^(?:\s*[:：]|\s*$|\s+[-–—(])/;

/** The auto-reply phrase the subject starts with, or undefined. */
export function autoReplySubject(subject: string): string | undefined {
  const bare = subject.trim().replace(GATEWAY_TAGS, '');
  if (NOTES_AUTO_SUBJECT.test(bare)) return 'AUTO:';
  const folded = fold(bare);
  // Longest first, so "Out of Office AutoReply" is named rather than "Out of Office".
  const found = FOLDED_PHRASES.filter(
    (rule) => folded.startsWith(rule.folded) && AFTER_PHRASE.test(folded.slice(rule.folded.length)),
  ).sort((a, b) => b.folded.length - a.folded.length)[0];
  return found?.phrase;
}

function hasNullReturnPath(mail: ParsedMail): boolean {
  const line = rawHeaderLine(mail, 'Return-Path');
  return line !== undefined && /^<\s*>$/.test(line);
}

/** A header's decoded text; for a structured header (Content-Type) its value without parameters. */
function header(mail: ParsedMail, name: string): string | undefined {
  const value = mail.headers.get(name.toLowerCase());
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first.trim();
  return isStructured(first) ? first.value.trim() : undefined;
}

/** The first raw value of a header, unfolded (mailparser merges List-* headers into one object). */
function rawHeaderLine(mail: ParsedMail, name: string): string | undefined {
  const key = name.toLowerCase();
  const line = mail.headerLines.find((entry) => entry.key === key)?.line;
  if (line === undefined) return undefined;
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

/** The address in an address header (From, Sender) or a plain one (Errors-To). */
function addressIn(mail: ParsedMail, name: string): string | undefined {
  const value = mail.headers.get(name.toLowerCase());
  if (value && typeof value === 'object' && 'value' in value && Array.isArray(value.value))
    return (value.value as { address?: string }[]).find((entry) => entry.address)?.address;
  const raw = rawHeaderLine(mail, name);
  return /<([^<>\s]+@[^<>\s]+)>/.exec(raw ?? '')?.[1] ?? /^[^<>\s]+@[^<>\s]+$/.exec(raw ?? '')?.[0];
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
