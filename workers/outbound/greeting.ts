/**
 * A bot's optional greeting: sent once, right after a Telegram chat starts a new lead, through
 * the same outbound queue as operators' replies (so 429s and blocks are handled the same way).
 */
import type { IngestOutcome } from '../../core/ports.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';
import { telegramSettings } from '../../connectors/telegram/config.ts';
import type { Db } from '../../db/open.ts';
import { createOutbound, lastInboundOn } from '../../db/outbound.ts';

export function greetNewLeads(db: Db, outbound: Producer<'outbound'>, log: Logger) {
  return async (outcome: IngestOutcome): Promise<void> => {
    if (outcome.outcome !== 'created_simple' && outcome.outcome !== 'created_repeat') return;
    if (outcome.leadId === null) return;
    const route = lastInboundOn(db, outcome.leadId, ['telegram']);
    const settings = route ? telegramSettings.safeParse(route.channel.config) : undefined;
    const greeting = settings?.success ? settings.data.greeting : undefined;
    const chatId = (route?.message.meta.telegram as { chatId?: number } | undefined)?.chatId;
    if (!route || !greeting || chatId === undefined) return;
    try {
      const message = createOutbound(db, {
        leadId: outcome.leadId,
        channelId: route.channel.id,
        // One greeting per lead, whatever happens to this job.
        externalId: `tg-greeting-${outcome.leadId}`,
        sender: route.channel.name,
        text: greeting,
        meta: { telegram: { chatId, identityKey: `telegram:${chatId}` }, greeting: true },
        at: new Date(),
      });
      await outbound.add({ messageId: message.id });
    } catch (error) {
      if (String(error).includes('UNIQUE')) return;
      log.warn({ err: error, leadId: outcome.leadId }, 'greeting not sent');
    }
  };
}
