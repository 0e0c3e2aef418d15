/** The parts of Telegram's Update object Leadwire reads, checked loosely (unknown fields pass). */
import { z } from 'zod';

// Only what is read here is checked: Telegram adds fields often, and unknown ones pass through.
const user = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});
const chat = z.looseObject({
  id: z.number().int(),
  type: z.string(),
  title: z.string().optional(),
  username: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
});
// One schema for every file kind; the kind-specific fields (emoji, performer, …) are optional.
const file = z.looseObject({
  file_id: z.string(),
  file_unique_id: z.string(),
  file_size: z.number().optional(),
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
  duration: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  emoji: z.string().optional(),
  is_animated: z.boolean().optional(),
  is_video: z.boolean().optional(),
  performer: z.string().optional(),
  title: z.string().optional(),
});
const point = z.looseObject({ latitude: z.number(), longitude: z.number() });
// MessageOrigin: `user` (sender_user), `hidden_user` (sender_user_name), `chat` (sender_chat) or
// `channel` (chat, message_id). Read by its fields, so a new origin type still parses.
const origin = z.looseObject({
  type: z.string(),
  date: z.number().int().optional(),
  sender_user: user.optional(),
  sender_user_name: z.string().optional(),
  sender_chat: chat.optional(),
  chat: chat.optional(),
  message_id: z.number().int().optional(),
  author_signature: z.string().optional(),
});
const button = z.looseObject({ text: z.string(), callback_data: z.string().optional() });
const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  edit_date: z.number().int().optional(),
  chat,
  from: user.optional(),
  /** Set on messages of a connected business account (business_message and its edits). */
  business_connection_id: z.string().optional(),
  /** The bot that sent the message on behalf of the business account. */
  sender_business_bot: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  media_group_id: z.string().optional(),
  photo: z.array(file).optional(),
  animation: file.optional(),
  document: file.optional(),
  video: file.optional(),
  video_note: file.optional(),
  voice: file.optional(),
  audio: file.optional(),
  sticker: file.optional(),
  contact: z
    .looseObject({
      phone_number: z.string(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
      user_id: z.number().int().optional(),
    })
    .optional(),
  location: point.optional(),
  venue: z.looseObject({ location: point, title: z.string(), address: z.string() }).optional(),
  poll: z
    .looseObject({
      question: z.string(),
      type: z.string().optional(),
      options: z.array(z.looseObject({ text: z.string() })),
    })
    .optional(),
  dice: z.looseObject({ emoji: z.string(), value: z.number().int() }).optional(),
  reply_to_message: z.looseObject({ message_id: z.number().int() }).optional(),
  /** TextQuote: the part of the replied-to message the sender quoted. */
  quote: z.looseObject({ text: z.string(), is_manual: z.boolean().optional() }).optional(),
  forward_origin: origin.optional(),
  // Before Bot API 7.0 a forward was described by these; old clients' updates may still have them.
  forward_from: user.optional(),
  forward_from_chat: chat.optional(),
  forward_from_message_id: z.number().int().optional(),
  forward_sender_name: z.string().optional(),
  forward_signature: z.string().optional(),
  forward_date: z.number().int().optional(),
});
const membership = z.looseObject({
  chat,
  from: user,
  date: z.number().int(),
  old_chat_member: z.looseObject({ status: z.string() }),
  new_chat_member: z.looseObject({ status: z.string() }),
});
// The message a button was on: the bot's own, or an InaccessibleMessage (date 0) when it is too
// old; only where it was and its keyboard are read.
const buttonMessage = z.looseObject({
  message_id: z.number().int(),
  chat,
  business_connection_id: z.string().optional(),
  reply_markup: z.looseObject({ inline_keyboard: z.array(z.array(button)) }).optional(),
});
const callbackQuery = z.looseObject({
  id: z.string(),
  from: user,
  message: buttonMessage.optional(),
  inline_message_id: z.string().optional(),
  data: z.string().optional(),
  game_short_name: z.string().optional(),
});
const businessConnection = z.looseObject({
  id: z.string(),
  user,
  user_chat_id: z.number().int(),
  date: z.number().int(),
  is_enabled: z.boolean(),
  // Bot API 9.0 replaced can_reply with rights.can_reply; either may come.
  can_reply: z.boolean().optional(),
  rights: z.looseObject({ can_reply: z.boolean().optional() }).optional(),
});
const businessMessagesDeleted = z.looseObject({
  business_connection_id: z.string(),
  chat,
  message_ids: z.array(z.number().int()),
});
export const telegramUpdate = z.looseObject({
  update_id: z.number().int(),
  message: message.optional(),
  edited_message: message.optional(),
  channel_post: message.optional(),
  edited_channel_post: message.optional(),
  business_message: message.optional(),
  edited_business_message: message.optional(),
  business_connection: businessConnection.optional(),
  deleted_business_messages: businessMessagesDeleted.optional(),
  callback_query: callbackQuery.optional(),
  my_chat_member: membership.optional(),
});
// Who caused an update of another type: message_reaction.user, inline_query.from, …
export const actor = z.looseObject({
  from: user.optional(),
  user: user.optional(),
  date: z.number().int().optional(),
});

export type User = z.infer<typeof user>;
export type Chat = z.infer<typeof chat>;
export type Post = z.infer<typeof message>;
export type Origin = z.infer<typeof origin>;
export type TelegramFile = z.infer<typeof file>;
export type Update = z.infer<typeof telegramUpdate>;
export type Membership = z.infer<typeof membership>;
export type CallbackQuery = z.infer<typeof callbackQuery>;
export type BusinessConnection = z.infer<typeof businessConnection>;
export type BusinessMessagesDeleted = z.infer<typeof businessMessagesDeleted>;
