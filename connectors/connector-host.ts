/**
 * A connector process (the Procfile's `email`, `telegram`): one session per active channel of
 * the kinds it runs, started when a channel is connected, restarted when its settings change,
 * stopped when it is switched off. The channel list is read again as soon as a channel is saved
 * anywhere (`refresh()`, called on the change notice of core/runtime/channel-changes.ts) and
 * every 30 s besides, so a notice lost while Redis was away only delays a change.
 */
import type { AnyChannel, ConnectorDeps, ConnectorSession } from '../core/channel.ts';
import type { ChannelRecord } from '../core/repositories/channels.ts';
import type { Logger } from '../core/runtime/logger.ts';

export interface ConnectorHostOptions {
  /** The channels whose connector runs in this process. */
  channels: readonly AnyChannel[];
  deps: ConnectorDeps;
  /** How often the channel list is read when no change is announced. */
  refreshMs?: number;
}

export interface SessionStatus {
  channelId: number;
  kind: string;
  connected: boolean;
}

export interface ConnectorHost {
  sessions(): SessionStatus[];
  /** Reads the channel list now (after a change notice). Resolves once sessions follow it. */
  refresh(): Promise<void>;
  /** Makes every session look for new events now (tests, backfill). */
  syncNow(): void;
  stop(): Promise<void>;
}

interface Running {
  kind: string;
  version: string;
  session: ConnectorSession;
}

export function startConnectorHost(options: ConnectorHostOptions): ConnectorHost {
  const { deps } = options;
  const log: Logger = deps.log.child({ connector: options.channels.map((c) => c.kind).join(',') });
  const running = new Map<number, Running>();
  // Channels that want a session but have none (settings not valid, a start that failed): shown
  // as not connected, so the session-down alerts see them rather than nothing at all.
  let notStarted = new Map<number, string>();
  const monitors = options.channels.flatMap((channel) =>
    channel.connector?.monitor ? [channel.connector.monitor(deps)] : [],
  );
  let stopped = false;

  const wantedChannels = async (invalid: Map<number, string>) => {
    const wanted = new Map<number, { channel: AnyChannel; record: ChannelRecord }>();
    for (const channel of options.channels) {
      const connector = channel.connector;
      if (!connector) continue;
      for (const record of await deps.repos.channels.list(channel.kind)) {
        if (!record.active) continue;
        if (connector.wanted && !connector.wanted(record)) continue;
        if (channel.settings && !channel.settings.valid(record.config)) {
          log.error(
            { channel: record.id, kind: channel.kind },
            'channel settings are not valid; fix them with PATCH /api/v1/channels/:id',
          );
          invalid.set(record.id, channel.kind);
          continue;
        }
        wanted.set(record.id, { channel, record });
      }
    }
    return wanted;
  };

  const sync = async () => {
    if (stopped) return;
    const failing = new Map<number, string>();
    const wanted = await wantedChannels(failing);
    for (const [channelId, current] of running) {
      const next = wanted.get(channelId);
      if (next && JSON.stringify(next.record.config) === current.version) continue;
      running.delete(channelId);
      await current.session.stop();
      log.info({ channel: channelId, kind: current.kind }, 'session stopped');
    }
    for (const [channelId, { channel, record }] of wanted) {
      if (running.has(channelId) || stopped || !channel.connector) continue;
      try {
        const session = channel.connector.start(record, deps);
        running.set(channelId, {
          kind: channel.kind,
          version: JSON.stringify(record.config),
          session,
        });
        log.info({ channel: channelId, kind: channel.kind }, 'session started');
      } catch (error) {
        // A secret that cannot be opened (SECRETS_KEY changed, the variable unset): said, and
        // tried again at the next refresh.
        log.error({ channel: channelId, err: (error as Error).message }, 'session not started');
        failing.set(channelId, channel.kind);
      }
    }
    notStarted = failing;
  };

  // One refresh at a time, and at most one waiting behind it: a burst of notices is one read.
  let current: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    queued ??= current.then(() => {
      queued = undefined;
      return sync().catch((error: unknown) =>
        log.error({ err: error }, 'could not read the channels'),
      );
    });
    current = queued;
    return queued;
  };

  void refresh();
  const timer = setInterval(() => void refresh(), options.refreshMs ?? 30_000);
  timer.unref();

  return {
    sessions: () => [
      ...[...running].map(([channelId, { kind, session }]) => ({
        channelId,
        kind,
        connected: session.connected(),
      })),
      ...[...notStarted].map(([channelId, kind]) => ({ channelId, kind, connected: false })),
    ],
    refresh,
    syncNow: () => {
      for (const { session } of running.values()) session.syncNow?.();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
      for (const monitor of monitors) monitor.stop();
      await Promise.all([...running.values()].map(({ session }) => session.stop()));
      running.clear();
      notStarted = new Map();
    },
  };
}
