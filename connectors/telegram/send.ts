/**
 * Operators' replies over the Bot API: texts over 4,096 characters are split (at a paragraph,
 * line or word where possible); a 429 reports how long the bot must wait; a 403 (the user
 * blocked the bot) is final. Parts already sent are skipped when a job is retried.
 */
import { TelegramError, type Telegram } from 'telegraf';
import { withServerAnswer, type ServerAnswer } from '../../core/channel.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import {
  PermanentSendError,
  RateLimitedError,
  RecipientUnreachableError,
} from '../../core/errors.ts';
import { botClient, type TelegramSettings } from './config.ts';
import { MAX_MESSAGE_LENGTH } from './update.ts';
import { splitText } from '../../core/split-text.ts';

/**
 * A Business chat is answered through the business account's connection. telegraf 4.16 types
 * predate Telegram Business, so the field is added outside its types (the Bot API takes it).
 */
function businessExtra(to: { businessConnectionId?: string | undefined }) {
  if (!to.businessConnectionId) return undefined;
  const extra: object = { business_connection_id: to.businessConnectionId };
  return extra as Parameters<Telegram['sendMessage']>[2];
}

export class TelegramSender {
  private readonly clients = new Map<string, Telegram>();

  constructor(private readonly credentials: Credentials) {}

  private client(channelId: number, settings: TelegramSettings): Telegram {
    const key = `${channelId}:${JSON.stringify(settings.token)}:${settings.apiRoot ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = botClient(settings, this.credentials);
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * Sends the parts from `alreadySent` on; `onPart` records each one as it goes, so a retry
   * after a failure in the middle never sends a part twice.
   */
  async send(
    channelId: number,
    settings: TelegramSettings,
    to: { chatId: number; businessConnectionId?: string | undefined },
    text: string,
    alreadySent: number,
    onPart: (index: number, messageId: number) => Promise<void>,
  ): Promise<number> {
    const telegram = this.client(channelId, settings);
    const parts = splitText(text, MAX_MESSAGE_LENGTH);
    for (let index = alreadySent; index < parts.length; index++) {
      let sent;
      try {
        sent = await telegram.sendMessage(to.chatId, parts[index] ?? '', businessExtra(to));
      } catch (error) {
        if (!(error instanceof TelegramError)) throw error;
        const { error_code: code, parameters } = error.response;
        if (code === 429) {
          const wait = parameters?.retry_after ?? 5;
          throw new RateLimitedError(wait, `Telegram rate limit: retry after ${wait} s`);
        }
        // What the Bot API said, kept on the reply if it never goes out.
        const answer: ServerAnswer = { status: code, message: error.description };
        // The customer blocked the bot: this reply is undeliverable, and so are the next ones.
        if (code === 403) {
          const blocked = new RecipientUnreachableError(
            `the customer blocked the bot (${error.description})`,
            `telegram:${to.chatId}`,
          );
          throw withServerAnswer(blocked, answer);
        }
        if (code === 400) {
          const refused = new PermanentSendError(
            `Telegram refused the message: ${error.description}`,
            { cause: error },
          );
          throw withServerAnswer(refused, answer);
        }
        throw withServerAnswer(error, answer);
      }
      // Outside the try: a failed bookkeeping write must not count as a failed send.
      await onPart(index, sent.message_id);
    }
    return parts.length;
  }
}
