/**
 * A stored .eml → ParsedEmail: decoded from any charset, HTML sanitised, attachments kept in the
 * blob store, quoted history cut for the chat view, and machine-made mail told apart.
 */
import { createHash } from 'node:crypto';
import { convert } from 'html-to-text';
import {
  simpleParser,
  type AddressObject,
  type Attachment,
  type ParsedMail,
  type StructuredHeader,
} from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { MalformedInputError } from '../../core/errors.ts';
import {
  LOOP_HEADER,
  type AutomatedVerdict,
  type ParsedAddress,
  type ParsedAttachment,
  type ParsedEmail,
} from './parsed.ts';
import { extractReply, isForwardSubject } from './reply.ts';

export interface ParseEmailOptions {
  /** Keeps one attachment's content (in the blob store) and returns its hex SHA-256. */
  storeAttachment(content: Buffer): Promise<string>;
  /** An attachment larger than this (decoded) is listed with `sha256: null`, not stored. */
  maxAttachmentBytes: number;
  /**
   * Set when `eml` holds only the headers of a message over the size limit: the text becomes a
   * note saying so, so that the message still reaches its lead.
   */
  truncated?: { size: number; limit: number };
}

const SANITISE: sanitizeHtml.IOptions = {
  allowedTags: [
    ...['p', 'br', 'div', 'span', 'hr', 'blockquote', 'pre', 'code', 'center'],
    ...['b', 'strong', 'i', 'em', 'u', 's', 'strike', 'del', 'sub', 'sup', 'small', 'font'],
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'dl', 'dt', 'dd'],
    ...['table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'a', 'img'],
  ],
  allowedAttributes: {
    a: ['href', 'title'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    td: ['colspan', 'rowspan'],
    th: ['colspan', 'rowspan'],
    ol: ['start'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  // Images only from the message itself: a remote image is a tracking pixel or a leak.
  allowedSchemesByTag: { img: ['data', 'cid'] },
  allowProtocolRelative: false,
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title'],
  exclusiveFilter: (frame) =>
    frame.tag === 'img' && !/^(?:cid:|data:image\/)/i.test(frame.attribs.src ?? ''),
};

const BOUNCE_SENDERS = new Set(['mailer-daemon', 'postmaster']);
const RETURNED_HEADER_TYPES = new Set([
  'text/rfc822-headers',
  'message/rfc822',
  'message/global',
  'message/global-headers',
]);
const RETURNED_MESSAGE_ID = /^Message-ID:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]+)>/im;

export async function parseEmail(eml: Buffer, options: ParseEmailOptions): Promise<ParsedEmail> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(eml, {
      skipImageLinks: true,
      skipTextToHtml: true,
      skipHtmlToText: true,
    });
  } catch (error) {
    throw new MalformedInputError(`the stored .eml cannot be parsed: ${String(error)}`);
  }
  const from = firstAddress(mail.from);
  const html = mail.html ? sanitizeHtml(mail.html, SANITISE).trim() || null : null;
  const subject = (mail.subject ?? '').trim();
  const inReplyTo = messageIds(mail.inReplyTo)[0] ?? null;
  const automated = automatedVerdict(mail, eml, from, inReplyTo);
  let text = (mail.text ?? '').replace(/\r\n?/g, '\n').trim() || (html ? htmlToText(html) : '');
  if (options.truncated)
    text = [truncatedNote(options.truncated), text].filter(Boolean).join('\n\n');
  return {
    messageId: messageIds(mail.messageId)[0] ?? syntheticMessageId(eml),
    from,
    replyTo: firstAddress(mail.replyTo),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    subject,
    date: dateHeader(mail),
    inReplyTo,
    references: [...new Set(messageIds(mail.references))],
    text,
    reply: options.truncated ? text : extractReply(text, { forwarded: isForwardSubject(subject) }),
    html,
    attachments: await keepAttachments(mail, automated, options),
    automated,
    ...(options.truncated ? { truncated: options.truncated } : {}),
  };
}

/** "This message (31.2 MB) is over the 25 MB limit; only its headers were stored." */
export function truncatedNote({ size, limit }: { size: number; limit: number }): string {
  return `This message (${formatSize(size)}) is over the ${formatSize(limit)} limit; only its headers were stored.`;
}

