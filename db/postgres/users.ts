/** PostgreSQL: users, operator queues and API keys. */
import { and, eq, inArray, isNull, max, sql, type SQL } from 'drizzle-orm';
import type { UserRepository } from '../../core/repositories/users.ts';
import type { PgDb } from './open.ts';
import { apiKeys, channelOperators, users } from './schema.ts';

export function pgUsers(db: PgDb): UserRepository {
  const activeKey = async (where: SQL) =>
    (
      await db
        .select()
        .from(apiKeys)
        .where(and(where, isNull(apiKeys.revokedAt)))
    )[0];
  return {
    async createUser(user) {
      const [row] = await db.insert(users).values(user).returning();
      if (!row) throw new Error('the user was not stored');
      return row;
    },
    async addToQueue(channelId, userId) {
      await db.transaction(async (tx) => {
        // One addition to a queue at a time, so two never take the same position.
        await tx.execute(sql`SELECT 1 FROM channels WHERE id = ${channelId} FOR NO KEY UPDATE`);
        const [last] = await tx
          .select({ position: max(channelOperators.position) })
          .from(channelOperators)
          .where(eq(channelOperators.channelId, channelId));
        await tx
          .insert(channelOperators)
          .values({ channelId, userId, position: (last?.position ?? 0) + 1 });
      });
    },
    async userExists(id) {
      return (await db.select({ id: users.id }).from(users).where(eq(users.id, id))).length > 0;
    },
    async unknownUsers(ids) {
      if (!ids.length) return [];
      const rows = await db.select({ id: users.id }).from(users).where(inArray(users.id, ids));
      const known = new Set(rows.map((r) => r.id));
      return ids.filter((id) => !known.has(id));
    },
    async createApiKey(key) {
      const [row] = await db.insert(apiKeys).values(key).returning({ id: apiKeys.id });
      if (!row) throw new Error('the API key was not stored');
      return row.id;
    },
    activeKeyByHash: (hash) => activeKey(eq(apiKeys.hash, hash)),
    activeKeyById: (id) => activeKey(eq(apiKeys.id, id)),
    listApiKeys: () => db.select().from(apiKeys).orderBy(apiKeys.id),
    async revokeApiKey(id, at) {
      const done = await db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(eq(apiKeys.id, id))
        .returning({ id: apiKeys.id });
      return done.length > 0;
    },
  };
}
