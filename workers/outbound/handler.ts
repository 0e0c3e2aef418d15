/**
 * Sends one queued reply over its channel (SMTP or the Bot API). The message row is the
 * record: a reply already sent or failed is left alone, so a duplicate job changes nothing.
 * Tested without Redis against a real SMTP server and a local Bot API server.
 */
import { eq } from 'drizzle-orm';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import type { EmailReplyMeta } from '../../connectors/email/compose.ts';
import { emailSettings } from '../../connectors/email/config.ts';
import { PermanentSendError, type SmtpSender } from '../../connectors/email/send.ts';
import { telegramSettings } from '../../connectors/telegram/config.ts';
import { BlockedError, type TelegramSender } from '../../connectors/telegram/send.ts';
import { getChannel } from '../../db/channels.ts';
import type { Db } from '../../db/open.ts';
import { getMessage, setDelivery } from '../../db/outbound.ts';
import { messages } from '../../db/schema.ts';
import { setBlocked } from '../../db/telegram.ts';

export interface OutboundDeps {
  db: Db;
  smtp: SmtpSender;
  telegram: TelegramSender;
}

export type SendOutcome = { status: 'sent' | 'skipped'; response?: string };

export interface TelegramReplyMeta {
  chatId: number;
  identityKey: string;
  /** Parts already sent (a retry starts after them) and their message ids. */
  sentParts?: number[];
}

export async function sendOutbound(deps: OutboundDeps, messageId: number): Promise<SendOutcome> {
  const { db } = deps;
  const message = getMessage(db, messageId);
  if (!message) throw new PermanentSendError(`message ${messageId} does not exist`);
  if (message.direction !== 'out' || message.delivery !== 'queued') return { status: 'skipped' };
  const channel = getChannel(db, message.channelId);
  if (channel?.kind === 'telegram') return sendTelegram(deps, message, channel.config);
  const settings = channel ? emailSettings.safeParse(channel.config) : undefined;
  if (!channel || channel.kind !== 'email' || !settings?.success) {
    throw new PermanentSendError(`channel ${message.channelId} cannot send replies`);
  }
  const email = message.meta.email as EmailReplyMeta | undefined;
  if (!email) throw new PermanentSendError(`message ${messageId} has no email envelope`);
  const result = await deps.smtp.send(settings.data, {
    ...email,
    messageId: message.externalId,
    text: message.text,
    channelId: channel.id,
  });
  setDelivery(db, messageId, 'sent', {
    smtp: { response: result.response, accepted: result.accepted, at: new Date().toISOString() },
  });
  return { status: 'sent', response: result.response };
}

async function sendTelegram(
  deps: OutboundDeps,
  message: NonNullable<ReturnType<typeof getMessage>>,
  config: Record<string, unknown>,
): Promise<SendOutcome> {
  const { db } = deps;
  const settings = telegramSettings.safeParse(config);
  const meta = message.meta.telegram as TelegramReplyMeta | undefined;
  if (!settings.success || !meta)
    throw new PermanentSendError(`message ${message.id} cannot go to Telegram`);
  const sentParts = [...(meta.sentParts ?? [])];
  try {
    const parts = await deps.telegram.send(
      message.channelId,
      settings.data,
      meta.chatId,
      message.text,
      sentParts.length,
      (index, telegramId) => {
        sentParts[index] = telegramId;
        // Recorded part by part: a retry after a failure in the middle never repeats a part.
        db.update(messages)
          .set({ meta: { ...message.meta, telegram: { ...meta, sentParts } } })
          .where(eq(messages.id, message.id))
          .run();
      },
    );
    setDelivery(db, message.id, 'sent', {
      telegram: { ...meta, sentParts },
      sent: { parts, at: new Date().toISOString() },
    });
    return { status: 'sent', response: `${parts} part(s)` };
  } catch (error) {
    if (error instanceof BlockedError) {
      setBlocked(db, message.channelId, meta.identityKey, 'blocked the bot');
      setDelivery(db, message.id, 'undelivered', {
        telegram: { ...meta, sentParts },
        error: scrubSecrets(error.message),
      });
    }
    throw error;
  }
}

/** The last word on a reply that will not be sent: kept on the message for the operator. */
export function markSendFailed(db: Db, messageId: number, error: string, attempts: number): void {
  setDelivery(db, messageId, 'failed', {
    error: scrubSecrets(error),
    attempts,
    failedAt: new Date().toISOString(),
  });
}
