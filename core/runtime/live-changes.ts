/**
 * "Something was written", over Redis pub/sub: the processes that write leads (the ingest worker
 * after a commit, the outbound worker after a delivery, a web process after an operator's change)
 * announce it, and every web process reads the events written since it last looked and passes
 * them to its open consoles (connectors/http/console/live-feed.ts). The events table stays the
 * record: a notice lost while Redis is away only delays a console until the feed's own look.
 */
import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';
import { reconnectDelay } from './redis.ts';
import { withinDeadline } from './redis-outage.ts';

const topic = (prefix: string) => `${prefix}:live:changed`;

/**
 * A function to call after each write; the calls of one turn of the event loop make one notice
 * (a batch of 50 messages is one PUBLISH). It never fails the write.
 */
export function changeAnnouncer(redis: Redis, prefix: string, log: Logger): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      void withinDeadline(redis, () => redis.publish(topic(prefix), '1')).catch((error: unknown) =>
        log.debug({ err: error }, 'change not announced'),
      );
    });
  };
}

/** Calls `onChange` for every notice, on a subscriber connection of its own. */
export function watchLiveChanges(
  redisUrl: string,
  prefix: string,
  onChange: () => void,
  log: Logger,
): { stop(): void } {
  // Subscribing on every `ready` covers a Redis that was away at start and one that restarted.
  const subscriber = new Redis(redisUrl, { retryStrategy: reconnectDelay, lazyConnect: false });
  subscriber.on('error', () => undefined);
  subscriber.on('ready', () => {
    subscriber
      .subscribe(topic(prefix))
      .catch((error: unknown) => log.debug({ err: error }, 'could not watch live changes'));
  });
  subscriber.on('message', () => onChange());
  return { stop: () => subscriber.disconnect() };
}
