/** Bulk seeding for the bench and the soak on PostgreSQL: many rows per statement. */
import type pg from 'pg';
import type { CrmSeed } from '../seed.ts';

const BATCH = 10_000;

export async function seedPostgres(
  pool: pg.Pool,
  seed: CrmSeed,
  onProgress: (done: number) => void,
): Promise<void> {
  for (const user of seed.users) {
    await pool.query(
      'INSERT INTO users (id, name, email) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [user.id, user.name, user.email],
    );
    if (user.operatorOf !== undefined)
      await pool.query(
        'INSERT INTO channel_operators (channel_id, user_id, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [user.operatorOf, user.id, user.id],
      );
  }
  for (let from = 1; from <= seed.clients; from += BATCH) {
    const to = Math.min(seed.clients, from + BATCH - 1);
    const ids: number[] = [];
    const names: string[] = [];
    const responsible: number[] = [];
    const owners: number[] = [];
    const kinds: string[] = [];
    const keys: string[] = [];
    const raws: string[] = [];
    for (let n = from; n <= to; n++) {
      const client = seed.client(n);
      ids.push(n);
      names.push(client.name);
      responsible.push(client.responsibleId);
      for (const identity of client.identities) {
        owners.push(n);
        kinds.push(identity.kind);
        keys.push(identity.key);
        raws.push(identity.raw);
      }
    }
    await pool.query(
      `INSERT INTO clients (id, kind, name, responsible_id)
       SELECT id, 'contact', name, responsible FROM unnest($1::bigint[], $2::text[], $3::bigint[])
       AS t(id, name, responsible)`,
      [ids, names, responsible],
    );
    await pool.query(
      `INSERT INTO identities (kind, key, raw, client_id)
       SELECT kind, key, raw, owner FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       AS t(kind, key, raw, owner)`,
      [kinds, keys, raws, owners],
    );
    onProgress(to);
  }
  // Explicit ids left the identity sequences behind.
  for (const table of ['users', 'clients'])
    await pool.query(
      `SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce((SELECT max(id) FROM ${table}), 1))`,
    );
  // Fresh statistics for the tables seeded, and only those: an empty table once analysed looks
  // empty to the planner until autovacuum analyses it again, and the plans made meanwhile (the
  // foreign-key checks' among them, cached per connection) scan it whole as it grows.
  await pool.query('ANALYZE users, channel_operators, clients, identities');
}
