/**
 * Sends one queued reply through its channel's sender. The message row is the record: a reply
 * already sent or failed is left alone, so a duplicate job changes nothing. Tested without Redis
 * against a real SMTP server, a local Bot API server and a local Graph API.
 */
import type { AnyChannel, Sender, SenderDeps } from '../../core/channel.ts';
import { PermanentSendError, RecipientUnreachableError } from '../../core/errors.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';

export interface OutboundDeps {
  repos: Pick<Repositories, 'leads' | 'channels'>;
  /** One sender per channel kind that can answer (see `startSenders`). */
  senders: ReadonlyMap<string, Sender>;
  log?: Logger;
}

export type SendOutcome = { status: 'sent' | 'skipped'; response?: string };

/** The senders of every channel in the registry that can answer, made once per process. */
export function startSenders(channels: readonly AnyChannel[], deps: SenderDeps) {
  const senders = new Map<string, Sender>();
  for (const channel of channels) {
    if (channel.replies) senders.set(channel.kind, channel.replies.sender(deps));
  }
  return {
    senders,
    async close() {
      await Promise.all([...senders.values()].map((sender) => sender.close?.()));
    },
  };
}

export async function sendOutbound(deps: OutboundDeps, messageId: number): Promise<SendOutcome> {
  const { leads, channels } = deps.repos;
  const message = await leads.message(messageId);
  if (!message) throw new PermanentSendError(`message ${messageId} does not exist`);
  if (message.direction !== 'out' || message.delivery !== 'queued') return { status: 'skipped' };
  const channel = await channels.get(message.channelId);
  const sender = channel ? deps.senders.get(channel.kind) : undefined;
  if (!channel || !sender) {
    throw new PermanentSendError(`channel ${message.channelId} cannot send replies`);
  }
  try {
    const result = await sender.send({
      channel,
      message,
      // A part that went out stays sent: a failed bookkeeping write must not fail the job (its
      // retry would send the part again). The final write below carries the same progress.
      saveMeta: (meta, externalId) =>
        leads
          .setMeta(message.id, meta, externalId)
          .catch((error: unknown) =>
            deps.log?.warn({ err: error, messageId: message.id }, 'reply progress not recorded'),
          ),
    });
    await leads.setDelivery(message.id, 'sent', result.meta, result.externalId);
    return { status: 'sent', response: result.response };
  } catch (error) {
    if (error instanceof RecipientUnreachableError) {
      await channels.block(message.channelId, error.identityKey, error.message, new Date());
      await leads.setDelivery(message.id, 'undelivered', { error: scrubSecrets(error.message) });
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
