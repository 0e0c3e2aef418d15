/**
 * What the console knows of a channel's health without asking its service: whether its
 * connector session is connected (the `leadwire_channel_session_connected` gauge every connector
 * process publishes, read the way /metrics reads it), when its newest message came and its newest
 * failure (the inbox). Nothing here is guessed: a state that cannot be read says so.
 */
import type { Redis } from 'ioredis';
import type { AnyChannel } from '../../../core/channel.ts';
import type { ChannelRecord } from '../../../core/repositories/channels.ts';
import type { ChannelActivity, InboxRepository } from '../../../core/repositories/inbox.ts';
import { gatherMetrics } from '../../../core/runtime/metrics-share.ts';

/** The gauge core/runtime/metrics.ts declares as channelSessionConnected. */
const SESSION_GAUGE = 'leadwire_channel_session_connected';

/** Where the gauges of every process are (AppDeps has them). */
export interface SessionGaugeDeps {
  redis: Redis;
  queuePrefix: string;
  processId: string;
}

export type SessionState =
  | { state: 'connected' | 'reconnecting' | 'push' | 'off' | 'unknown' }
  | { state: 'stopped'; process: string };

export interface ChannelHealth {
  session: SessionState;
  activity: ChannelActivity;
}

/** Per channel id, the values of its session gauge in every live process. */
async function sessionGauges(deps: SessionGaugeDeps): Promise<Map<string, number[]> | undefined> {
  try {
    const registry = await gatherMetrics(deps.redis, deps.queuePrefix, deps.processId);
    const metric = registry.getSingleMetric(SESSION_GAUGE);
    const values = new Map<string, number[]>();
    for (const { labels, value } of (await metric?.get())?.values ?? []) {
      const id = String(labels.channel_id);
      values.set(id, [...(values.get(id) ?? []), value]);
    }
    return values;
  } catch {
    return undefined;
  }
}

function sessionOf(
  channels: readonly AnyChannel[],
  record: ChannelRecord,
  gauges: Map<string, number[]> | undefined,
): SessionState {
  if (!record.active) return { state: 'off' };
  const connector = channels.find((c) => c.kind === record.kind)?.connector;
  // A channel with no session to run (a bot in webhook mode, WhatsApp) hears from its service.
  if (!connector || (connector.wanted && !connector.wanted(record))) return { state: 'push' };
  if (!gauges) return { state: 'unknown' };
  const values = gauges.get(String(record.id));
  if (!values?.length) return { state: 'stopped', process: connector.process };
  return { state: values.some((value) => value === 1) ? 'connected' : 'reconnecting' };
}

/** The health of each channel, by id. */
export async function channelHealth(
  deps: SessionGaugeDeps & {
    channels: readonly AnyChannel[];
    inbox: Pick<InboxRepository, 'channelActivity'>;
  },
  records: readonly ChannelRecord[],
): Promise<Map<number, ChannelHealth>> {
  const gauges = await sessionGauges(deps);
  const health = new Map<number, ChannelHealth>();
  for (const record of records) {
    health.set(record.id, {
      session: sessionOf(deps.channels, record, gauges),
      activity: await deps.inbox.channelActivity(record.id),
    });
  }
  return health;
}
