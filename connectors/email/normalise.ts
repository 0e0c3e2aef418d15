/** A parsed email → InboundMessage (pure): who can be answered, which thread it belongs to, the new words. */
import {
  normaliseEmail as canonicalEmail,
  uniqueIdentities,
  type Identity,
} from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import type { NormaliseContext } from '../../core/channel.ts';
import { formSender } from './form-fields.ts';
import { machineSenderRule } from './no-reply-senders.ts';
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
  const { identities, unrecognised, name, replyAddress } = whoWrote(parsed);
  // No identity is not an error here: the decision table stores the message as unreachable.
  const leadToken = Number(LEAD_TOKEN.exec(parsed.subject)?.[1]);
  const inline = parsed.attachments.filter((file) => file.inline).map((file) => file.filename);
  // What `cid:` links in the HTML point at, so a viewer can show the images in place.
  const contentIds = parsed.attachments.flatMap((file) =>
    file.cid ? [{ cid: file.cid, filename: file.filename, sha256: file.sha256 }] : [],
  );
  return {
    externalId: context.externalId,
    source: 'EMAIL',
    sentAt: sentAt(parsed.date, context.receivedAt),
    identities,
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
    sender: name ? { name } : {},
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
        // The address a reply goes to: Reply-To when there is a usable one, else the sender.
        replyAddress,
        text: parsed.text,
        html: parsed.html,
        ...(inline.length ? { inline } : {}),
        ...(contentIds.length ? { contentIds } : {}),
        ...(parsed.truncated ? { truncated: parsed.truncated } : {}),
      },
    },
  };
}

interface Writer {
  identities: Identity[];
  unrecognised: InboundMessage['unrecognised'];
  /** The name the lead and the message show. */
  name?: string;
  replyAddress: string | null;
}

/**
 * Who wrote, and where the answer goes. A person in From names the lead and stays one of its
 * identities even when Reply-To names someone else (their next message, without Reply-To, finds
 * the same lead); the Reply-To address is an identity too, and replies go there. When From is not
 * that person's own mailbox (a no-reply sender, the channel's own address, a listed form mailer,
 * or a sender writing on someone's behalf), the Reply-To person names the lead alone: a shared
 * From would put every visitor of a website on one lead.
 */
function whoWrote(parsed: ParsedEmail): Writer {
  const unrecognised: InboundMessage['unrecognised'] = [];
  const read = (address: ParsedAddress | null | undefined) => {
    if (!address) return undefined;
    const result = canonicalEmail(address.address);
    if (result.ok) return { name: address.name, identity: result.identity };
    unrecognised.push({ kind: 'email', raw: result.raw, reason: result.reason });
    return undefined;
  };
  const writer = (...people: ({ name?: string; identity: Identity } | undefined)[]): Writer => {
    const known = people.filter((person) => person !== undefined);
    return {
      identities: uniqueIdentities(known.map((person) => person.identity)),
      unrecognised,
      ...(known[0]?.name ? { name: known[0].name } : {}),
      replyAddress: (known[1] ?? known[0])?.identity.raw ?? null,
    };
  };
  // A no-reply Reply-To is nobody to answer.
  const answerable = parsed.replyTo && !machineSenderRule(parsed.replyTo.address);
  if (!parsed.fromRole && (!answerable || ownMailbox(parsed.from, parsed.replyTo)))
    return writer(read(parsed.from), answerable ? read(parsed.replyTo) : undefined);
  const replyTo = answerable ? read(parsed.replyTo) : undefined;
  if (replyTo) return writer(replyTo);
  // A listed form mailer without Reply-To names the customer in its text ("Email: …").
  const inText = parsed.fromRole === 'form-mailer' ? formSender(parsed.text) : undefined;
  return writer(read(inText) ?? read(parsed.from));
}

/**
 * Whether From is the Reply-To person's own mailbox rather than a sender writing for them: the
 * two addresses are at one domain (a colleague, an assistant), or From's local part carries the
 * person's name (`m.silva@work.example` for Marta Silva, who answers at home). A website's
 * `forms@` or `website@` that sends every visitor's message, even under the visitor's name, is
 * neither, and must not become an identity they all share.
 */
function ownMailbox(from: ParsedAddress | null, replyTo: ParsedAddress | null): boolean {
  if (!from || !replyTo) return true;
  const domain = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  const [a, b] = [domain(from.address), domain(replyTo.address)];
  if (a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`)) return true;
  // The person is who Reply-To names (its display name and its own address), never From's name:
  // a mailer called "Shop Website" at website@ must not pass for the visitor's mailbox.
  const local = (address: string) => plain(address.slice(0, address.lastIndexOf('@')));
  const person = `${plain(replyTo.name ?? '')} ${local(replyTo.address)}`.split(/[^a-z]+/);
  return person.some((part) => part.length >= 3 && local(from.address).includes(part));
}

/** Lower-case Latin letters without accents: `Gómez` → `gomez`. */
const plain = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** The Date header when it is believable, else when the mailbox received the message. */
function sentAt(date: string | null, receivedAt: string): Date {
  const received = new Date(receivedAt);
  const sent = date ? new Date(date) : undefined;
  if (!sent || Number.isNaN(sent.getTime())) return received;
  return sent.getTime() - received.getTime() > MAX_CLOCK_SKEW_MS ? received : sent;
}
