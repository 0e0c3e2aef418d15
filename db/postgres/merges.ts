/** PostgreSQL: merges (db/merges.ts), each statement awaited inside one transaction. */
import type { MergeRepository } from '../../core/repositories/merges.ts';
import { mergeRepository, type Row } from '../merges.ts';
import { scopeCondition } from '../scope.ts';
import { drizzleOf, type PgDb } from './open.ts';
import { clients, leads } from './schema.ts';
import { inTransaction } from './transaction.ts';

export function pgMerges(db: PgDb): MergeRepository {
  return mergeRepository({
    transaction: (steps) =>
      // A lost race (a deadlock, a serialisation failure) runs the steps again from the start.
      inTransaction(db.$client, async (client) => {
        const tx = drizzleOf(client);
        const run = steps();
        for (let step = run.next(); ;) {
          if (step.done) return step.value;
          step = run.next((await tx.execute(step.value)).rows as Row[]);
        }
      }),
    scope: (entity, scope) =>
      entity === 'client'
        ? scopeCondition(scope, clients.responsibleId)
        : scopeCondition(scope, leads.responsibleId, leads.channelId),
    time: (at) => at,
    date: (value) => (value instanceof Date ? value : new Date(String(value))),
    json: (value) =>
      (typeof value === 'string' ? JSON.parse(value) : (value ?? {})) as Record<string, unknown>,
  });
}
