/** SQLite: lead and deal stages as administrators edit them. */
import { asc, eq, sql } from 'drizzle-orm';
import type { StageRepository } from '../../core/repositories/stages.ts';
import { deletionProblem, reorder, type StageKind } from '../../core/stages.ts';
import type { Db } from './open.ts';
import { deals, dealStages, leads, stages } from './schema.ts';

export function sqliteStages(db: Db): StageRepository {
  const tableOf = (kind: StageKind) => (kind === 'lead' ? stages : dealStages);
  const list = (tx: Pick<Db, 'select'>, kind: StageKind) =>
    tx
      .select()
      .from(tableOf(kind))
      .orderBy(asc(tableOf(kind).sort))
      .all();
  const write = <T>(work: (tx: Db) => T) =>
    db.transaction((tx) => work(tx as unknown as Db), { behavior: 'immediate' });

  return {
    async list(kind) {
      return list(db, kind);
    },

    async create(kind, stage) {
      return write((tx) => {
        const current = list(tx, kind);
        if (current.some((s) => s.code === stage.code))
          return { ok: false, problem: 'code-taken' } as const;
        const sort = stage.sort ?? (current.at(-1)?.sort ?? 0) + 10;
        tx.insert(tableOf(kind))
          .values({ ...stage, sort })
          .run();
        return { ok: true, stages: list(tx, kind) } as const;
      });
    },

    async rename(kind, code, name) {
      return write((tx) => {
        const table = tableOf(kind);
        const changed = tx.update(table).set({ name }).where(eq(table.code, code)).run().changes;
        return changed
          ? ({ ok: true, stages: list(tx, kind) } as const)
          : ({ ok: false, problem: 'no-stage' } as const);
      });
    },

    async reorder(kind, codes) {
      return write((tx) => {
        const order = reorder(list(tx, kind), codes);
        if (!order) return { ok: false, problem: 'not-a-permutation' } as const;
        const table = tableOf(kind);
        for (const { code, sort } of order)
          tx.update(table).set({ sort }).where(eq(table.code, code)).run();
        return { ok: true, stages: list(tx, kind) } as const;
      });
    },

    async delete(kind, code, moveTo, context) {
      return write((tx) => {
        const current = list(tx, kind);
        const problem = deletionProblem(kind, current, code, moveTo);
        if (problem) return { ok: false, problem } as const;
        const target = current.find((s) => s.code === moveTo)!;
        const open = target.semantics === 'process';
        const at = context.at.getTime();
        // Each moved record's timeline and event say so, in one statement however many move.
        const records = sql.raw(kind === 'lead' ? 'leads' : 'deals');
        const leadOf = sql.raw(kind === 'lead' ? 'id' : 'lead_id');
        tx.run(sql`INSERT INTO timeline (entity, entity_id, user_id, action, before, after, at)
          SELECT ${kind}, id, ${context.userId}, 'stage_changed', json_object('stage', ${code}),
                 json_object('stage', ${moveTo}, 'reason', 'stage deleted'), ${at}
          FROM ${records} WHERE stage = ${code}`);
        tx.run(sql`INSERT INTO events (type, lead_id, payload, created_at)
          SELECT ${`${kind}.stage_changed`}, ${leadOf},
                 json_object(${`${kind}Id`}, id, 'from', ${code}, 'to', ${moveTo},
                             'semantics', ${target.semantics}, 'reason', 'stage deleted'), ${at}
          FROM ${records} WHERE stage = ${code}`);
        const moved =
          kind === 'lead'
            ? tx
                .update(leads)
                .set({
                  stage: moveTo,
                  open,
                  closedAt: open ? null : sql`coalesce(${leads.closedAt}, ${at})`,
                  // A junk reason belongs to a failure stage only.
                  ...(target.semantics === 'failure' ? {} : { junkReason: null }),
                  updatedAt: context.at,
                })
                .where(eq(leads.stage, code))
                .run().changes
            : tx
                .update(deals)
                .set({
                  stage: moveTo,
                  open,
                  closedAt: open ? null : sql`coalesce(${deals.closedAt}, ${at})`,
                  updatedAt: context.at,
                })
                .where(eq(deals.stage, code))
                .run().changes;
        const table = tableOf(kind);
        tx.delete(table).where(eq(table.code, code)).run();
        return { ok: true, stages: list(tx, kind), moved } as const;
      });
    },
  };
}
