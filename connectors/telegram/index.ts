/** The Telegram channel (source TELEGRAM): bots by webhook or long polling, Business chats, replies. */
import type { Router } from 'express';
import type { Channel } from '../../core/channel.ts';
import { syncWebhook, webhookInfo } from './admin.ts';
import { checkBot } from './check.ts';
import { botClient } from './config.ts';
import { watchWebhooks } from './health.ts';
import { expandTelegram } from './ingest.ts';
import { normaliseTelegram } from './normalise.ts';
import { BotPoller } from './polling.ts';
import { telegramReplies } from './replies.ts';
import { readTelegramSettings, telegramChannelSettings } from './settings.ts';
import type { ExpandedUpdate } from './update.ts';
import { telegramWebhookRoutes } from './webhook.ts';

export const telegramChannel: Channel<Router> = {
  kind: 'telegram',
  source: 'TELEGRAM',
  label: 'Telegram bot',
  settings: telegramChannelSettings,
  normalise: (expanded, context) => normaliseTelegram(expanded as ExpandedUpdate, context),
  expand: expandTelegram,
  replies: telegramReplies,
  connector: {
    process: 'telegram',
    // A bot in webhook mode gets its updates from Telegram through the web process.
    wanted: (channel) => readTelegramSettings(channel.config)?.mode === 'polling',
    start(channel, deps) {
      const settings = readTelegramSettings(channel.config);
      if (!settings) throw new Error(`channel ${channel.id} has no valid bot settings`);
      const poller = new BotPoller({
        repos: deps.repos,
        recorder: deps.recorder,
        log: deps.log,
        channelId: channel.id,
        telegram: botClient(settings, deps.credentials),
        ...(deps.config.telegramPollSeconds !== undefined
          ? { timeoutSeconds: deps.config.telegramPollSeconds }
          : {}),
      });
      poller.start();
      return { connected: () => poller.connected, stop: () => poller.stop() };
    },
    monitor: (deps) => watchWebhooks({ channels: deps.repos.channels, ...deps }),
  },
  webhook: telegramWebhookRoutes,
  async onSaved(channel, deps) {
    const webhook = await syncWebhook(deps.channels, channel, deps.credentials, deps.log);
    return webhook ? { webhook } : undefined;
  },
  async health(channel, { credentials }) {
    const info = await webhookInfo(channel, credentials);
    return info ? { webhookInfo: info } : undefined;
  },
  async test(channel, { credentials }) {
    const settings = readTelegramSettings(channel.config);
    if (!settings) return [{ name: 'settings', ok: false, detail: 'not valid bot settings' }];
    return checkBot(settings, credentials);
  },
};
