/**
 * Webhook health for the metrics. A bot in webhook mode fails silently from our side: when our
 * endpoint is unreachable Telegram just keeps the updates. So the telegram process asks Telegram
 * (getWebhookInfo) every minute and shows its answer: pending updates, when it last failed, and
 * whether the webhook is set at all.
 */
import {
  telegramWebhookLastError,
  telegramWebhookPending,
  telegramWebhookUp,
} from '../../core/runtime/metrics.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { ChannelRepository } from '../../core/repositories/channels.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { webhookInfo } from './admin.ts';

export interface WebhookWatchOptions {
  channels: Pick<ChannelRepository, 'list'>;
  log: Logger;
  credentials: Credentials;
  everyMs?: number;
}

export function watchWebhooks(options: WebhookWatchOptions): { stop(): void } {
  const reported = new Map<number, string>();
  const check = async () => {
    const webhookBots = (await options.channels.list('telegram')).filter(
      (channel) => channel.active,
    );
    const seen = new Set<string>();
    for (const channel of webhookBots) {
      const info = await webhookInfo(channel, options.credentials);
      if (!info) continue; // a polling bot
      const labels = { channel_id: String(channel.id) };
      seen.add(labels.channel_id);
      if ('error' in info) {
        telegramWebhookUp.set(labels, 0);
        // Unknown now: an old count or error time would read as Telegram's current view.
        telegramWebhookPending.remove(labels);
        telegramWebhookLastError.remove(labels);
        options.log.warn({ channel: channel.id, err: info.error }, 'getWebhookInfo failed');
        continue;
      }
      telegramWebhookUp.set(labels, info.url ? 1 : 0);
      telegramWebhookPending.set(labels, info.pendingUpdates);
      telegramWebhookLastError.set(
        labels,
        info.lastErrorAt ? Date.parse(info.lastErrorAt) / 1000 : 0,
      );
      // Logged once per failure Telegram reports, not every minute.
      if (info.lastError && info.lastErrorAt && reported.get(channel.id) !== info.lastErrorAt) {
        reported.set(channel.id, info.lastErrorAt);
        options.log.warn(
          { channel: channel.id, lastError: info.lastError, at: info.lastErrorAt },
          'Telegram reports a webhook delivery error',
        );
      }
    }
    // A bot removed or switched to polling must not keep its last values forever.
    for (const gauge of [telegramWebhookUp, telegramWebhookPending, telegramWebhookLastError]) {
      for (const { labels } of (await gauge.get()).values) {
        if (!seen.has(String(labels.channel_id))) gauge.remove(labels);
      }
    }
  };
  let running = false;
  const round = () => {
    if (running) return;
    running = true;
    void check()
      .catch((error: unknown) => options.log.warn({ err: error }, 'webhook health check failed'))
      .finally(() => (running = false));
  };
  round();
  const timer = setInterval(round, options.everyMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
