/** SQLite: the durable record of `inbox replay` runs. */
import { desc, eq, isNull } from 'drizzle-orm';
import type { ReplayRepository } from '../../core/repositories/replays.ts';
import type { Db } from './open.ts';
import { replays } from './schema.ts';

export function sqliteReplays(db: Db): ReplayRepository {
  return {
    async create(filter, total, at) {
      const [run] = db
        .insert(replays)
        .values({ filter, total, startedAt: at, updatedAt: at })
        .returning()
        .all();
      if (!run) throw new Error('the replay run was not stored');
      return run;
    },
    async saveProgress(id, lastInboxId, doneCount, at) {
      db.update(replays)
        .set({ lastInboxId, doneCount, updatedAt: at })
        .where(eq(replays.id, id))
        .run();
    },
    async end(id, how, at) {
      const [run] = db
        .update(replays)
        .set(
          how === 'finished'
            ? { finishedAt: at, interruptedAt: null, updatedAt: at }
            : { interruptedAt: at, updatedAt: at },
        )
        .where(eq(replays.id, id))
        .returning()
        .all();
      if (!run) throw new Error(`replay run ${id} is gone`);
      return run;
    },
    async get(id) {
      return db.select().from(replays).where(eq(replays.id, id)).get();
    },
    async latestUnfinished() {
      return db
        .select()
        .from(replays)
        .where(isNull(replays.finishedAt))
        .orderBy(desc(replays.id))
        .limit(1)
        .get();
    },
    async list(limit = 50) {
      return db.select().from(replays).orderBy(desc(replays.id)).limit(limit).all();
    },
  };
}
