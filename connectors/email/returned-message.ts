/** The Message-ID of our message that a bounce returns, so the bounce can be put on its reply. */
import type { ParsedMail } from 'mailparser';

const RETURNED_HEADER_TYPES = new Set([
  'text/rfc822-headers',
  'message/rfc822',
  'message/global',
  'message/global-headers',
]);
const RETURNED_MESSAGE_ID = /^Message-ID:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]+)>/im;

/** The Message-ID in the headers a bounce returns: its own part first, else the raw body. */
export function returnedMessageId(mail: ParsedMail, eml: Buffer): string | undefined {
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
