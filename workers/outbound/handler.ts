/**
 * Sends one queued reply over its channel (SMTP or the Bot API). The message row is the
 * record: a reply already sent or failed is left alone, so a duplicate job changes nothing.
 * Tested without Redis against a real SMTP server and a local Bot API server.
 */
import type { MessageRecord } from '../../core/repositories/leads.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import type { EmailReplyMeta } from '../../connectors/email/compose.ts';
import { emailSettings } from '../../connectors/email/config.ts';
import { PermanentSendError, RecipientUnreachableError } from '../../core/errors.ts';
import type { SmtpSender } from '../../connectors/email/send.ts';
import { telegramSettings } from '../../connectors/telegram/config.ts';
import type { TelegramSender } from '../../connectors/telegram/send.ts';

export interface OutboundDeps {
  repos: Pick<Repositories, 'leads' | 'channels'>;
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
  const { leads, channels } = deps.repos;
  const message = await leads.message(messageId);
  if (!message) throw new PermanentSendError(`message ${messageId} does not exist`);
  if (message.direction !== 'out' || message.delivery !== 'queued') return { status: 'skipped' };
  const channel = await channels.get(message.channelId);
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
  await leads.setDelivery(messageId, 'sent', {
    smtp: { response: result.response, accepted: result.accepted, at: new Date().toISOString() },
  });
  return { status: 'sent', response: result.response };
}

async function sendTelegram(
  deps: OutboundDeps,
  message: MessageRecord,
  config: Record<string, unknown>,
): Promise<SendOutcome> {
  const { leads, channels } = deps.repos;
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
      async (index, telegramId) => {
        sentParts[index] = telegramId;
        // Recorded part by part: a retry after a failure in the middle never repeats a part.
        await leads.setMeta(message.id, { ...message.meta, telegram: { ...meta, sentParts } });
      },
    );
    await leads.setDelivery(message.id, 'sent', {
      telegram: { ...meta, sentParts },
      sent: { parts, at: new Date().toISOString() },
    });
    return { status: 'sent', response: `${parts} part(s)` };
  } catch (error) {
    if (error instanceof RecipientUnreachableError) {
      await channels.block(message.channelId, meta.identityKey, 'blocked the bot', new Date());
      await leads.setDelivery(message.id, 'undelivered', {
        telegram: { ...meta, sentParts },
        error: scrubSecrets(error.message),
      });
    }
    throw error;
  }
}

/** The last word on a reply that will not be sent: kept on the message for the operator. */
export async function markSendFailed(
  repos: Pick<Repositories, 'leads'>,
  messageId: number,
  error: string,
  attempts: number,
): Promise<void> {
  await repos.leads.setDelivery(messageId, 'failed', {
    error: scrubSecrets(error),
    attempts,
    failedAt: new Date().toISOString(),
  });
}
