/**
 * Seeds the CRM the bench and the soak run against: operators on the REST intake channel and
 * `count` clients, each with an email and a phone identity. Written with prepared statements in
 * large transactions, because a million clients through the repositories would take minutes.
 */
import type { CrmSeed } from '../seed.ts';
import type { Db } from './open.ts';

const BATCH = 50_000;

export function seedSqlite(db: Db, seed: CrmSeed, onProgress: (done: number) => void): void {
  const sqlite = db.$client;
  const now = Date.now();
  const insertUser = sqlite.prepare(
    `INSERT INTO users (id, name, email, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const insertOperator = sqlite.prepare(
    `INSERT INTO channel_operators (channel_id, user_id, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  sqlite.transaction(() => {
    for (const user of seed.users) {
      insertUser.run(user.id, user.name, user.email, now);
      if (user.operatorOf !== undefined) insertOperator.run(user.operatorOf, user.id, user.id);
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
      const client = seed.client(n);
      insertClient.run(n, client.name, client.responsibleId, now);
      for (const identity of client.identities)
        insertIdentity.run(identity.kind, identity.key, identity.raw, n, now);
    }
  });
  // A large page cache while building the identity indexes; the workers keep their own setting.
  const cacheSize = sqlite.pragma('cache_size', { simple: true });
  sqlite.pragma('cache_size = -262144');
  for (let from = 1; from <= seed.clients; from += BATCH) {
    const to = Math.min(seed.clients, from + BATCH - 1);
    insertBatch(from, to);
    onProgress(to);
  }
  sqlite.pragma(`cache_size = ${Number(cacheSize)}`);
  // Start the run with an empty write-ahead log, as a database that has been up a while would.
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
}
