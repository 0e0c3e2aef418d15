/**
 * A stored .eml → ParsedEmail: decoded from any charset, HTML sanitised, attachments kept in the
 * blob store, quoted history cut for the chat view, and machine-made mail told apart.
 */
import { createHash } from 'node:crypto';
import { convert } from 'html-to-text';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { MalformedInputError } from '../../core/errors.ts';
import { type ParsedAddress, type ParsedEmail } from './parsed.ts';
import { formatSize, keepAttachments } from './attachments.ts';
import { automatedVerdict } from './automated.ts';
import { needsCharsetRepair, repairCharsets } from './charset-repair.ts';
import { fromRoleOf } from './no-reply-senders.ts';
import { extractReply, isForwardSubject } from './reply.ts';

export { formatSize } from './attachments.ts';

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
  /**
   * The channel's senders whose mail is people's words though they look like machines (a website
   * form mailer sending from noreply@): `ana@example.com` or `@example.com`. Default none.
   */
  humanSenders?: readonly string[];
  /** Canonical identity keys of the channel's own addresses: From there is not the customer. */
  ownIdentityKeys?: readonly string[];
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

/**
 * An email's HTML as Leadwire keeps and shows it: no script, style element, form or frame, no
 * remote picture (a tracking pixel), links only to http(s) and mailto. Run when a message comes
 * in and again when its stored HTML is shown (what is stored may predate a stricter rule).
 */
export function sanitiseEmailHtml(html: string): string {
  return sanitizeHtml(html, SANITISE).trim();
}

export async function parseEmail(eml: Buffer, options: ParseEmailOptions): Promise<ParsedEmail> {
  const mail = await readMail(eml);
  const from = firstAddress(mail.from);
  const replyTo = firstAddress(mail.replyTo);
  const html = mail.html ? sanitiseEmailHtml(mail.html) || null : null;
  const subject = (mail.subject ?? '').trim();
  const inReplyTo = messageIds(mail.inReplyTo)[0] ?? null;
  const humanSenders = options.humanSenders ?? [];
  const automated = automatedVerdict({ mail, eml, from, replyTo, inReplyTo, humanSenders });
  const fromRole = from
    ? fromRoleOf(from.address, { humanSenders, ownIdentityKeys: options.ownIdentityKeys ?? [] })
    : undefined;
  let text = (mail.text ?? '').replace(/\r\n?/g, '\n').trim() || (html ? htmlToText(html) : '');
  if (options.truncated)
    text = [truncatedNote(options.truncated), text].filter(Boolean).join('\n\n');
  return {
    messageId: messageIds(mail.messageId)[0] ?? syntheticMessageId(eml),
    from,
    ...(fromRole ? { fromRole } : {}),
    replyTo,
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

/**
 * mailparser's reading of the .eml; again from a mended copy when a text part was undecodable
 * UTF-8 or UTF-7 (see charset-repair.ts). A copy that cannot be mended is no reason to fail: the
 * first reading stands.
 */
async function readMail(eml: Buffer): Promise<ParsedMail> {
  const read = (source: Buffer) =>
    simpleParser(source, { skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true });
  let mail: ParsedMail;
  try {
    mail = await read(eml);
  } catch (error) {
    throw new MalformedInputError(`the stored .eml cannot be parsed: ${String(error)}`);
  }
  if (!needsCharsetRepair(eml, [mail.text, mail.html])) return mail;
  const mended = await repairCharsets(eml).catch(() => undefined);
  return mended ? await read(mended).catch(() => mail) : mail;
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
