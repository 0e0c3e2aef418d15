/** Bulk seeding for the bench and the soak on PostgreSQL: many rows per statement. */
import type pg from 'pg';
import { duplicateKeys } from '../../core/duplicate-keys.ts';
import type { CrmSeed, SeedProgress } from '../seed.ts';

const BATCH = 10_000;

export async function seedPostgres(
  pool: pg.Pool,
  seed: CrmSeed,
  onProgress: SeedProgress,
): Promise<void> {
  for (const user of seed.users) {
    await pool.query(
      'INSERT INTO users (id, name, email) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [user.id, user.name, user.email],
    );
    // Seeded people sign in as nobody (no password) and work as operators.
    await pool.query(
      `INSERT INTO user_roles (user_id, role_id) SELECT $1, id FROM roles WHERE code = 'operator' ON CONFLICT DO NOTHING`,
      [user.id],
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
    const matchKeys: string[] = [];
    const responsible: number[] = [];
    const owners: number[] = [];
    const kinds: string[] = [];
    const keys: string[] = [];
    const raws: string[] = [];
    for (let n = from; n <= to; n++) {
      const client = seed.client(n);
      ids.push(n);
      names.push(client.name);
      // With its duplicate keys, as the repositories write it (no backfill when a process starts).
      matchKeys.push(duplicateKeys(client.name, null).matchKey);
      responsible.push(client.responsibleId);
      for (const identity of client.identities) {
        owners.push(n);
        kinds.push(identity.kind);
        keys.push(identity.key);
        raws.push(identity.raw);
      }
    }
    await pool.query(
      `INSERT INTO clients (id, kind, name, responsible_id, match_key, company_key)
       SELECT id, 'contact', name, responsible, match_key, '' FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[])
       AS t(id, name, responsible, match_key)`,
      [ids, names, responsible, matchKeys],
    );
    await pool.query(
      `INSERT INTO identities (kind, key, raw, client_id)
       SELECT kind, key, raw, owner FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       AS t(kind, key, raw, owner)`,
      [kinds, keys, raws, owners],
    );
    onProgress(to, 'clients');
  }
  if (seed.leads) await seedLeads(pool, seed.leads, onProgress);
  // Explicit ids left the identity sequences behind.
  for (const table of ['users', 'clients', ...(seed.leads ? ['leads', 'messages'] : [])])
    await pool.query(
      `SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce((SELECT max(id) FROM ${table}), 1))`,
    );
  // Fresh statistics for the tables seeded, and only those: an empty table once analysed looks
  // empty to the planner until autovacuum analyses it again, and the plans made meanwhile (the
  // foreign-key checks' among them, cached per connection) scan it whole as it grows. Vacuumed
  // too, as autovacuum leaves a table after a bulk load: the search index's pending entries
  // merged, every row's visibility settled (otherwise the first read of each page writes it).
  await pool.query(
    `VACUUM ANALYZE users, user_roles, channel_operators, clients, identities${seed.leads ? ', leads, messages, lead_search' : ''}`,
  );
}

/** Leads with their message (same id) and, for simple leads, their identities. */
async function seedLeads(
  pool: pg.Pool,
  leads: NonNullable<CrmSeed['leads']>,
  onProgress: SeedProgress,
): Promise<void> {
  for (let from = 1; from <= leads.count; from += BATCH) {
    const to = Math.min(leads.count, from + BATCH - 1);
    const columns = {
      ids: [] as number[],
      clients: [] as (number | null)[],
      responsible: [] as (number | null)[],
      titles: [] as string[],
      names: [] as (string | null)[],
      companies: [] as (string | null)[],
      matchKeys: [] as string[],
      companyKeys: [] as string[],
      texts: [] as string[],
      senders: [] as (string | null)[],
      at: [] as Date[],
    };
    const identities = { owners: [] as number[], kinds: [] as string[], keys: [] as string[] };
    const raws: string[] = [];
    for (let n = from; n <= to; n++) {
      const lead = leads.lead(n);
      columns.ids.push(n);
      columns.clients.push(lead.clientId);
      columns.responsible.push(lead.responsibleId);
      columns.titles.push(lead.title);
      columns.names.push(lead.name);
      columns.companies.push(lead.company);
      const keys = duplicateKeys(lead.name, lead.company);
      columns.matchKeys.push(keys.matchKey);
      columns.companyKeys.push(keys.companyKey);
      columns.texts.push(lead.message);
      columns.senders.push(lead.identities[0]?.raw ?? null);
      columns.at.push(lead.at);
      for (const identity of lead.identities) {
        identities.owners.push(n);
        identities.kinds.push(identity.kind);
        identities.keys.push(identity.key);
        raws.push(identity.raw);
      }
    }
    const { ids, clients, responsible, titles, names, companies, texts, senders, at } = columns;
    await pool.query(
      `INSERT INTO leads (id, type, stage, source, channel_id, client_id, responsible_id, title, name, company, match_key, company_key, created_at, updated_at)
       SELECT id, CASE WHEN client IS NULL THEN 'simple' ELSE 'repeat' END, 'NEW', 'api', 1, client,
              responsible, title, name, company, match_key, company_key, at, at
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[])
       AS t(id, client, responsible, title, name, company, at, match_key, company_key)`,
      [
        ids,
        clients,
        responsible,
        titles,
        names,
        companies,
        at,
        columns.matchKeys,
        columns.companyKeys,
      ],
    );
    await pool.query(
      `INSERT INTO identities (kind, key, raw, lead_id)
       SELECT kind, key, raw, owner FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       AS t(kind, key, raw, owner)`,
      [identities.kinds, identities.keys, raws, identities.owners],
    );
    await pool.query(
      `INSERT INTO messages (id, lead_id, channel_id, direction, external_id, sender, text, sent_at)
       SELECT id, id, 1, 'in', 'seed-' || id, sender, text, at
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) AS t(id, sender, text, at)`,
      [ids, senders, texts, at],
    );
    onProgress(to, 'leads');
  }
}