export function formatSize(bytes: number): string {
  const units = ['KB', 'MB', 'GB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit < 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}

/** Deterministic, so parsing the same stored .eml twice gives the same external id. */
function syntheticMessageId(eml: Buffer): string {
  return `sha256-${createHash('sha256').update(eml).digest('hex')}@leadwire.invalid`;
}

/** Message-IDs without angle brackets, in order; bare tokens when a sender left the brackets out. */
function messageIds(value: string | string[] | undefined): string[] {
  const joined = [value ?? []].flat().join(' ');
  const bracketed = [...joined.matchAll(/<([^<>\s]+)>/g)].map((match) => match[1] ?? '');
  if (bracketed.length) return bracketed;
  // mailparser brackets a bare id together with any comment after it (`<id (comment)>`): only
  // the tokens that look like an id count.
  return joined
    .split(/[\s,]+/)
    .map((token) => token.replace(/[<>]/g, ''))
    .filter((token) => token.includes('@'));
}

function addresses(value: AddressObject | AddressObject[] | undefined): ParsedAddress[] {
  const entries = [value ?? []].flat().flatMap((object) => object.value);
  return entries
    .flatMap((entry) => (entry.group ? entry.group : [entry]))
    .filter((entry) => entry.address)
    .map((entry) => ({
      address: entry.address ?? '',
      ...(entry.name.trim() ? { name: entry.name.trim() } : {}),
    }));
}

function firstAddress(value: AddressObject | undefined): ParsedAddress | null {
  return addresses(value)[0] ?? null;
}

/** mailparser turns an unparsable Date into "now"; read the header ourselves to get null instead. */
function dateHeader(mail: ParsedMail): string | null {
  const line = mail.headerLines.find((header) => header.key === 'date')?.line;
  if (!line) return null;
  const date = new Date(line.replace(/^date\s*:/i, '').replace(/\r?\n[ \t]+/g, ' '));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
        selector,
        options: { uppercase: false },
      })),
    ],
  }).trim();
}

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
 * Message-ID of the message that failed. `X-Auto-Response-Suppress` is deliberately not a signal:
 * it asks the receiver not to auto-reply and Outlook and help desks set it on mail people write
 * (Discourse, osTicket and Redmine dropped it from their auto-reply detection for that reason).
 */
function automatedVerdict(
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
  if (report === 'delivery-status') return bounce('delivery status report');
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
  const precedence = header(mail, 'Precedence');
  if (precedence && /^(?:bulk|junk|list|auto_reply)$/i.test(precedence))
    return { reason: `Precedence: ${precedence}` };
  return null;
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

/**
 * Each attachment into the blob store. An automated message never becomes a lead, so its
 * attachments are not copied out (the stored .eml still has them).
 */
async function keepAttachments(
  mail: ParsedMail,
  automated: AutomatedVerdict | null,
  options: ParseEmailOptions,
): Promise<ParsedAttachment[]> {
  const kept: ParsedAttachment[] = [];
  for (const [index, part] of mail.attachments.entries()) {
    const content: Buffer = part.content;
    const entry: ParsedAttachment = {
      filename: part.filename?.trim() || `attachment-${index + 1}${extensionOf(part)}`,
      contentType: part.contentType,
      size: content.length,
      sha256: null,
    };
    if (isInline(part, mail.html)) entry.inline = true;
    if (automated) entry.skipped = 'automated message';
    else if (content.length > options.maxAttachmentBytes)
      entry.skipped = `larger than the ${formatSize(options.maxAttachmentBytes)} limit`;
    else entry.sha256 = await options.storeAttachment(content);
    kept.push(entry);
  }
  return kept;
}

/** Part of the HTML body (`<img src="cid:…">`) rather than a file the sender attached. */
function isInline(part: Attachment, html: string | false | undefined): boolean {
  if (part.related) return true;
  return Boolean(part.cid && html && html.includes(`cid:${part.cid}`));
}

function extensionOf(part: Attachment): string {
  const known: Record<string, string> = {
    'message/rfc822': '.eml',
    'text/rfc822-headers': '.txt',
    'text/plain': '.txt',
    'application/pdf': '.pdf',
    'image/png': '.png',
    'image/jpeg': '.jpg',
    'image/gif': '.gif',
  };
  return known[part.contentType.toLowerCase()] ?? '';
}
