/** A Telegram update and its fetched files → InboundMessage (pure): who wrote, what, and whether it can be a lead. */
import { MalformedInputError } from '../../core/errors.ts';
import {
  normalisePhone,
  telegramIdentity,
  uniqueIdentities,
  type Identity,
  type Normalised,
} from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import type { NormaliseContext } from '../../core/channel.ts';
import { attachment, describe, fileRefs } from './files.ts';
import {
  actor,
  telegramUpdate,
  type Membership,
  type Post,
  type Update,
  type User,
} from './schema.ts';
import type { ExpandedUpdate } from './update.ts';

const GROUP_CHAT = 'group chat: this channel does not take group messages';
const NOT_OWN_NUMBER = "a contact shared by someone else is not the sender's own number";
// A t.me/<bot>?start=<payload> deep link arrives as `/start <payload>` (`/start@bot …` in groups).
const START = /^\/start(?:@\w+)?(?:\s+(.+))?$/s;
// Joins, pins, title changes…: Telegram's own notes in a chat, not words of a customer.
const SERVICE_KEYS = `new_chat_members left_chat_member new_chat_title new_chat_photo
  delete_chat_photo group_chat_created supergroup_chat_created channel_chat_created
  migrate_to_chat_id migrate_from_chat_id pinned_message message_auto_delete_timer_changed
  forum_topic_created forum_topic_edited forum_topic_closed forum_topic_reopened
  video_chat_scheduled video_chat_started video_chat_ended video_chat_participants_invited
  write_access_allowed chat_background_set boost_added proximity_alert_triggered`.split(/\s+/);
// Content a person sends that the history shows by its name only.
const OTHER_CONTENT = ['poll', 'dice', 'game', 'story', 'invoice', 'paid_media', 'checklist'];

export function normaliseTelegram(
  expanded: ExpandedUpdate,
  context: NormaliseContext,
): InboundMessage {
  const parsed = telegramUpdate.safeParse(expanded.update);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(update)',
      message: issue.message,
    }));
    throw new MalformedInputError('not a Telegram update', details);
  }
  const update = parsed.data;
  const post = update.message ?? update.channel_post;
  if (post) return normalisePost(update, post, false, expanded, context);
  const edit = update.edited_message ?? update.edited_channel_post;
  if (edit) return normalisePost(update, edit, true, expanded, context);
  if (update.my_chat_member) return normaliseMembership(update, update.my_chat_member, context);
  return normaliseOther(update, expanded, context);
}

