/**
 * A stored .eml → ParsedEmail: decoded from any charset, HTML sanitised, attachments kept in the
 * blob store, quoted history cut for the chat view, and machine-made mail told apart.
 */
import { createHash } from 'node:crypto';
import { convert } from 'html-to-text';
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { MalformedInputError } from '../../core/errors.ts';
import {
  type AutomatedVerdict,
  type ParsedAddress,
  type ParsedAttachment,
  type ParsedEmail,
} from './parsed.ts';
import { automatedVerdict } from './automated.ts';
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
