/**
 * The Telegram channel's shapes: what the inbox keeps of an update, which update types the bot
 * subscribes to, and what the worker's async step (getFile downloads) hands the pure normaliser.
 */

/** The inbox row of a Telegram update, from the webhook or from polling. */
export interface TelegramRaw {
  kind: 'telegram';
  /** The Update object exactly as Telegram sent it. */
  update: unknown;
  receivedAt: string;
}

/** Every field of Telegram's Update object that is an update (Bot API 9), in the API's order. */
export const UPDATE_TYPES = [
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
  'message_reaction',
  'message_reaction_count',
  'inline_query',
  'chosen_inline_result',
  'callback_query',
  'shipping_query',
  'pre_checkout_query',
  'purchased_paid_media',
  'poll',
  'poll_answer',
  'my_chat_member',
  'chat_member',
  'chat_join_request',
  'chat_boost',
  'removed_chat_boost',
] as const;
export type UpdateType = (typeof UPDATE_TYPES)[number];

/**
 * What the bot subscribes to (`allowed_updates` of getUpdates and setWebhook): customers'
 * messages and their edits, button presses, blocks and unblocks, and a connected Business
 * account's chats.
 */
export const ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'callback_query',
  'my_chat_member',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
] as const satisfies readonly UpdateType[];

/** The update's type: the first field of the Update object that holds an object. */
export function updateType(update: object): UpdateType | undefined {
  const fields = update as Record<string, unknown>;
  return UPDATE_TYPES.find((type) => isObject(fields[type]));
}

export type UpdateCheck =
  { ok: true; type: UpdateType; subscribed: boolean } | { ok: false; reason: string };

/**
 * Whether a webhook body (or a getUpdates item) is an Update worth keeping: a whole-number
 * update_id and one of the Bot API's update types holding an object. Nothing else is checked:
 * a detail of a message's shape is for the normaliser to report on the stored row.
 *
 * Types the bot did not subscribe to are accepted (`subscribed: false`) and stored as ignored:
 * Telegram says allowed_updates "doesn't affect updates created before the call", so they do come
 * for a while after a change, and a refused webhook delivery is retried, holding up the rest.
 */
export function isKnownUpdate(body: unknown): UpdateCheck {
  if (!isObject(body)) return { ok: false, reason: 'the body is not a JSON object' };
  const { update_id: id } = body as { update_id?: unknown };
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
    return { ok: false, reason: 'update_id is missing or not a whole number' };
  const type = updateType(body);
  if (!type) {
    const fields = Object.keys(body).filter((key) => key !== 'update_id');
    const has = fields.length ? `it has ${fields.slice(0, 5).join(', ')}` : 'it has nothing else';
    return { ok: false, reason: `no update type of the Bot API holds an object (${has})` };
  }
  return { ok: true, type, subscribed: (ALLOWED_UPDATES as readonly string[]).includes(type) };
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type TelegramFileKind =
  'photo' | 'document' | 'voice' | 'audio' | 'video' | 'video_note' | 'animation' | 'sticker';

/** A file of the message, after the worker tried to fetch it into the blob store. */
export interface FetchedFile {
  kind: TelegramFileKind;
  fileId: string;
  fileUniqueId: string;
  filename: string;
  contentType: string;
  /** As Telegram reported it (0 when unknown). */
  size: number;
  /** Null when the content was not kept (`skipped` says why). */
  sha256: string | null;
  skipped?: string;
}

/** What the normaliser receives: the update, its files, and the channel's rules. */
export interface ExpandedUpdate {
  update: unknown;
  receivedAt: string;
  files: FetchedFile[];
  /** Group, supergroup and channel posts become leads only when the channel allows them. */
  allowGroups: boolean;
}

/** Telegram's limit for one sendMessage text. */
export const MAX_MESSAGE_LENGTH = 4096;
