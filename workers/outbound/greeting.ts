/**
 * A bot's optional greeting: sent once, right after a Telegram chat starts a new lead, through
 * the same outbound queue as operators' replies (so 429s and blocks are handled the same way).
 */
import type { IngestOutcome } from '../../core/ports.ts';
import type { LeadRepository } from '../../core/repositories/leads.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';
import { telegramSettings } from '../../connectors/telegram/config.ts';

export function greetNewLeads(
  leads: Pick<LeadRepository, 'lastInboundOn' | 'addOutbound'>,
  outbound: Producer<'outbound'>,
  log: Logger,
) {
  return async (outcome: IngestOutcome): Promise<void> => {
    if (outcome.outcome !== 'created_simple' && outcome.outcome !== 'created_repeat') return;
    if (outcome.leadId === null) return;
    const route = await leads.lastInboundOn(outcome.leadId, ['telegram']);
    const settings = route ? telegramSettings.safeParse(route.channel.config) : undefined;
    const greeting = settings?.success ? settings.data.greeting : undefined;
    const chatId = (route?.message.meta.telegram as { chatId?: number } | undefined)?.chatId;
    if (!route || !greeting || chatId === undefined) return;
    try {
      const message = await leads.addOutbound({
        leadId: outcome.leadId,
        channelId: route.channel.id,
        // One greeting per lead, whatever happens to this job.
        externalId: `tg-greeting-${outcome.leadId}`,
        sender: route.channel.name,
        text: greeting,
        meta: { telegram: { chatId, identityKey: `telegram:${chatId}` }, greeting: true },
        at: new Date(),
      });
      if (message) await outbound.add({ messageId: message.id });
    } catch (error) {
      log.warn({ err: error, leadId: outcome.leadId }, 'greeting not sent');
    }
  };
}
