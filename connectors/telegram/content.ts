/**
 * What a message says, as one text for the lead's history: its text or caption, else what it
 * carries (a contact, a place, a poll, a die, a file), after where it was forwarded from and the
 * words it quotes. A contact the sender shares of themselves adds their phone.
 */
import { normalisePhone, type Identity, type Normalised } from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import { chatName, compact, displayName, fullName } from './common.ts';
import { describe, type FileRef } from './files.ts';
import type { Origin, Post } from './schema.ts';

const NOT_OWN_NUMBER = "a contact shared by someone else is not the sender's own number";
// Content a person sends that the history shows by its name only.
const OTHER_CONTENT = ['game', 'story', 'invoice', 'paid_media', 'checklist', 'giveaway'];

export interface Content {
  /** Empty for a part of an album without a caption: the album reads as one entry. */
  text: string;
  /** Added to meta.telegram: where it was forwarded from, the quote. */
  telegram: Record<string, unknown>;
  /** Added to meta: the contact, the location. */
  meta: Record<string, unknown>;
  identities: Identity[];
  unrecognised: InboundMessage['unrecognised'];
}

export function readContent(
  post: Post,
  files: FileRef[],
  defaultCountry: string | undefined,
): Content {
  const content: Content = { text: '', telegram: {}, meta: {}, identities: [], unrecognised: [] };
  let said = post.text ?? post.caption;

  const { contact, from } = post;
  if (contact) {
    const name = fullName(contact.first_name, contact.last_name);
    said ??= `Shared contact: ${[name, contact.phone_number].filter(Boolean).join(' ')}`;
    const own = from !== undefined && contact.user_id === from.id;
    const read: Normalised = own
      ? contactPhone(contact.phone_number, defaultCountry)
      : { ok: false, raw: contact.phone_number.trim(), reason: NOT_OWN_NUMBER };
    if (read.ok) content.identities.push(read.identity);
    else content.unrecognised.push({ kind: 'phone', raw: read.raw, reason: read.reason });
    content.meta.contact = compact({
      phoneNumber: contact.phone_number,
      name,
      userId: contact.user_id,
      own,
    });
  }
  const place = post.venue ?? (post.location && { location: post.location });
  if (place) {
    const { latitude, longitude } = place.location;
    const venue = post.venue && ` (${post.venue.title}, ${post.venue.address})`;
    said ??= `Location: ${latitude}, ${longitude}${venue ?? ''}`;
    content.meta.location = compact({
      latitude,
      longitude,
      title: post.venue?.title,
      address: post.venue?.address,
    });
  }
  if (post.poll) {
    const { type, question, options } = post.poll;
    const kind = type === 'quiz' ? 'Quiz' : 'Poll';
    said ??= [`${kind}: ${question}`, ...options.map((option) => `- ${option.text}`)].join('\n');
  }
  if (post.dice) said ??= `${post.dice.emoji} ${post.dice.value}`;
  // An album arrives as one message per file, the caption on one of them; the others say nothing
  // of their own rather than "[photo]" each.
  if (post.media_group_id !== undefined && files.length) said ??= '';
  const other = OTHER_CONTENT.find((key) => key in post);
  said ??= files[0] ? describe(files[0]) : `[${other ?? 'message'}]`;

  const forwarded = forwardedFrom(post);
  const quote = post.quote?.text;
  content.telegram = compact({ forwardedFrom: forwarded, quote });
  if (said) {
    const quoted = quote?.split('\n').map((line) => `> ${line}`) ?? [];
    const origin = forwarded ? [`Forwarded from ${forwarded.name}`] : [];
    content.text = [...origin, ...quoted, said].join('\n');
  }
  return content;
}

/**
 * Where a forwarded message came from: MessageOrigin (`forward_origin`, Bot API 7.0+) or the
 * fields it replaced. Named for a person: never an identity of the sender, who only forwarded it.
 */
function forwardedFrom(post: Post): (Record<string, unknown> & { name: string }) | undefined {
  const origin = post.forward_origin ?? legacyOrigin(post);
  if (!origin) return undefined;
  const { sender_user: user, sender_user_name: hiddenName } = origin;
  const chat = origin.sender_chat ?? origin.chat;
  const name =
    (user && (displayName(user) ?? `user ${user.id}`)) ??
    hiddenName ??
    (chat && chatName(chat)) ??
    'an unknown sender';
  return {
    name,
    ...compact({
      type: origin.type,
      userId: user?.id,
      chatId: chat?.id,
      messageId: origin.message_id,
      signature: origin.author_signature,
      date: origin.date,
    }),
  };
}

function legacyOrigin(post: Post): Origin | undefined {
  const date = post.forward_date;
  if (post.forward_from) return { type: 'user', date, sender_user: post.forward_from };
  const chat = post.forward_from_chat;
  if (chat?.type === 'channel') {
    const { forward_from_message_id: id, forward_signature: signature } = post;
    return { type: 'channel', date, chat, message_id: id, author_signature: signature };
  }
  if (chat) return { type: 'chat', date, sender_chat: chat };
  if (post.forward_sender_name)
    return { type: 'hidden_user', date, sender_user_name: post.forward_sender_name };
  return undefined;
}

/**
 * Telegram gives a user's own number in international form, often without the `+`; read bare
 * digits as international first (`4915112345678` in Germany is +49 1511…, not +49 4915…), then
 * in the channel's country.
 */
function contactPhone(raw: string, defaultCountry: string | undefined): Normalised {
  const trimmed = raw.trim();
  if (/^\d+$/.test(trimmed)) {
    const international = normalisePhone(`+${trimmed}`);
    if (international.ok) return international;
  }
  return normalisePhone(trimmed, defaultCountry);
}
