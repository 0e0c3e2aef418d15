/**
 * "A channel was saved", over Redis pub/sub: whoever saves a channel (a web process, the CLI)
 * announces it, and every connector process reads its channel list again at once, so a mailbox
 * or bot connected through the API starts within a second. A notice lost while Redis is away
 * only delays the change until the connector's periodic look (every 30 s).
 */
import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';
import { reconnectDelay } from './redis.ts';
import { withinDeadline } from './redis-outage.ts';

const topic = (prefix: string) => `${prefix}:channels:changed`;

/** Tells every connector process that a channel changed; never fails the save itself. */
export async function announceChannelChange(
  redis: Redis,
  prefix: string,
  channelId: number,
  log: Logger,
): Promise<void> {
  await withinDeadline(redis, () => redis.publish(topic(prefix), String(channelId))).catch(
    (error: unknown) =>
      log.debug({ err: error, channel: channelId }, 'channel change not announced'),
  );
}

/** Calls `onChange` for every announced change, on a subscriber connection of its own. */
export function watchChannelChanges(
  redisUrl: string,
  prefix: string,
  onChange: (channelId: number) => void,
  log: Logger,
): { stop(): Promise<void> } {
  // A subscribed connection can do nothing else. Subscribing on every `ready` covers a Redis
  // that was away at start and one that restarted (subscribing twice is harmless).
  const subscriber = new Redis(redisUrl, { retryStrategy: reconnectDelay, lazyConnect: false });
  subscriber.on('error', () => undefined);
  subscriber.on('ready', () => {
    subscriber
      .subscribe(topic(prefix))
      .catch((error: unknown) => log.debug({ err: error }, 'could not watch channel changes'));
  });
  subscriber.on('message', (_channel: string, message: string) => onChange(Number(message)));
  return {
    async stop() {
      subscriber.disconnect();
    },
  };
}
