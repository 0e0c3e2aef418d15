/** Replies in a bot's chat (and a Business account's chats): drafted to the customer's chat, sent over the Bot API. */
import { randomUUID } from 'node:crypto';
import type { ReplySupport } from '../../core/channel.ts';
import { PermanentSendError } from '../../core/errors.ts';
import { TelegramSender } from './send.ts';
import { readTelegramSettings } from './settings.ts';

/** Where a reply goes, kept on the outbound message. */
export interface TelegramReplyMeta {
  chatId: number;
  identityKey: string;
  /** A Telegram Business chat is answered through the business account's connection. */
  businessConnectionId?: string;
  /** Parts already sent (a retry starts after them) and their message ids. */
  sentParts?: number[];
}

export const telegramReplies: ReplySupport = {
  async draft({ channel, message }, reply, { channels }) {
    if (reply.template) {
      return {
        ok: false,
        code: 'unsupported',
        message: 'Telegram replies are text, not templates',
      };
    }
    const telegram = message.meta.telegram as
      { chatId?: number; businessConnectionId?: string } | undefined;
    const chatId = telegram?.chatId;
    if (chatId === undefined) {
      return {
        ok: false,
        code: 'cannot_send',
        message: 'the Telegram message has no chat to answer',
      };
    }
    const identityKey = `telegram:${chatId}`;
    const blocked = await channels.blockOf(channel.id, identityKey);
    if (blocked) {
      return {
        ok: false,
        code: 'unreachable',
        message: `the customer cannot be answered on Telegram: ${blocked.reason}`,
      };
    }
    const meta: TelegramReplyMeta = {
      chatId,
      identityKey,
      ...(telegram?.businessConnectionId
        ? { businessConnectionId: telegram.businessConnectionId }
        : {}),
    };
    return {
      ok: true,
      externalId: `tg-out-${reply.unique ?? randomUUID()}`,
      sender: channel.name,
      text: reply.text,
      meta: { telegram: meta },
    };
  },
  greeting: (channel) => readTelegramSettings(channel.config)?.greeting,
  sender({ credentials }) {
    const bots = new TelegramSender(credentials);
    return {
      async send({ channel, message, saveMeta }) {
        const settings = readTelegramSettings(channel.config);
        const meta = message.meta.telegram as TelegramReplyMeta | undefined;
        if (!settings || !meta)
          throw new PermanentSendError(`message ${message.id} cannot go to Telegram`);
        const sentParts = [...(meta.sentParts ?? [])];
        const parts = await bots.send(
          channel.id,
          settings,
          { chatId: meta.chatId, businessConnectionId: meta.businessConnectionId },
          message.text,
          sentParts.length,
          async (index, telegramId) => {
            sentParts[index] = telegramId;
            // Recorded part by part: a retry after a failure in the middle never repeats a part.
            await saveMeta({ ...message.meta, telegram: { ...meta, sentParts } });
          },
        );
        return {
          response: `${parts} part(s)`,
          meta: { telegram: { ...meta, sentParts }, sent: { parts, at: new Date().toISOString() } },
        };
      },
    };
  },
};
