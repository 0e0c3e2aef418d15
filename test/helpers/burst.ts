/** Records intake messages straight into the inbox + queue, as the web process would, without HTTP. */
import { sql } from 'drizzle-orm';
import { createLogger } from '../../core/runtime/logger.ts';
import { createProducer } from '../../core/runtime/queues.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import { createRecorder } from '../../connectors/record-inbound.ts';
import { API_CHANNEL_ID } from '../../connectors/api/index.ts';
import { openStore } from '../../db/open.ts';
import { count } from './rows.ts';
import { makeSenders, spelled } from './senders.ts';
import type { TestSystem } from './system.ts';

export interface Burst {
  /** Records message `n` of the burst (sender n % senders, its k-th spelling). */
  record(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function openBurst(system: TestSystem, senderCount: number): Promise<Burst> {
  const store = await openStore(system.config, { durability: 'normal', migrate: false });
  const redis = producerConnection(system.config.redisUrl);
  redis.on('error', () => {});
  const producer = createProducer('ingest', redis, system.config.queuePrefix);
  const recorder = createRecorder(store.inbox, producer, createLogger('silent'));
  const senders = makeSenders(senderCount);
  const base = Date.parse('2026-11-02T08:00:00Z');
  return {
    async record(n) {
      const sender = senders[n % senderCount]!;
      const k = Math.floor(n / senderCount);
      const receivedAt = new Date();
      const body = {
        ...spelled(sender, k),
        message: `burst ${n}`,
        sentAt: new Date(base + n * 1000).toISOString(),
      };
      await recorder.record(
        API_CHANNEL_ID,
        `burst-${n}`,
        { body, receivedAt: receivedAt.toISOString() },
        receivedAt,
      );
    },
    async close() {
      await recorder.handedOff();
      await producer.queue.close();
      redis.disconnect();
      await store.close();
    },
  };
}

export async function countInbox(system: Pick<TestSystem, 'store'>) {
  return (await system.store.inbox.countMatching({})) as Record<string, number>;
}

/** Every message on exactly one lead: counts that must hold after any crash. */
export async function ledger(system: TestSystem) {
  return {
    messages: await count(system, sql`SELECT count(*) AS n FROM messages`),
    distinctInboxRows: await count(system, sql`SELECT count(DISTINCT inbox_id) AS n FROM messages`),
    leads: await count(system, sql`SELECT count(*) AS n FROM leads`),
    inboxWithoutMessage: await count(
      system,
      sql`SELECT count(*) AS n FROM inbox i WHERE i.status = 'done' AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.inbox_id = i.id)`,
    ),
  };
}
