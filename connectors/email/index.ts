/**
 * The email connector (the `email` process): one MailboxSession per active mailbox channel.
 * The channel list is re-read every 30 s, so a mailbox connected, changed or switched off
 * through the API is picked up without a restart.
 */
import type { Logger } from '../../core/runtime/logger.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { emailSettings } from './config.ts';
import { MailboxSession } from './mailbox.ts';
import type { SyncDeps } from './sync.ts';

export interface EmailConnectorOptions extends SyncDeps {
  credentials: Credentials;
  /** How often the channel list is re-read. */
  refreshMs?: number;
}

export interface EmailConnector {
  /** Channel ids with a session, and whether each is connected. */
  status(): { channelId: number; connected: boolean }[];
  /** Makes every session look for new mail now (tests, backfill). */
  syncNow(): void;
  stop(): Promise<void>;
}

export function startEmailConnector(options: EmailConnectorOptions): EmailConnector {
  const sessions = new Map<number, { session: MailboxSession; version: string }>();
  const log: Logger = options.log.child({ connector: 'email' });

  const refresh = async () => {
    const wanted = new Map<
      number,
      { version: string; settings: ReturnType<typeof emailSettings.parse> }
    >();
    for (const channel of await options.repos.channels.list('email')) {
      if (!channel.active) continue;
      const parsed = emailSettings.safeParse(channel.config);
      if (!parsed.success) {
        log.error(
          { channel: channel.id },
          'mailbox settings are not valid; fix them with PATCH /api/v1/channels/:id',
        );
        continue;
      }
      wanted.set(channel.id, { version: JSON.stringify(channel.config), settings: parsed.data });
    }
    for (const [channelId, running] of sessions) {
      if (wanted.get(channelId)?.version === running.version) continue;
      sessions.delete(channelId);
      await running.session.stop();
      log.info({ channel: channelId }, 'mailbox session stopped');
    }
    for (const [channelId, { version, settings }] of wanted) {
      if (sessions.has(channelId)) continue;
      const session = new MailboxSession({ ...options, channelId, settings });
      sessions.set(channelId, { session, version });
      session.start();
    }
  };

  let refreshing: Promise<void> = refresh().catch((error: unknown) =>
    log.error({ err: error }, 'could not read the mailbox channels'),
  );
  const timer = setInterval(() => {
    refreshing = refreshing
      .then(refresh)
      .catch((error: unknown) => log.error({ err: error }, 'could not read the mailbox channels'));
  }, options.refreshMs ?? 30_000);
  timer.unref();

  return {
    status: () =>
      [...sessions].map(([channelId, { session }]) => ({
        channelId,
        connected: session.connected,
      })),
    syncNow: () => {
      for (const { session } of sessions.values()) session.requestSync();
    },
    async stop() {
      clearInterval(timer);
      await refreshing;
      await Promise.all([...sessions.values()].map(({ session }) => session.stop()));
      sessions.clear();
    },
  };
}
