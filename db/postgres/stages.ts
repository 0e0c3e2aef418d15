/** PostgreSQL: lead and deal stages as administrators edit them. */
import { asc, eq, sql } from 'drizzle-orm';
import type { StageRepository } from '../../core/repositories/stages.ts';
import { deletionProblem, reorder, type StageKind } from '../../core/stages.ts';
import { drizzleOf, type PgDb } from './open.ts';
import { deals, dealStages, leads, stages } from './schema.ts';
import { inTransaction } from './transaction.ts';

/** Stage edits wait for each other (two admins reordering at once end in one order). */
const STAGE_LOCK = 3;

export function pgStages(db: PgDb): StageRepository {
  const tableOf = (kind: StageKind) => (kind === 'lead' ? stages : dealStages);
  const list = (tx: Pick<PgDb, 'select'>, kind: StageKind) =>
    tx
      .select()
      .from(tableOf(kind))
      .orderBy(asc(tableOf(kind).sort));
  const write = <T>(work: (tx: PgDb) => Promise<T>) =>
    inTransaction(db.$client, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [STAGE_LOCK]);
      return work(drizzleOf(client));
    });

  return {
    list: (kind) => list(db, kind),

    create(kind, stage) {
      return write(async (tx) => {
        const current = await list(tx, kind);
        if (current.some((s) => s.code === stage.code))
          return { ok: false, problem: 'code-taken' } as const;
        const sort = stage.sort ?? (current.at(-1)?.sort ?? 0) + 10;
        await tx.insert(tableOf(kind)).values({ ...stage, sort });
        return { ok: true, stages: await list(tx, kind) } as const;
      });
    },

    rename(kind, code, name) {
      return write(async (tx) => {
        const table = tableOf(kind);
        const changed = await tx
          .update(table)
          .set({ name })
          .where(eq(table.code, code))
          .returning();
        return changed.length
          ? ({ ok: true, stages: await list(tx, kind) } as const)
          : ({ ok: false, problem: 'no-stage' } as const);
      });
    },

    reorder(kind, codes) {
      return write(async (tx) => {
        const order = reorder(await list(tx, kind), codes);
        if (!order) return { ok: false, problem: 'not-a-permutation' } as const;
        const table = tableOf(kind);
        for (const { code, sort } of order)
          await tx.update(table).set({ sort }).where(eq(table.code, code));
        return { ok: true, stages: await list(tx, kind) } as const;
      });
    },

    delete(kind, code, moveTo, context) {
      return write(async (tx) => {
        const current = await list(tx, kind);
        const problem = deletionProblem(kind, current, code, moveTo);
        if (problem) return { ok: false, problem } as const;
        const target = current.find((s) => s.code === moveTo)!;
        const open = target.semantics === 'process';
        const at = context.at;
        const when = sql`${at.toISOString()}::timestamptz`;
        // Each moved record's timeline and event say so, in one statement however many move.
        const records = sql.raw(kind === 'lead' ? 'leads' : 'deals');
        const leadOf = sql.raw(kind === 'lead' ? 'id' : 'lead_id');
        await tx.execute(sql`INSERT INTO timeline (entity, entity_id, user_id, action, before, after, at)
          SELECT ${kind}::text, id, ${context.userId}::bigint, 'stage_changed',
                 jsonb_build_object('stage', ${code}::text),
                 jsonb_build_object('stage', ${moveTo}::text, 'reason', 'stage deleted'), ${when}
          FROM ${records} WHERE stage = ${code}`);
        await tx.execute(sql`INSERT INTO events (type, lead_id, payload, created_at)
          SELECT ${`${kind}.stage_changed`}::text, ${leadOf},
                 jsonb_build_object(${`${kind}Id`}::text, id, 'from', ${code}::text, 'to', ${moveTo}::text,
                                    'semantics', ${target.semantics}::text, 'reason', 'stage deleted'),
                 ${when}
          FROM ${records} WHERE stage = ${code}`);
        const moved = (
          kind === 'lead'
            ? await tx
                .update(leads)
                .set({
                  stage: moveTo,
                  open,
                  closedAt: open ? null : sql`coalesce(${leads.closedAt}, ${when})`,
                  // A junk reason belongs to a failure stage only.
                  ...(target.semantics === 'failure' ? {} : { junkReason: null }),
                  updatedAt: at,
                })
                .where(eq(leads.stage, code))
                .returning({ id: leads.id })
            : await tx
                .update(deals)
                .set({
                  stage: moveTo,
                  open,
                  closedAt: open ? null : sql`coalesce(${deals.closedAt}, ${when})`,
                  updatedAt: at,
                })
                .where(eq(deals.stage, code))
                .returning({ id: deals.id })
        ).length;
        const table = tableOf(kind);
        await tx.delete(table).where(eq(table.code, code));
        return { ok: true, stages: await list(tx, kind), moved } as const;
      });
    },
  };
}
