/**
 * A button press (callback_query) on one of the bot's inline keyboards: a message on the lead
 * from the person who pressed it, "pressed: <the button's text>". The worker answers the query
 * (ingest.ts) so the customer's button stops spinning.
 */
import type { InboundMessage } from '../../core/inbound.ts';
import { compact, displayName, messageKey, person, senderIdentities } from './common.ts';
import type { CallbackQuery, Update } from './schema.ts';
import type { ExpandedUpdate } from './update.ts';

/** The pressed button's text, found by its callback_data on the message; else the data itself. */
export function pressedLabel(query: CallbackQuery): string {
  const buttons = query.message?.reply_markup?.inline_keyboard.flat() ?? [];
  const { data } = query;
  const button = data === undefined ? undefined : buttons.find((b) => b.callback_data === data);
  return button?.text ?? data ?? query.game_short_name ?? 'a button without data';
}

export function normaliseCallback(
  update: Update,
  query: CallbackQuery,
  ignored: string | undefined,
  expanded: ExpandedUpdate,
): InboundMessage {
  const { from, message } = query;
  const chat = message?.chat;
  const name = displayName(from);
  const where = chat && chat.type !== 'private' && chat.title ? ` in ${chat.title}` : '';
  const connectionId = message?.business_connection_id;
  return {
    // Unique per press; a redelivered update presses nothing twice.
    externalId: `tg-callback-${query.id}`,
    source: 'TELEGRAM',
    // A button press carries no date of its own.
    sentAt: new Date(expanded.receivedAt),
    ...senderIdentities(from),
    threadRefs: message ? [messageKey(message.chat.id, message.message_id, connectionId)] : [],
    ...(ignored ? { automated: { reason: ignored } } : {}),
    sender: name ? { name } : {},
    title: `Telegram: ${name ?? from.id}${where}`,
    text: `pressed: ${pressedLabel(query)}`,
    fields: {},
    utm: {},
    meta: {
      telegram: compact({
        updateId: update.update_id,
        // A button on an inline message has no chat: the presser's private chat answers them.
        chatId: chat?.id ?? from.id,
        chatType: chat?.type,
        chatTitle: chat?.title,
        messageId: message?.message_id,
        businessConnectionId: connectionId,
        callbackQueryId: query.id,
        callbackData: query.data,
        ...person(from),
      }),
    },
  };
}
