/** Removes the bench's own Redis keys, found by prefix; never anything else (no FLUSHALL). */
import { producerConnection, type Redis } from '../../core/runtime/redis.ts';

export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/**
 * A ready producer connection for a run that owns the keys under `prefix`: when the run ends
 * (the closers registered with `defer` run last first) those keys are deleted, then it closes.
 */
export async function connectOwningPrefix(
  url: string,
  prefix: string,
  defer: (close: () => unknown) => void,
  progress: (line: string) => void,
): Promise<Redis> {
  const redis = producerConnection(url);
  defer(() => redis.quit());
  await new Promise((resolve) =>
    redis.status === 'ready' ? resolve(undefined) : redis.once('ready', resolve),
  );
  defer(async () => {
    const deleted = await deleteKeysWithPrefix(redis, prefix);
    progress(`deleted ${deleted} Redis keys under ${prefix}`);
  });
  return redis;
}
