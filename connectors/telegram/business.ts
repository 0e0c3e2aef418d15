/**
 * Telegram Business: a company connects its Business account to the bot, and its customers'
 * private chats with that account arrive as business_message updates, answered through the
 * business_connection_id. What the account itself writes there is not a customer's words.
 */
import type { NormaliseContext } from '../../core/channel.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import { chatName, displayName, fromSeconds, messageKey } from './common.ts';
import { notice } from './notices.ts';
import type { BusinessConnection, BusinessMessagesDeleted, Post, Update } from './schema.ts';
import type { ExpandedUpdate } from './update.ts';

export const WRITTEN_BY_BUSINESS = 'written by the business account';

/**
 * In a business chat the chat is the customer: a message from anyone else is the account's owner
 * (or an employee) writing, and `sender_business_bot` is a bot writing for the account.
 */
export function writtenByBusiness(post: Post): boolean {
  if (post.sender_business_bot) return true;
  return post.chat.type === 'private' && post.from !== undefined && post.from.id !== post.chat.id;
}

export function connectionReason(connection: BusinessConnection): string {
  const { user } = connection;
  const who = user.username ? `@${user.username}` : (displayName(user) ?? String(user.id));
  if (!connection.is_enabled) return `business connection disabled by ${who}`;
  // Bot API 9.0 moved can_reply into rights.
  const canReply = connection.rights?.can_reply ?? connection.can_reply ?? false;
  return `business connection enabled by ${who} (${canReply ? 'can reply' : 'cannot reply'})`;
}

export function deletedReason(deleted: BusinessMessagesDeleted): string {
  const count = deleted.message_ids.length;
  const messages = count === 1 ? '1 message' : `${count} messages`;
  return `${messages} deleted in the business chat with ${chatName(deleted.chat)}`;
}

/** The account connected (or disconnected): who did it, and whether the bot may answer. */
export function normaliseBusinessConnection(
  update: Update,
  connection: BusinessConnection,
  context: NormaliseContext,
): InboundMessage {
  return notice(
    connection.user,
    connectionReason(connection),
    fromSeconds(connection.date),
    context,
    {
      updateId: update.update_id,
      businessConnectionId: connection.id,
      userChatId: connection.user_chat_id,
      enabled: connection.is_enabled,
      canReply: connection.rights?.can_reply ?? connection.can_reply,
    },
  );
}

/** Messages deleted in a business chat: the external ids they were stored under say which. */
export function normaliseDeletedBusinessMessages(
  update: Update,
  deleted: BusinessMessagesDeleted,
  expanded: ExpandedUpdate,
  context: NormaliseContext,
): InboundMessage {
  const { business_connection_id: connectionId, chat } = deleted;
  return notice(undefined, deletedReason(deleted), new Date(expanded.receivedAt), context, {
    updateId: update.update_id,
    businessConnectionId: connectionId,
    chatId: chat.id,
    messageIds: deleted.message_ids,
    deletedExternalIds: deleted.message_ids.map((id) => messageKey(chat.id, id, connectionId)),
  });
}
