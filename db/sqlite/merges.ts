/** SQLite: merges (db/merges.ts), each run to the end inside one immediate transaction. */
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { MergeRepository } from '../../core/repositories/merges.ts';
import { mergeRepository, type Row } from '../merges.ts';
import { scopeCondition } from '../scope.ts';
import type { Db } from './open.ts';
import { clients, leads } from './schema.ts';

const dialect = new SQLiteSyncDialect();

export function sqliteMerges(db: Db): MergeRepository {
  const query = (statement: SQL): Row[] => {
    const { sql, params } = dialect.sqlToQuery(statement);
    const prepared = db.$client.prepare(sql);
    if (prepared.reader) return prepared.all(...params) as Row[];
    prepared.run(...params);
    return [];
  };
  return mergeRepository({
    async transaction(steps) {
      return db.transaction(
        () => {
          const run = steps();
          for (let step = run.next(); ; step = run.next(query(step.value))) {
            if (step.done) return step.value;
          }
        },
        { behavior: 'immediate' },
      );
    },
    scope: (entity, scope) =>
      entity === 'client'
        ? scopeCondition(scope, clients.responsibleId)
        : scopeCondition(scope, leads.responsibleId, leads.channelId),
    time: (at) => at.getTime(),
    date: (value) => new Date(Number(value)),
    json: (value) =>
      (typeof value === 'string' ? JSON.parse(value) : (value ?? {})) as Record<string, unknown>,
  });
}
