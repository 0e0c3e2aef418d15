/**
 * An email's files into the blob store: what the sender attached and the images of its HTML body
 * (with their Content-ID, so a viewer can show them in place), but not the other renderings of
 * the body that some clients add beside the text and HTML (Apple Watch, AMP, enriched text).
 */
import type { Attachment, ParsedMail } from 'mailparser';
import type { AutomatedVerdict, ParsedAttachment } from './parsed.ts';

export interface KeepOptions {
  storeAttachment(content: Buffer): Promise<string>;
  maxAttachmentBytes: number;
}

export interface AlternativeBodyRule {
  contentType: string;
  source: string;
}

/**
 * Renderings of the body a client puts in multipart/alternative beside text/plain and text/html.
 * One without a file name is that body again, not a file, when the message has a text or HTML
 * body to show; a message whose only body is one of them keeps it, so nothing is lost.
 */
export const ALTERNATIVE_BODY_TYPES: readonly AlternativeBodyRule[] = [
  { contentType: 'text/watch-html', source: 'Apple Mail on iPhone and Mac, for the Apple Watch' },
  { contentType: 'text/x-amp-html', source: 'AMP for Email (Gmail, Mail.ru, Yahoo senders)' },
  { contentType: 'text/enriched', source: 'RFC 1896 (Apple Mail, Eudora)' },
  { contentType: 'text/richtext', source: 'RFC 1341 (older clients)' },
  { contentType: 'text/markdown', source: 'RFC 7763 (Markdown-writing clients)' },
  { contentType: 'text/x-markdown', source: 'Markdown-writing clients before RFC 7763' },
];

/**
 * Each attachment into the blob store. An automated message never becomes a lead, so its
 * attachments are not copied out (the stored .eml still has them).
 */
export async function keepAttachments(
  mail: ParsedMail,
  automated: AutomatedVerdict | null,
  options: KeepOptions,
): Promise<ParsedAttachment[]> {
  const kept: ParsedAttachment[] = [];
  const hasBody = Boolean(mail.text?.trim() || mail.html);
  for (const [index, part] of mail.attachments.entries()) {
    if (hasBody && isAlternativeBody(part)) continue;
    const content: Buffer = part.content;
    const entry: ParsedAttachment = {
      filename: part.filename?.trim() || `attachment-${index + 1}${extensionOf(part)}`,
      contentType: part.contentType,
      size: content.length,
      sha256: null,
    };
    if (part.cid) entry.cid = part.cid;
    if (isInline(part, mail.html)) entry.inline = true;
    if (automated) entry.skipped = 'automated message';
    else if (content.length > options.maxAttachmentBytes)
      entry.skipped = `larger than the ${formatSize(options.maxAttachmentBytes)} limit`;
    else entry.sha256 = await options.storeAttachment(content);
    kept.push(entry);
  }
  return kept;
}

function isAlternativeBody(part: Attachment): boolean {
  const type = part.contentType.toLowerCase();
  return (
    !part.filename &&
    part.contentDisposition !== 'attachment' &&
    ALTERNATIVE_BODY_TYPES.some((rule) => rule.contentType === type)
  );
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
