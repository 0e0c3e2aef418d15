/** Records intake messages straight into the inbox + queue, as the web process would, without HTTP. */
import { sql } from 'drizzle-orm';
import { createLogger } from '../../core/runtime/logger.ts';
import { createProducer } from '../../core/runtime/queues.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import { createRecorder } from '../../connectors/record-inbound.ts';
import { API_CHANNEL_ID } from '../../connectors/api/index.ts';
import { openDatabase } from '../../db/open.ts';
import { SqliteStore } from '../../db/store.ts';
import { makeSenders, spelled } from './senders.ts';
import type { TestSystem } from './system.ts';

export interface Burst {
  /** Records message `n` of the burst (sender n % senders, its k-th spelling). */
  record(n: number): Promise<void>;
  close(): Promise<void>;
}

export function openBurst(system: TestSystem, senderCount: number): Burst {
  const db = openDatabase(system.config.databaseFile, { durability: 'normal' });
  const redis = producerConnection(system.config.redisUrl);
  redis.on('error', () => {});
  const producer = createProducer('ingest', redis, system.config.queuePrefix);
  const recorder = createRecorder(new SqliteStore(db), producer, createLogger('silent'));
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
      await producer.queue.close();
      redis.disconnect();
      db.$client.close();
    },
  };
}

export function countInbox(system: TestSystem) {
  const rows = system.db.all<{ status: string; n: number }>(
    sql`SELECT status, count(*) AS n FROM inbox GROUP BY status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n])) as Record<string, number>;
}

/** Every message on exactly one lead: counts that must hold after any crash. */
export function ledger(system: TestSystem) {
  const one = (query: ReturnType<typeof sql>) => system.db.get<{ n: number }>(query)?.n ?? -1;
  return {
    messages: one(sql`SELECT count(*) AS n FROM messages`),
    distinctInboxRows: one(sql`SELECT count(DISTINCT inbox_id) AS n FROM messages`),
    leads: one(sql`SELECT count(*) AS n FROM leads`),
    inboxWithoutMessage: one(
      sql`SELECT count(*) AS n FROM inbox i WHERE i.status = 'done' AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.inbox_id = i.id)`,
    ),
  };
}
