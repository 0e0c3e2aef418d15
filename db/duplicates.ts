/**
 * Possible duplicates, the same for both stores: indexed lookups gather the records that share
 * an identity key, a name key, a company key or (for companies) an email domain with a record;
 * core/duplicates decides which of them really are candidates and why. Each store supplies how
 * to run a query and its few words of dialect (`DuplicateDialect`).
 */
import { sql, type SQL } from 'drizzle-orm';
import { duplicateKeys } from '../core/duplicate-keys.ts';
import { emailDomain } from '../core/duplicates/companies.ts';
import { duplicateReasons, type Comparable } from '../core/duplicates/reasons.ts';
import type { RecordScope } from '../core/permissions.ts';
import type {
  DuplicateCandidate,
  DuplicateEntity,
  DuplicatePair,
  DuplicateRecord,
  DuplicateRepository,
} from '../core/repositories/duplicates.ts';

export interface DuplicateDialect {
  all<T>(query: SQL): Promise<T[]>;
  run(query: SQL): Promise<void>;
  /** The domain of an email identity row's `key`, as the identities_email_domain index has it. */
  readonly domain: SQL;
  /** The scope's condition on the entity's (unaliased) table. */
  scope(entity: DuplicateEntity, scope: RecordScope): SQL | undefined;
  /** A time as this store writes it, and as it reads back. */
  time(at: Date): unknown;
  date(value: unknown): Date;
}

/** Records looked at around one record, and clients scanned per window of `pairs`. */
const AROUND_LIMIT = 200;
const WINDOW = 2000;
/** Windows one `pairs` call scans at most before it answers with what it found. */
const MAX_WINDOWS = 25;

interface Row {
  id: number;
  kind: 'contact' | 'company' | null;
  name: string | null;
  company: string | null;
  responsibleId: number | null;
  stage: string | null;
  clientId: number | null;
  createdAt: unknown;
}

const TABLE = { lead: sql.raw('leads'), client: sql.raw('clients') };

function ids(list: Iterable<number>): SQL {
  return sql.join(
    [...list].map((id) => sql`${id}`),
    sql`, `,
  );
}

function texts(list: Iterable<string>): SQL {
  return sql.join(
    [...list].map((text) => sql`${text}`),
    sql`, `,
  );
}

