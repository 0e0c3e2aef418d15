/**
 * The telegram connector (the `telegram` process): a BotPoller for every active bot channel in
 * polling mode, re-read every 30 s so bots added or switched to webhooks are picked up.
 */
import type { Repositories } from '../../core/repositories/index.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { botClient, telegramSettings } from './config.ts';
import { BotPoller } from './polling.ts';

export interface TelegramConnectorOptions {
  repos: Pick<Repositories, 'inbox' | 'checkpoints' | 'channels'>;
  producer: Producer<'ingest'>;
  log: Logger;
  credentials: Credentials;
  refreshMs?: number;
  /** getUpdates long-poll seconds (tests use short ones). */
  pollTimeoutSeconds?: number;
}

export interface TelegramConnector {
  bots(): number[];
  stop(): Promise<void>;
}

export function startTelegramConnector(options: TelegramConnectorOptions): TelegramConnector {
  const pollers = new Map<number, { poller: BotPoller; version: string }>();
  const log = options.log.child({ connector: 'telegram' });

  const refresh = async () => {
    const wanted = new Map<number, string>();
    for (const channel of await options.repos.channels.list('telegram')) {
      const settings = telegramSettings.safeParse(channel.config);
      if (!channel.active || !settings.success || settings.data.mode !== 'polling') continue;
      wanted.set(channel.id, JSON.stringify(channel.config));
    }
    for (const [channelId, running] of pollers) {
      if (wanted.get(channelId) === running.version) continue;
      pollers.delete(channelId);
      await running.poller.stop();
      log.info({ channel: channelId }, 'bot polling stopped');
    }
    for (const [channelId, version] of wanted) {
      if (pollers.has(channelId)) continue;
      const settings = telegramSettings.parse(JSON.parse(version));
      let telegram;
      try {
        telegram = botClient(settings, options.credentials);
      } catch (error) {
        log.error({ channel: channelId, err: (error as Error).message }, 'bot token unavailable');
        continue;
      }
      const poller = new BotPoller({
        ...options,
        channelId,
        telegram,
        ...(options.pollTimeoutSeconds !== undefined
          ? { timeoutSeconds: options.pollTimeoutSeconds }
          : {}),
      });
      pollers.set(channelId, { poller, version });
      poller.start();
      log.info({ channel: channelId }, 'bot polling started');
    }
  };

  let refreshing: Promise<void> = refresh().catch((error: unknown) =>
    log.error({ err: error }, 'could not read the bot channels'),
  );
  const timer = setInterval(() => {
    refreshing = refreshing
      .then(refresh)
      .catch((error: unknown) => log.error({ err: error }, 'could not read the bot channels'));
  }, options.refreshMs ?? 30_000);
  timer.unref();

  return {
    bots: () => [...pollers.keys()],
    async stop() {
      clearInterval(timer);
      await refreshing;
      await Promise.all([...pollers.values()].map(({ poller }) => poller.stop()));
      pollers.clear();
    },
  };
}
