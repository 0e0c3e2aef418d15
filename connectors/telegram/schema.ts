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
const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  edit_date: z.number().int().optional(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
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
  reply_to_message: z.looseObject({ message_id: z.number().int() }).optional(),
});
const membership = z.looseObject({
  chat,
  from: user,
  date: z.number().int(),
  old_chat_member: z.looseObject({ status: z.string() }),
  new_chat_member: z.looseObject({ status: z.string() }),
});
export const telegramUpdate = z.looseObject({
  update_id: z.number().int(),
  message: message.optional(),
  edited_message: message.optional(),
  channel_post: message.optional(),
  edited_channel_post: message.optional(),
  my_chat_member: membership.optional(),
});
// Who caused an update of another type: callback_query.from, message_reaction.user, …
export const actor = z.looseObject({
  from: user.optional(),
  user: user.optional(),
  date: z.number().int().optional(),
});

export type User = z.infer<typeof user>;
export type Post = z.infer<typeof message>;
export type TelegramFile = z.infer<typeof file>;
export type Update = z.infer<typeof telegramUpdate>;
export type Membership = z.infer<typeof membership>;