export function duplicateRepository(dialect: DuplicateDialect): DuplicateRepository {
  const { all } = dialect;

  /** The records of `list` (not merged, in scope), with what they are compared on. */
  async function load(
    entity: DuplicateEntity,
    list: number[],
    scope: RecordScope,
  ): Promise<Map<number, { record: DuplicateRecord; comparable: Comparable }>> {
    const found = new Map<number, { record: DuplicateRecord; comparable: Comparable }>();
    if (!list.length) return found;
    const inScope = dialect.scope(entity, scope);
    const where = sql`${TABLE[entity]}.id IN (${ids(list)}) AND ${TABLE[entity]}.merged_into_id IS NULL${
      inScope ? sql` AND ${inScope}` : sql``
    }`;
    const rows =
      entity === 'client'
        ? await all<Row>(sql`SELECT id, kind, name, company, responsible_id AS "responsibleId",
            NULL AS stage, NULL AS "clientId", created_at AS "createdAt" FROM clients WHERE ${where}`)
        : await all<Row>(sql`SELECT id, NULL AS kind, name, company,
            responsible_id AS "responsibleId", stage, client_id AS "clientId",
            created_at AS "createdAt" FROM leads WHERE ${where}`);
    if (!rows.length) return found;
    const keys = await identityKeys(entity, rows);
    for (const row of rows) {
      const record: DuplicateRecord = {
        entity,
        id: Number(row.id),
        kind: entity === 'lead' ? 'lead' : (row.kind ?? 'contact'),
        name: row.name,
        company: row.company,
        responsibleId: row.responsibleId === null ? null : Number(row.responsibleId),
        stage: row.stage,
        clientId: row.clientId === null ? null : Number(row.clientId),
        createdAt: dialect.date(row.createdAt),
      };
      found.set(record.id, {
        record,
        comparable: {
          kind: record.kind,
          name: record.name,
          company: record.company,
          identityKeys: keys.get(record.id) ?? [],
        },
      });
    }
    return found;
  }

  /** Each record's identity keys; a lead also has its client's. */
  async function identityKeys(entity: DuplicateEntity, rows: Row[]) {
    const keys = new Map<number, string[]>();
    const add = (id: number, key: string) => keys.set(id, [...(keys.get(id) ?? []), key]);
    if (entity === 'client') {
      const owned = await all<{ owner: number; key: string }>(
        sql`SELECT client_id AS owner, key FROM identities WHERE client_id IN (${ids(rows.map((r) => Number(r.id)))})`,
      );
      for (const { owner, key } of owned) add(Number(owner), key);
      return keys;
    }
    const own = await all<{ owner: number; key: string }>(
      sql`SELECT lead_id AS owner, key FROM identities WHERE lead_id IN (${ids(rows.map((r) => Number(r.id)))})`,
    );
    for (const { owner, key } of own) add(Number(owner), key);
    const clientIds = [
      ...new Set(rows.flatMap((r) => (r.clientId === null ? [] : [Number(r.clientId)]))),
    ];
    if (clientIds.length) {
      const byClient = new Map<number, string[]>();
      const owned = await all<{ owner: number; key: string }>(
        sql`SELECT client_id AS owner, key FROM identities WHERE client_id IN (${ids(clientIds)})`,
      );
      for (const { owner, key } of owned)
        byClient.set(Number(owner), [...(byClient.get(Number(owner)) ?? []), key]);
      for (const row of rows) {
        if (row.clientId === null) continue;
        for (const key of byClient.get(Number(row.clientId)) ?? []) add(Number(row.id), key);
      }
    }
    return keys;
  }

  /** Ids of the records sharing a key with `self` (an upper bound of its candidates). */
  async function around(entity: DuplicateEntity, self: Comparable, id: number) {
    const { matchKey, companyKey } = duplicateKeys(self.name, self.company);
    const table = TABLE[entity];
    const owner = sql.raw(entity === 'lead' ? 'lead_id' : 'client_id');
    const parts: SQL[] = [];
    if (self.identityKeys.length) {
      parts.push(sql`SELECT ${owner} AS id FROM identities
        WHERE key IN (${texts(self.identityKeys)}) AND ${owner} IS NOT NULL`);
      if (entity === 'lead') {
        // Leads of a client who owns the key (the lead came before the client existed).
        parts.push(sql`SELECT leads.id AS id FROM identities JOIN leads ON leads.client_id = identities.client_id
          WHERE identities.key IN (${texts(self.identityKeys)})`);
      }
    }
    if (matchKey) parts.push(sql`SELECT id FROM ${table} WHERE match_key = ${matchKey}`);
    if (companyKey) parts.push(sql`SELECT id FROM ${table} WHERE company_key = ${companyKey}`);
    const domains = [...new Set(self.identityKeys.flatMap((key) => emailDomain(key) ?? []))];
    if (domains.length) {
      // A company shares its domain with everyone who works there; anyone else, only with
      // the company itself.
      const onlyCompanies = companyLike(self)
        ? sql``
        : entity === 'client'
          ? sql` AND EXISTS (SELECT 1 FROM clients WHERE clients.id = identities.client_id AND clients.kind = 'company')`
          : sql` AND EXISTS (SELECT 1 FROM leads WHERE leads.id = identities.lead_id AND leads.company_key <> '' AND coalesce(leads.name, '') = '')`;
      parts.push(sql`SELECT ${owner} AS id FROM identities
        WHERE kind = 'email' AND ${dialect.domain} IN (${texts(domains)}) AND ${owner} IS NOT NULL${onlyCompanies}`);
    }
    if (!parts.length) return [];
    const rows = await all<{ id: number }>(
      sql`SELECT id FROM (${sql.join(parts, sql` UNION `)}) AS found WHERE id <> ${id} ORDER BY id DESC LIMIT ${AROUND_LIMIT}`,
    );
    return rows.map((row) => Number(row.id));
  }

  async function dismissedWith(entity: DuplicateEntity, id: number): Promise<Set<number>> {
    const rows = await all<{ lowId: number; highId: number }>(
      sql`SELECT low_id AS "lowId", high_id AS "highId" FROM duplicate_dismissals
        WHERE entity = ${entity} AND (low_id = ${id} OR high_id = ${id})`,
    );
    return new Set(
      rows.map((row) => (Number(row.lowId) === id ? Number(row.highId) : Number(row.lowId))),
    );
  }

  async function candidatesOf(entity: DuplicateEntity, id: number, scope: RecordScope) {
    const self = (await load(entity, [id], scope)).get(id);
    if (!self) return undefined;
    const nearby = await around(entity, self.comparable, id);
    const dismissed = await dismissedWith(entity, id);
    const others = await load(
      entity,
      nearby.filter((other) => !dismissed.has(other)),
      scope,
    );
    const candidates: DuplicateCandidate[] = [];
    for (const { record, comparable } of others.values()) {
      // Leads of one client are its history, not duplicates of each other.
      if (entity === 'lead' && record.clientId !== null && record.clientId === self.record.clientId)
        continue;
      const reasons = duplicateReasons(self.comparable, comparable);
      if (reasons.length) candidates.push({ ...record, reasons });
    }
    candidates.sort((x, y) => strength(y) - strength(x) || y.id - x.id);
    return { self: self.record, candidates };
  }

  return {
    async of(entity, id, scope) {
      return (await candidatesOf(entity, id, scope))?.candidates;
    },

    async pairs(entity, scope, page) {
      const pairs: DuplicatePair[] = [];
      let cursor = page.cursor ?? 0;
      const [last] = await all<{ id: number | null }>(
        sql`SELECT max(id) AS id FROM ${TABLE[entity]}`,
      );
      const end = Number(last?.id ?? 0);
      for (let window = 0; window < MAX_WINDOWS && cursor < end; window++) {
        const upTo = Math.min(cursor + WINDOW, end);
        for (const id of await withPartners(entity, cursor, upTo)) {
          const found = await candidatesOf(entity, id, scope);
          if (!found) continue;
          const selfIsCompany = companyLike(comparableOf(found.self));
          for (const candidate of found.candidates) {
            const { reasons, ...other } = candidate;
            // A work domain is looked for from the company's side only (everyone's email
            // domain would be too many to join), so such a pair is told from there, whichever
            // id is smaller; every other pair from its smaller id.
            const byDomain = reasons.every((reason) => reason.kind === 'domain');
            const otherIsCompany = companyLike(comparableOf(other));
            if (byDomain && selfIsCompany !== otherIsCompany) {
              if (!selfIsCompany) continue;
            } else if (candidate.id <= id) continue;
            const [a, b] = found.self.id < other.id ? [found.self, other] : [other, found.self];
            pairs.push({ a, b, reasons });
          }
          if (pairs.length >= page.limit) {
            return { pairs, nextCursor: id < end ? String(id) : null };
          }
        }
        cursor = upTo;
      }
      return { pairs, nextCursor: cursor < end ? String(cursor) : null };
    },

    async dismiss(entity, a, b, userId) {
      const [low, high] = a < b ? [a, b] : [b, a];
      const [found] = await all<{ count: number }>(
        sql`SELECT count(*) AS count FROM ${TABLE[entity]} WHERE id IN (${low}, ${high})`,
      );
      if (low === high || Number(found?.count) !== 2) return false;
      await dialect.run(sql`INSERT INTO duplicate_dismissals (entity, low_id, high_id, user_id, created_at)
        VALUES (${entity}, ${low}, ${high}, ${userId}, ${dialect.time(new Date())})
        ON CONFLICT DO NOTHING`);
      return true;
    },

    async backfillKeys(limit) {
      let done = 0;
      for (const entity of ['client', 'lead'] as const) {
        const rows = await all<{ id: number; name: string | null; company: string | null }>(
          sql`SELECT id, name, company FROM ${TABLE[entity]} WHERE match_key IS NULL LIMIT ${limit - done}`,
        );
        if (rows.length) {
          // One statement a batch (one commit, not one per row).
          const values = rows.map((row) => {
            const keys = duplicateKeys(row.name, row.company);
            return sql`(CAST(${Number(row.id)} AS BIGINT), ${keys.matchKey}, ${keys.companyKey})`;
          });
          await dialect.run(sql`UPDATE ${TABLE[entity]} SET match_key = v.column2, company_key = v.column3
            FROM (VALUES ${sql.join(values, sql`, `)}) AS v WHERE ${TABLE[entity]}.id = v.column1`);
        }
        done += rows.length;
        if (done >= limit) break;
      }
      return done;
    },
  };

  /** Records of (from, to] that share some key with a later record. */
  async function withPartners(entity: DuplicateEntity, from: number, to: number) {
    const table = TABLE[entity];
    const owner = sql.raw(entity === 'lead' ? 'lead_id' : 'client_id');
    const rows = await all<{ id: number }>(sql`SELECT DISTINCT id FROM (
        SELECT a.${owner} AS id FROM identities a JOIN identities b ON b.key = a.key AND b.${owner} > a.${owner}
          WHERE a.${owner} > ${from} AND a.${owner} <= ${to}
        UNION SELECT a.id FROM ${table} a JOIN ${table} b ON b.match_key = a.match_key AND b.id > a.id
          WHERE a.match_key <> '' AND a.id > ${from} AND a.id <= ${to}
        UNION SELECT a.id FROM ${table} a JOIN ${table} b ON b.company_key = a.company_key AND b.id > a.id
          WHERE a.company_key <> '' AND a.id > ${from} AND a.id <= ${to}
        UNION SELECT id FROM ${table}
          WHERE ${entity === 'client' ? sql`kind = 'company'` : sql`company_key <> '' AND coalesce(name, '') = ''`}
            AND id > ${from} AND id <= ${to}
      ) AS found ORDER BY id`);
    return rows.map((row) => Number(row.id));
  }
}

/**
 * The company itself (a company client, or a record with a company title and no person's
 * name): its email domain says something about who else is the same company.
 */
function companyLike(record: Comparable): boolean {
  return record.kind === 'company' || (!record.name?.trim() && Boolean(record.company?.trim()));
}

function comparableOf(record: DuplicateRecord): Comparable {
  return { kind: record.kind, name: record.name, company: record.company, identityKeys: [] };
}

/** What each reason weighs when candidates are ordered: identities, company, domain, name. */
const WEIGHT: Record<DuplicateCandidate['reasons'][number]['kind'], number> = {
  phone: 1000,
  email: 1000,
  telegram: 1000,
  company: 100,
  domain: 10,
  name: 1,
};

function strength(candidate: DuplicateCandidate): number {
  return candidate.reasons.reduce((sum, reason) => sum + WEIGHT[reason.kind], 0);
}
