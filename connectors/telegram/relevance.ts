/**
 * Which updates can be a customer's words on a lead, decided once for both steps: the worker's
 * expand step downloads nothing for an update that will be ignored, and the normaliser marks it
 * ignored for the same reason.
 */
import {
  connectionReason,
  deletedReason,
  WRITTEN_BY_BUSINESS,
  writtenByBusiness,
} from './business.ts';
import { membershipChange, unsupportedReason } from './notices.ts';
import type { Post, Update } from './schema.ts';

export const GROUP_CHAT = 'group chat: this channel does not take group messages';

// Joins, pins, title changes…: Telegram's own notes in a chat, not words of a customer.
const SERVICE_KEYS = `new_chat_members left_chat_member new_chat_title new_chat_photo
  delete_chat_photo group_chat_created supergroup_chat_created channel_chat_created
  migrate_to_chat_id migrate_from_chat_id pinned_message message_auto_delete_timer_changed
  forum_topic_created forum_topic_edited forum_topic_closed forum_topic_reopened
  video_chat_scheduled video_chat_started video_chat_ended video_chat_participants_invited
  write_access_allowed chat_background_set boost_added proximity_alert_triggered`.split(/\s+/);

/** A message an update carries, whichever of the six message-bearing types it is. */
export interface CarriedMessage {
  post: Post;
  edited: boolean;
  /** From a connected Business account's chat (business_message, edited_business_message). */
  business: boolean;
}

export function carriedMessage(update: Update): CarriedMessage | undefined {
  const carried = (post: Post | undefined, edited: boolean, business: boolean) =>
    post && { post, edited, business };
  return (
    carried(update.message ?? update.channel_post, false, false) ??
    carried(update.edited_message ?? update.edited_channel_post, true, false) ??
    carried(update.business_message, false, true) ??
    carried(update.edited_business_message, true, true)
  );
}

/** Why the update will not be a customer's words on a lead; undefined when it will be. */
export function whyIgnored(update: Update, allowGroups: boolean): string | undefined {
  const carried = carriedMessage(update);
  if (carried) return postIgnored(carried, allowGroups);
  const query = update.callback_query;
  if (query)
    return query.message && inGroup(query.message.chat.type, allowGroups) ? GROUP_CHAT : undefined;
  if (update.my_chat_member) return membershipChange(update.my_chat_member).reason;
  if (update.business_connection) return connectionReason(update.business_connection);
  if (update.deleted_business_messages) return deletedReason(update.deleted_business_messages);
  return unsupportedReason(update);
}

function postIgnored({ post, edited, business }: CarriedMessage, allowGroups: boolean) {
  if (inGroup(post.chat.type, allowGroups)) return GROUP_CHAT;
  if (business && writtenByBusiness(post)) return WRITTEN_BY_BUSINESS;
  if (post.from?.is_bot) return 'sent by a bot';
  const service = SERVICE_KEYS.find((key) => key in post);
  if (service) return `service message: ${service}`;
  // Only a live location is ever edited, every few seconds while it is shared.
  if (edited && post.location) return 'live location update';
  return undefined;
}

function inGroup(chatType: string, allowGroups: boolean): boolean {
  return chatType !== 'private' && !allowGroups;
}
