/**
 * Seeds the CRM the bench runs against: operators on the REST intake channel and `count`
 * clients, each with an email and a phone identity. Written with prepared statements in large
 * transactions, because a million clients through the query builder would take minutes.
 */
import type { Db } from '../../db/open.ts';

/** The seeded REST intake channel (db/migrations/0001_seed.sql). */
export const API_CHANNEL_ID = 1;
const USERS = 10;
const OPERATORS = 5;
const BATCH = 50_000;

/** The identities client `n` was created with; senders.ts spells them in other ways. */
export const clientEmail = (n: number) => `client${n}@example.com`;
export const clientPhone = (n: number) => `+346${String(n).padStart(8, '0')}`;

export function seedCrm(db: Db, count: number, onProgress: (done: number) => void): void {
  if (count > 99_999_999) throw new Error('at most 99,999,999 clients (8-digit phone numbers)');
  const sqlite = db.$client;
  const now = Date.now();
  const insertUser = sqlite.prepare(
    `INSERT INTO users (id, name, email, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const insertOperator = sqlite.prepare(
    `INSERT INTO channel_operators (channel_id, user_id, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  sqlite.transaction(() => {
    for (let id = 1; id <= USERS; id++) {
      insertUser.run(id, `Operator ${id}`, `operator${id}@leadwire.test`, now);
      if (id <= OPERATORS) insertOperator.run(API_CHANNEL_ID, id, id);
    }
  })();

  const insertClient = sqlite.prepare(
    `INSERT INTO clients (id, kind, name, responsible_id, created_at) VALUES (?, 'contact', ?, ?, ?)`,
  );
  const insertIdentity = sqlite.prepare(
    `INSERT INTO identities (kind, key, raw, client_id, created_at) VALUES (?, ?, ?, ?, ?)`,
  );
  const insertBatch = sqlite.transaction((from: number, to: number) => {
    for (let n = from; n <= to; n++) {
      insertClient.run(n, `Client ${n}`, 1 + (n % USERS), now);
      const email = clientEmail(n);
      const phone = clientPhone(n);
      insertIdentity.run('email', `email:${email}`, email, n, now);
      insertIdentity.run('phone', `phone:${phone}`, phone, n, now);
    }
  });
  // A large page cache while building the identity indexes; the workers keep their own setting.
  const cacheSize = sqlite.pragma('cache_size', { simple: true });
  sqlite.pragma('cache_size = -262144');
  for (let from = 1; from <= count; from += BATCH) {
    const to = Math.min(count, from + BATCH - 1);
    insertBatch(from, to);
    onProgress(to);
  }
  sqlite.pragma(`cache_size = ${Number(cacheSize)}`);
  // Start the run with an empty write-ahead log, as a database that has been up a while would.
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
}
