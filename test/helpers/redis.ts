/** Each test gets its own queue prefix on the shared Redis and deletes only its own keys. */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger, type Logger } from '../../core/runtime/logger.ts';
import { producerConnection } from '../../core/runtime/redis.ts';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export function uniquePrefix(label: string): string {
  return `lwtest-${label}-${randomBytes(4).toString('hex')}`;
}

export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<number> {
  const redis = new Redis(url);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** A producer connection to a port nothing listens on: every command fails at once. */
export function unreachableRedis(): Redis {
  const away = producerConnection('redis://127.0.0.1:1');
  away.on('error', () => undefined);
  return away;
}

/** A logger at `warn` whose lines are kept, parsed, in `logged`. */
export function keptLog(): { log: Logger; logged: { msg: string }[] } {
  const lines = new PassThrough();
  const logged: { msg: string }[] = [];
  lines.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().trim().split('\n'))
      logged.push(JSON.parse(line) as { msg: string });
  });
  return { log: createLogger('warn', 'test', lines), logged };
}
