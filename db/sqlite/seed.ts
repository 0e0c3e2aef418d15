/**
 * Seeds the CRM the bench and the soak run against: operators on the REST intake channel and
 * `count` clients, each with an email and a phone identity. Written with prepared statements in
 * large transactions, because a million clients through the repositories would take minutes.
 */
import { duplicateKeys } from '../../core/duplicate-keys.ts';
import type { CrmSeed, SeedProgress } from '../seed.ts';
import type { Db } from './open.ts';

const BATCH = 50_000;

export function seedSqlite(db: Db, seed: CrmSeed, onProgress: SeedProgress): void {
  const sqlite = db.$client;
  const now = Date.now();
  const insertUser = sqlite.prepare(
    `INSERT INTO users (id, name, email, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  // Seeded people sign in as nobody (no password) and work as operators.
  const giveOperatorRole = sqlite.prepare(
    `INSERT INTO user_roles (user_id, role_id) SELECT ?, id FROM roles WHERE code = 'operator' ON CONFLICT DO NOTHING`,
  );
  const insertOperator = sqlite.prepare(
    `INSERT INTO channel_operators (channel_id, user_id, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  sqlite.transaction(() => {
    for (const user of seed.users) {
      insertUser.run(user.id, user.name, user.email, now);
      giveOperatorRole.run(user.id);
      if (user.operatorOf !== undefined) insertOperator.run(user.operatorOf, user.id, user.id);
    }
  })();

  const insertClient = sqlite.prepare(
    `INSERT INTO clients (id, kind, name, responsible_id, match_key, company_key, created_at)
     VALUES (?, 'contact', ?, ?, ?, '', ?)`,
  );
  const insertIdentity = sqlite.prepare(
    `INSERT INTO identities (kind, key, raw, client_id, created_at) VALUES (?, ?, ?, ?, ?)`,
  );
  const insertBatch = sqlite.transaction((from: number, to: number) => {
    for (let n = from; n <= to; n++) {
      const client = seed.client(n);
      // With its duplicate keys, as the repositories write it (no backfill when a process starts).
      const { matchKey } = duplicateKeys(client.name, null);
      insertClient.run(n, client.name, client.responsibleId, matchKey, now);
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
    onProgress(to, 'clients');
  }
  if (seed.leads) seedLeads(sqlite, seed.leads, onProgress);
  sqlite.pragma(`cache_size = ${Number(cacheSize)}`);
  // Start the run with an empty write-ahead log, as a database that has been up a while would.
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
}

/** Leads with their message and (simple leads) identities; the search triggers index them. */
function seedLeads(
  sqlite: Db['$client'],
  leads: NonNullable<CrmSeed['leads']>,
  onProgress: SeedProgress,
): void {
  const insertLead = sqlite.prepare(
    `INSERT INTO leads (id, type, stage, source, channel_id, client_id, responsible_id, title, name, company, match_key, company_key, created_at, updated_at)
     VALUES (?, ?, 'NEW', 'api', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertIdentity = sqlite.prepare(
    `INSERT INTO identities (kind, key, raw, lead_id, created_at) VALUES (?, ?, ?, ?, ?)`,
  );
  const insertMessage = sqlite.prepare(
    `INSERT INTO messages (id, lead_id, channel_id, direction, external_id, sender, text, sent_at, created_at)
     VALUES (?, ?, 1, 'in', ?, ?, ?, ?, ?)`,
  );
  const insertBatch = sqlite.transaction((from: number, to: number) => {
    for (let n = from; n <= to; n++) {
      const lead = leads.lead(n);
      const at = lead.at.getTime();
      const keys = duplicateKeys(lead.name, lead.company);
      insertLead.run(
        n,
        lead.clientId === null ? 'simple' : 'repeat',
        lead.clientId,
        lead.responsibleId,
        lead.title,
        lead.name,
        lead.company,
        keys.matchKey,
        keys.companyKey,
        at,
        at,
      );
      for (const identity of lead.identities)
        insertIdentity.run(identity.kind, identity.key, identity.raw, n, at);
      insertMessage.run(n, n, `seed-${n}`, lead.identities[0]?.raw ?? null, lead.message, at, at);
    }
  });
  for (let from = 1; from <= leads.count; from += BATCH) {
    const to = Math.min(leads.count, from + BATCH - 1);
    insertBatch(from, to);
    onProgress(to, 'leads');
  }
}
