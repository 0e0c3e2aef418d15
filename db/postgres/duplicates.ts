/** PostgreSQL: possible duplicates (db/duplicates.ts) over the pool. */
import { sql } from 'drizzle-orm';
import type { DuplicateRepository } from '../../core/repositories/duplicates.ts';
import { duplicateRepository } from '../duplicates.ts';
import { scopeCondition } from '../scope.ts';
import type { PgDb } from './open.ts';
import { clients, leads } from './schema.ts';

export function pgDuplicates(db: PgDb): DuplicateRepository {
  return duplicateRepository({
    all: async <T>(query: Parameters<PgDb['execute']>[0]) => (await db.execute(query)).rows as T[],
    run: async (query) => {
      await db.execute(query);
    },
    // The identities_email_domain index's own expression, so the planner uses it.
    domain: sql`split_part("key", '@', 2)`,
    scope: (entity, scope) =>
      entity === 'client'
        ? scopeCondition(scope, clients.responsibleId)
        : scopeCondition(scope, leads.responsibleId, leads.channelId),
    time: (at) => at,
    date: (value) => (value instanceof Date ? value : new Date(String(value))),
  });
}
