/** SQLite: possible duplicates (db/duplicates.ts) over the file's connection. */
import { sql } from 'drizzle-orm';
import type { DuplicateRepository } from '../../core/repositories/duplicates.ts';
import { duplicateRepository } from '../duplicates.ts';
import { scopeCondition } from '../scope.ts';
import type { Db } from './open.ts';
import { clients, leads } from './schema.ts';

export function sqliteDuplicates(db: Db): DuplicateRepository {
  return duplicateRepository({
    all: async (query) => db.all(query),
    run: async (query) => {
      db.run(query);
    },
    // The identities_email_domain index's own expression, so the planner uses it.
    domain: sql`substr("key", instr("key", '@') + 1)`,
    scope: (entity, scope) =>
      entity === 'client'
        ? scopeCondition(scope, clients.responsibleId)
        : scopeCondition(scope, leads.responsibleId, leads.channelId),
    time: (at) => at.getTime(),
    date: (value) => new Date(Number(value)),
  });
}
