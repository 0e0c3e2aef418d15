/**
 * Sends one queued reply through its channel's sender. The message row is the record: a reply
 * already sent or failed is left alone, so a duplicate job changes nothing. Tested without Redis
 * against a real SMTP server, a local Bot API server and a local Graph API.
 */
import {
  serverAnswerAttached,
  type AnyChannel,
  type Sender,
  type SenderDeps,
  type ServerAnswer,
} from '../../core/channel.ts';
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
      await leads.setDelivery(message.id, 'undelivered', failureMeta(error));
    }
    throw error;
  }
}

/** Room enough for any server's explanation; a whole HTML error page is not kept. */
const ANSWER_MAX_CHARS = 500;

/**
 * What the server answered, as the failed message keeps it: the answer the channel attached to
 * its error, else the error's own words (a network error, a timeout). Scrubbed and trimmed.
 */
export function serverAnswerOf(error: unknown): ServerAnswer {
  const given = serverAnswerAttached(error);
  const words = given?.message ?? (error instanceof Error ? error.message : String(error));
  const message = scrubSecrets(words.trim()).slice(0, ANSWER_MAX_CHARS);
  return {
    ...(given?.status !== undefined ? { status: given.status } : {}),
    ...(given?.code !== undefined ? { code: given.code } : {}),
    message: message || 'no answer',
  };
}

/**
 * The meta a reply that will not go out keeps: the server's answer as `error`, and our own
 * sentence (what to do: send a template, set a new token) as `reason` when it says more.
 */
function failureMeta(error: unknown): Record<string, unknown> {
  const answer = serverAnswerOf(error);
  const reason = error instanceof Error ? scrubSecrets(error.message) : undefined;
  return { error: answer, ...(reason && reason !== answer.message ? { reason } : {}) };
}

/** The last word on a reply that will not be sent: kept on the message for the operator. */
export async function markSendFailed(
  repos: Pick<Repositories, 'leads'>,
  messageId: number,
  error: unknown,
  attempts: number,
): Promise<void> {
  await repos.leads.setDelivery(messageId, 'failed', {
    ...failureMeta(error),
    attempts,
    failedAt: new Date().toISOString(),
  });
}
