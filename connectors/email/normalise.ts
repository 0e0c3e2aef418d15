/** A parsed email → InboundMessage (pure): who can be answered, which thread it belongs to, the new words. */
import {
  normaliseEmail as canonicalEmail,
  uniqueIdentities,
  type Identity,
} from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import type { NormaliseContext } from '../../core/channel.ts';
import type { ParsedAddress, ParsedEmail } from './parsed.ts';

export interface EmailNormaliseContext extends NormaliseContext {
  /** When the mailbox received the message (the inbox row): sentAt when the Date header is unusable. */
  receivedAt: string;
}

const LEAD_TOKEN = /\[#L(\d{1,15})\]/;
// Clocks drift and time zones get mislabelled; a Date further ahead than this is not believed.
const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

export function normaliseEmail(
  parsed: ParsedEmail,
  context: EmailNormaliseContext,
): InboundMessage {
  // Reply-To first: a website's no-reply sender names the customer there.
  const candidates = [parsed.replyTo, parsed.from].filter((a): a is ParsedAddress => a !== null);
  const identities: Identity[] = [];
  const unrecognised: InboundMessage['unrecognised'] = [];
  let contact: ParsedAddress | undefined;
  for (const candidate of candidates) {
    const read = canonicalEmail(candidate.address);
    if (!read.ok) {
      unrecognised.push({ kind: 'email', raw: read.raw, reason: read.reason });
      continue;
    }
    identities.push(read.identity);
    contact = candidate;
    break;
  }
  // No identity is not an error here: the decision table stores the message as unreachable.
  const leadToken = Number(LEAD_TOKEN.exec(parsed.subject)?.[1]);
  const inline = parsed.attachments.filter((file) => file.inline).map((file) => file.filename);
  return {
    externalId: context.externalId,
    source: 'EMAIL',
    sentAt: sentAt(parsed.date, context.receivedAt),
    identities: uniqueIdentities(identities),
    unrecognised,
    threadRefs: [
      ...new Set([...(parsed.inReplyTo ? [parsed.inReplyTo] : []), ...parsed.references]),
    ],
    ...(Number.isSafeInteger(leadToken) && leadToken > 0 ? { leadToken } : {}),
    ...(parsed.automated
      ? {
          automated: {
            reason: parsed.automated.reason,
            ...(parsed.automated.bounceOf
              ? { delivery: { of: parsed.automated.bounceOf, status: 'undelivered' as const } }
              : {}),
          },
        }
      : {}),
    sender: contact?.name ? { name: contact.name } : {},
    title: parsed.subject.trim() || '(no subject)',
    text: parsed.reply,
    fields: {},
    utm: {},
    attachments: parsed.attachments.map((file) => ({
      filename: file.filename,
      contentType: file.contentType,
      size: file.size,
      sha256: file.sha256,
      ...(file.skipped ? { skipped: file.skipped } : {}),
    })),
    meta: {
      // The whole message for the detail view; `text` above is only the new words.
      email: {
        messageId: parsed.messageId,
        from: parsed.from,
        replyTo: parsed.replyTo,
        to: parsed.to,
        cc: parsed.cc,
        subject: parsed.subject,
        date: parsed.date,
        inReplyTo: parsed.inReplyTo,
        references: parsed.references,
        // The address a reply goes to: the one the lead's identity was taken from.
        replyAddress: identities[0]?.raw ?? null,
        text: parsed.text,
        html: parsed.html,
        ...(inline.length ? { inline } : {}),
        ...(parsed.truncated ? { truncated: parsed.truncated } : {}),
      },
    },
  };
}

/** The Date header when it is believable, else when the mailbox received the message. */
function sentAt(date: string | null, receivedAt: string): Date {
  const received = new Date(receivedAt);
  const sent = date ? new Date(date) : undefined;
  if (!sent || Number.isNaN(sent.getTime())) return received;
  return sent.getTime() - received.getTime() > MAX_CLOCK_SKEW_MS ? received : sent;
}
