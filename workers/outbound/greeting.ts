/**
 * A channel's optional greeting: sent once, right after a customer's first message starts a new
 * lead there (a Telegram bot's or a WhatsApp number's welcome), through the same outbound queue as
 * operators' replies, so rate limits and blocks are handled the same way.
 */
import { channelOf, type AnyChannel } from '../../core/channel.ts';
import type { ChannelInfo, IngestOutcome } from '../../core/ports.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';

export function greetNewLeads(
  channels: readonly AnyChannel[],
  repos: {
    leads: Pick<Repositories['leads'], 'lastInboundOn' | 'addOutbound'>;
    channels: Pick<Repositories['channels'], 'blockOf'>;
  },
  outbound: Producer<'outbound'>,
  log: Logger,
) {
  const greeting = channels.filter((channel) => channel.replies?.greeting);
  return async (outcome: IngestOutcome, channel?: ChannelInfo): Promise<void> => {
    if (outcome.outcome !== 'created_simple' && outcome.outcome !== 'created_repeat') return;
    const leadId = outcome.leadId;
    if (leadId === null || !greeting.length) return;
    // A new lead's only message is the one just ingested: no greeting unless its channel greets
    // (a form or an email starts leads without one look-up each).
    if (channel && !greeting.some((greets) => greets.kind === channel.kind)) return;
    try {
      const route = await repos.leads.lastInboundOn(
        leadId,
        greeting.map((channel) => channel.kind),
      );
      const replies = route ? channelOf(greeting, route.channel.kind)?.replies : undefined;
      const text = route ? replies?.greeting?.(route.channel) : undefined;
      if (!route || !replies || !text) return;
      const draft = await replies.draft({ leadId, ...route }, { text }, repos);
      if (!draft.ok) return;
      const message = await repos.leads.addOutbound({
        leadId,
        channelId: route.channel.id,
        // One greeting per lead, whatever happens to this job.
        externalId: `greeting-${leadId}`,
        sender: route.channel.name,
        text: draft.text,
        meta: { ...draft.meta, greeting: true },
        at: new Date(),
      });
      if (message) await outbound.add({ messageId: message.id });
    } catch (error) {
      log.warn({ err: error, leadId }, 'greeting not sent');
    }
  };
}
