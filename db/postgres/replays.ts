/** PostgreSQL: the durable record of `inbox replay` runs. */
import { desc, eq, isNull } from 'drizzle-orm';
import type { ReplayRepository } from '../../core/repositories/replays.ts';
import type { PgDb } from './open.ts';
import { replays } from './schema.ts';

export function pgReplays(db: PgDb): ReplayRepository {
  return {
    async create(filter, total, at) {
      const [run] = await db
        .insert(replays)
        .values({ filter, total, startedAt: at, updatedAt: at })
        .returning();
      if (!run) throw new Error('the replay run was not stored');
      return run;
    },
    async saveProgress(id, lastInboxId, doneCount, at) {
      await db
        .update(replays)
        .set({ lastInboxId, doneCount, updatedAt: at })
        .where(eq(replays.id, id));
    },
    async end(id, how, at) {
      const [run] = await db
        .update(replays)
        .set(
          how === 'finished'
            ? { finishedAt: at, interruptedAt: null, updatedAt: at }
            : { interruptedAt: at, updatedAt: at },
        )
        .where(eq(replays.id, id))
        .returning();
      if (!run) throw new Error(`replay run ${id} is gone`);
      return run;
    },
    async get(id) {
      return (await db.select().from(replays).where(eq(replays.id, id)))[0];
    },
    async latestUnfinished() {
      const [run] = await db
        .select()
        .from(replays)
        .where(isNull(replays.finishedAt))
        .orderBy(desc(replays.id))
        .limit(1);
      return run;
    },
    list: (limit = 50) => db.select().from(replays).orderBy(desc(replays.id)).limit(limit),
  };
}
