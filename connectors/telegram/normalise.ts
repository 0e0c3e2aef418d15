/** A Telegram update and its fetched files → InboundMessage (pure): who wrote, what, and whether it can be a lead. */
import type { NormaliseContext } from '../../core/channel.ts';
import { MalformedInputError } from '../../core/errors.ts';
import { uniqueIdentities } from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import { normaliseBusinessConnection, normaliseDeletedBusinessMessages } from './business.ts';
import { normaliseCallback } from './callback.ts';
import {
  compact,
  displayName,
  fromSeconds,
  messageKey,
  person,
  senderIdentities,
} from './common.ts';
import { readContent } from './content.ts';
import { attachment, fileRefs } from './files.ts';
import { normaliseMembership, normaliseOther } from './notices.ts';
import { carriedMessage, whyIgnored, type CarriedMessage } from './relevance.ts';
import { telegramUpdate, type Update } from './schema.ts';
import type { ExpandedUpdate } from './update.ts';

// A t.me/<bot>?start=<payload> deep link arrives as `/start <payload>` (`/start@bot …` in groups).
const START = /^\/start(?:@\w+)?(?:\s+(.+))?$/s;

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
  const ignored = whyIgnored(update, expanded.allowGroups);
  const carried = carriedMessage(update);
  if (carried) return normalisePost(update, carried, ignored, expanded, context);
  if (update.callback_query)
    return normaliseCallback(update, update.callback_query, ignored, expanded);
  if (update.my_chat_member) return normaliseMembership(update, update.my_chat_member, context);
  if (update.business_connection)
    return normaliseBusinessConnection(update, update.business_connection, context);
  const deleted = update.deleted_business_messages;
  if (deleted) return normaliseDeletedBusinessMessages(update, deleted, expanded, context);
  return normaliseOther(update, expanded, context);
}

/** A message, channel post or business chat message (new or edited). */
function normalisePost(
  update: Update,
  { post, edited }: CarriedMessage,
  ignored: string | undefined,
  expanded: ExpandedUpdate,
  context: NormaliseContext,
): InboundMessage {
  const { chat, from } = post;
  const sender = senderIdentities(from);
  const files = fileRefs(post);
  const content = readContent(post, files, context.defaultCountry);
  const startPayload = post.text && START.exec(post.text)?.[1]?.trim();

  const name = from ? displayName(from) : chat.title;
  const where = from && chat.type !== 'private' && chat.title ? ` in ${chat.title}` : '';
  const connectionId = post.business_connection_id;
  const key = messageKey(chat.id, post.message_id, connectionId);
  const replyTo = post.reply_to_message?.message_id;
  return {
    externalId: edited ? `${key}-edit-${post.edit_date ?? post.date}` : key,
    source: 'TELEGRAM',
    sentAt: fromSeconds((edited && post.edit_date) || post.date),
    identities: uniqueIdentities([...sender.identities, ...content.identities]),
    unrecognised: [...sender.unrecognised, ...content.unrecognised],
    threadRefs: replyTo === undefined ? [] : [messageKey(chat.id, replyTo, connectionId)],
    ...(ignored ? { automated: { reason: ignored } } : {}),
    sender: name ? { name } : {},
    title: `Telegram: ${name ?? from?.id ?? chat.id}${where}`,
    text: edited && content.text ? `(edited) ${content.text}` : content.text,
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
        // Replies to a business chat go through the connection, as the business account.
        businessConnectionId: connectionId,
        ...person(from),
        edited: edited || undefined,
        replyToMessageId: replyTo,
        mediaGroupId: post.media_group_id,
        ...content.telegram,
      }),
      ...content.meta,
      ...(startPayload ? { startPayload } : {}),
      // The parts of an album read as one entry (core/conversation.ts).
      ...(post.media_group_id ? { albumId: post.media_group_id } : {}),
    },
  };
}
