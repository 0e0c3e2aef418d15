/** SQLite: users, operator queues and API keys. */
import { and, eq, inArray, isNull, max } from 'drizzle-orm';
import type { UserRepository } from '../../core/repositories/users.ts';
import type { Db } from './open.ts';
import { apiKeys, channelOperators, users } from './schema.ts';

export function sqliteUsers(db: Db): UserRepository {
  const activeKey = (where: ReturnType<typeof eq>) =>
    db
      .select()
      .from(apiKeys)
      .where(and(where, isNull(apiKeys.revokedAt)))
      .get();
  return {
    async createUser(user) {
      const [row] = db.insert(users).values(user).returning().all();
      if (!row) throw new Error('the user was not stored');
      return row;
    },
    async addToQueue(channelId, userId) {
      db.transaction(
        (tx) => {
          const last = tx
            .select({ position: max(channelOperators.position) })
            .from(channelOperators)
            .where(eq(channelOperators.channelId, channelId))
            .get();
          tx.insert(channelOperators)
            .values({ channelId, userId, position: (last?.position ?? 0) + 1 })
            .run();
        },
        { behavior: 'immediate' },
      );
    },
    async userExists(id) {
      return db.select({ id: users.id }).from(users).where(eq(users.id, id)).get() !== undefined;
    },
    async unknownUsers(ids) {
      if (!ids.length) return [];
      const known = new Set(
        db
          .select({ id: users.id })
          .from(users)
          .where(inArray(users.id, ids))
          .all()
          .map((r) => r.id),
      );
      return ids.filter((id) => !known.has(id));
    },
    async createApiKey(key) {
      const [row] = db.insert(apiKeys).values(key).returning({ id: apiKeys.id }).all();
      if (!row) throw new Error('the API key was not stored');
      return row.id;
    },
    async activeKeyByHash(hash) {
      return activeKey(eq(apiKeys.hash, hash));
    },
    async activeKeyById(id) {
      return activeKey(eq(apiKeys.id, id));
    },
    async listApiKeys() {
      return db.select().from(apiKeys).orderBy(apiKeys.id).all();
    },
    async revokeApiKey(id, at) {
      return (
        db.update(apiKeys).set({ revokedAt: at }).where(eq(apiKeys.id, id)).returning().all()
          .length > 0
      );
    },
  };
}