function normalisePost(
  update: Update,
  post: Post,
  edited: boolean,
  expanded: ExpandedUpdate,
  context: NormaliseContext,
): InboundMessage {
  const { chat, from } = post;
  const { identities, unrecognised } = senderIdentities(from);
  const meta: Record<string, unknown> = {};
  let said = post.text ?? post.caption;

  const { contact } = post;
  if (contact) {
    const name = fullName(contact.first_name, contact.last_name);
    said ??= `Shared contact: ${[name, contact.phone_number].filter(Boolean).join(' ')}`;
    const own = from !== undefined && contact.user_id === from.id;
    const read: Normalised = own
      ? contactPhone(contact.phone_number, context.defaultCountry)
      : { ok: false, raw: contact.phone_number.trim(), reason: NOT_OWN_NUMBER };
    if (read.ok) identities.push(read.identity);
    else unrecognised.push({ kind: 'phone', raw: read.raw, reason: read.reason });
    meta.contact = compact({
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
    meta.location = compact({
      latitude,
      longitude,
      title: post.venue?.title,
      address: post.venue?.address,
    });
  }
  const files = fileRefs(post);
  const other = OTHER_CONTENT.find((key) => key in post);
  said ??= files[0] ? describe(files[0]) : `[${other ?? 'message'}]`;

  const startPayload = post.text && START.exec(post.text)?.[1]?.trim();
  if (startPayload) meta.startPayload = startPayload;
  const service = SERVICE_KEYS.find((key) => key in post);
  const automated =
    chat.type !== 'private' && !expanded.allowGroups
      ? GROUP_CHAT
      : from?.is_bot
        ? 'sent by a bot'
        : service
          ? `service message: ${service}`
          : // Only a live location is ever edited, every few seconds while it is shared.
            edited && post.location
            ? 'live location update'
            : undefined;

  const name = from ? displayName(from) : chat.title;
  const where = from && chat.type !== 'private' && chat.title ? ` in ${chat.title}` : '';
  const externalId = `tg-${chat.id}-${post.message_id}`;
  return {
    externalId: edited ? `${externalId}-edit-${post.edit_date ?? post.date}` : externalId,
    source: 'TELEGRAM',
    sentAt: fromSeconds((edited && post.edit_date) || post.date),
    identities: uniqueIdentities(identities),
    unrecognised,
    threadRefs: post.reply_to_message ? [`tg-${chat.id}-${post.reply_to_message.message_id}`] : [],
    ...(automated ? { automated: { reason: automated } } : {}),
    sender: name ? { name } : {},
    title: `Telegram: ${name ?? from?.id ?? chat.id}${where}`,
    text: edited ? `(edited) ${said}` : said,
    fields: startPayload ? { sourceDetail: startPayload } : {},
    utm: {},
    attachments: files.map((ref) => attachment(ref, expanded.files)),
    meta: {
      telegram: compact({
        updateId: update.update_id,
        chatId: chat.id,
        chatType: chat.type,
        chatTitle: chat.title,
        messageId: post.message_id,
        ...person(from),
        edited: edited || undefined,
        replyToMessageId: post.reply_to_message?.message_id,
      }),
      ...meta,
    },
  };
}

/** A private chat's `kicked` is the user blocking the bot; `kicked` → `member` is unblocking it. */
function normaliseMembership(update: Update, change: Membership, context: NormaliseContext) {
  const { chat, from } = change;
  const before = change.old_chat_member.status;
  const now = change.new_chat_member.status;
  const blocked = chat.type === 'private' && now === 'kicked';
  const unblocked = chat.type === 'private' && now === 'member' && before === 'kicked';
  const reason = blocked
    ? 'the user blocked the bot'
    : unblocked
      ? 'the user unblocked the bot'
      : `the bot's membership changed in a ${chat.type} chat: ${before} → ${now}`;
  const telegram = { updateId: update.update_id, chatId: chat.id, chatType: chat.type };
  const message = notice(from, reason, fromSeconds(change.date), context, {
    ...telegram,
    oldStatus: before,
    newStatus: now,
  });
  if (!blocked && !unblocked) return message;
  const identityKey = `telegram:${from.id}`;
  const said = blocked ? 'blocked the bot' : 'unblocked the bot';
  return { ...message, reachability: { identityKey, reachable: unblocked, reason: said } };
}

/** Button presses, inline queries, reactions, polls…: kept on the inbox, never a lead, never an error. */
function normaliseOther(update: Update, expanded: ExpandedUpdate, context: NormaliseContext) {
  const type = Object.keys(update).find((key) => key !== 'update_id') ?? 'unknown';
  const payload = actor.safeParse((update as Record<string, unknown>)[type]);
  const who = payload.success ? (payload.data.from ?? payload.data.user) : undefined;
  const date = payload.success ? payload.data.date : undefined;
  const sentAt = date !== undefined ? fromSeconds(date) : new Date(expanded.receivedAt);
  const reason = `unsupported update type: ${type}`;
  return notice(who, reason, sentAt, context, { updateId: update.update_id, type });
}

/** An update that is not a message: stored on the inbox with its reason, never a lead. */
function notice(
  who: User | undefined,
  reason: string,
  sentAt: Date,
  context: NormaliseContext,
  telegram: Record<string, unknown>,
): InboundMessage {
  const name = who && displayName(who);
  return {
    externalId: context.externalId,
    source: 'TELEGRAM',
    sentAt,
    ...senderIdentities(who),
    threadRefs: [],
    automated: { reason },
    sender: name ? { name } : {},
    title: `Telegram: ${name ?? who?.id ?? 'update'}`,
    text: `[${reason}]`,
    fields: {},
    utm: {},
    meta: { telegram: compact({ ...telegram, ...person(who) }) },
  };
}

function senderIdentities(
  from: User | undefined,
): Pick<InboundMessage, 'identities' | 'unrecognised'> {
  const identities: Identity[] = [];
  const unrecognised: InboundMessage['unrecognised'] = [];
  const read = from && telegramIdentity(from.id, from.username);
  if (read?.ok) identities.push(read.identity);
  else if (read) unrecognised.push({ kind: 'telegram', raw: read.raw, reason: read.reason });
  return { identities, unrecognised };
}

function person(from: User | undefined) {
  return {
    username: from?.username,
    firstName: from?.first_name,
    lastName: from?.last_name,
    languageCode: from?.language_code,
  };
}

function displayName(from: User): string | undefined {
  return fullName(from.first_name, from.last_name) || (from.username && `@${from.username}`);
}

function fullName(first: string | undefined, last: string | undefined): string {
  return [first, last]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
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

function fromSeconds(seconds: number): Date {
  return new Date(seconds * 1000);
}

/** Drops undefined values, so meta holds only what Telegram sent. */
function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
