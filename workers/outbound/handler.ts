/**
 * Sends one queued reply. The message row is the record: a reply already sent or failed is left
 * alone, so a duplicate job changes nothing. Tested without Redis against a real SMTP server.
 */
import { emailSettings } from '../../connectors/email/config.ts';
import type { EmailReplyMeta } from '../../connectors/email/compose.ts';
import { PermanentSendError, type SmtpSender } from '../../connectors/email/send.ts';
import { getChannel } from '../../db/channels.ts';
import type { Db } from '../../db/open.ts';
import { getMessage, setDelivery } from '../../db/outbound.ts';

export interface OutboundDeps {
  db: Db;
  smtp: SmtpSender;
}

export type SendOutcome = { status: 'sent' | 'skipped'; response?: string };

export async function sendOutbound(deps: OutboundDeps, messageId: number): Promise<SendOutcome> {
  const { db } = deps;
  const message = getMessage(db, messageId);
  if (!message) throw new PermanentSendError(`message ${messageId} does not exist`);
  if (message.direction !== 'out' || message.delivery !== 'queued') return { status: 'skipped' };
  const channel = getChannel(db, message.channelId);
  const settings = channel ? emailSettings.safeParse(channel.config) : undefined;
  if (!channel || channel.kind !== 'email' || !settings?.success) {
    throw new PermanentSendError(`channel ${message.channelId} cannot send email`);
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

/** The last word on a reply that will not be sent: kept on the message for the operator. */
export function markSendFailed(db: Db, messageId: number, error: string, attempts: number): void {
  setDelivery(db, messageId, 'failed', { error, attempts, failedAt: new Date().toISOString() });
}
