/** PostgreSQL: roles, the department tree, sign-in sessions and API keys (UserRepository beside the users). */
import { and, count, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { Grants } from '../../core/permissions.ts';
import type { RoleRecord, UserRecord, UserRepository } from '../../core/repositories/users.ts';
import { rootCause } from '../errors.ts';
import type { PgDb } from './open.ts';
import type * as schema from './schema.ts';
import { apiKeys, departments, roles, sessions, userRoles, users } from './schema.ts';

/** The pool or a transaction on it. */
export type Queryable = PgDatabase<NodePgQueryResultHKT, typeof schema>;

/** A session's `seenAt` moves on at most this often, so a busy console does not write every request. */
const SEEN_EVERY_MS = 60_000;

export type AccessRepository = Pick<
  UserRepository,
  | 'listRoles'
  | 'createRole'
  | 'updateRole'
  | 'deleteRole'
  | 'listDepartments'
  | 'createDepartment'
  | 'updateDepartment'
  | 'deleteDepartment'
  | 'createSession'
  | 'activeSession'
  | 'endSession'
  | 'endSessions'
  | 'createApiKey'
  | 'activeKeyByHash'
  | 'activeKeyById'
  | 'listApiKeys'
  | 'revokeApiKey'
>;

/** A write refused by a UNIQUE constraint (an email, a role code, a department name taken). */
export function isUniqueViolation(error: unknown): boolean {
  return (rootCause(error) as { code?: unknown } | null)?.code === '23505';
}

/** The write's answer, or `problem` when a unique constraint refused it (the transaction is over). */
export async function unlessTaken<T, P>(
  write: () => Promise<T>,
  problem: P,
): Promise<T | { ok: false; problem: P }> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, problem };
    throw error;
  }
}

export const roleRecord = (row: typeof roles.$inferSelect): RoleRecord => ({
  ...row,
  grants: row.grants as Grants,
});

const exists = async (db: Queryable, table: typeof users | typeof departments, id: number) =>
  (await db.select({ id: table.id }).from(table).where(eq(table.id, id))).length > 0;

/** The department and every department under it, by id. */
async function subtreeOf(db: Queryable, departmentId: number): Promise<number[]> {
  const result = await db.execute<{ id: number | string }>(
    sql`WITH RECURSIVE subtree(id) AS (
          SELECT id FROM departments WHERE id = ${departmentId}
          UNION SELECT d.id FROM departments d JOIN subtree s ON d.parent_id = s.id
        ) SELECT id FROM subtree`,
  );
  return result.rows.map((row) => Number(row.id)); // raw rows keep bigint as text
}

export async function endSessionsOf(db: Queryable, userId: number): Promise<number> {
  const ended = await db
    .delete(sessions)
    .where(eq(sessions.userId, userId))
    .returning({ id: sessions.id });
  return ended.length;
}

/**
 * Department writes take turns: two moves checked at the same time could otherwise each pass the
 * cycle check and together make a loop, or a sub-department appear under one being deleted.
 * Readers and users' foreign-key checks are not held up.
 */
const lockDepartments = (tx: Queryable) =>
  tx.execute(sql`LOCK TABLE departments IN SHARE ROW EXCLUSIVE MODE`);

/** `userById` reads a user as a record (users.ts), for the user of a session. */
export function pgAccess(
  db: PgDb,
  userById: (id: number) => Promise<UserRecord | undefined>,
): AccessRepository {
  const activeKey = async (where: SQL) =>
    (
      await db
        .select()
        .from(apiKeys)
        .where(and(where, isNull(apiKeys.revokedAt)))
    )[0];
  const getRole = async (id: number) => {
    const [row] = await db.select().from(roles).where(eq(roles.id, id));
    return row && roleRecord(row);
  };
  const getDepartment = async (tx: Queryable, id: number) =>
    (await tx.select().from(departments).where(eq(departments.id, id)))[0];
  return {
    async listRoles() {
      return (await db.select().from(roles).orderBy(roles.id)).map(roleRecord);
    },
    async createRole(role) {
      return unlessTaken(async () => {
        const [row] = await db.insert(roles).values(role).returning();
        if (!row) throw new Error('the role was not stored');
        return { ok: true as const, role: roleRecord(row) };
      }, 'code-taken' as const);
    },
    async updateRole(id, patch) {
      const { name, grants, manage } = patch;
      const changes = { name, grants, manage };
      if (Object.values(changes).some((value) => value !== undefined))
        await db.update(roles).set(changes).where(eq(roles.id, id));
      const role = await getRole(id);
      return role ? { ok: true, role } : { ok: false, problem: 'no-role' };
    },
    async deleteRole(id) {
      return db.transaction(async (tx) => {
        // Held until the end: a user given the role meanwhile waits, then fails its foreign key.
        const [role] = await tx.select().from(roles).where(eq(roles.id, id)).for('update');
        if (!role) return { ok: false, problem: 'no-role' } as const;
        const [held] = await tx
          .select({ n: count() })
          .from(userRoles)
          .where(eq(userRoles.roleId, id));
        if (held && held.n > 0) return { ok: false, problem: 'in-use' } as const;
        await tx.delete(roles).where(eq(roles.id, id));
        return { ok: true } as const;
      });
    },

    async listDepartments() {
      return db.select().from(departments).orderBy(departments.id);
    },
    async createDepartment(department) {
      return unlessTaken(
        () =>
          db.transaction(async (tx) => {
            await lockDepartments(tx);
            if (
              department.parentId !== null &&
              !(await exists(tx, departments, department.parentId))
            )
              return { ok: false, problem: 'unknown-parent' } as const;
            if (department.headId !== null && !(await exists(tx, users, department.headId)))
              return { ok: false, problem: 'unknown-head' } as const;
            const [row] = await tx.insert(departments).values(department).returning();
            if (!row) throw new Error('the department was not stored');
            return { ok: true, department: row } as const;
          }),
        'name-taken' as const,
      );
    },
    async updateDepartment(id, patch) {
      return unlessTaken(
        () =>
          db.transaction(async (tx) => {
            await lockDepartments(tx);
            if (!(await getDepartment(tx, id)))
              return { ok: false, problem: 'no-department' } as const;
            const { name, parentId, headId } = patch;
            if (parentId != null) {
              if (!(await exists(tx, departments, parentId)))
                return { ok: false, problem: 'unknown-parent' } as const;
              if ((await subtreeOf(tx, id)).includes(parentId))
                return { ok: false, problem: 'cycle' } as const;
            }
            if (headId != null && !(await exists(tx, users, headId)))
              return { ok: false, problem: 'unknown-head' } as const;
            const changes = { name, parentId, headId };
            if (Object.values(changes).some((value) => value !== undefined))
              await tx.update(departments).set(changes).where(eq(departments.id, id));
            const department = await getDepartment(tx, id);
            if (!department) throw new Error(`department ${id} vanished while it was updated`);
            return { ok: true, department } as const;
          }),
        'name-taken' as const,
      );
    },
    async deleteDepartment(id) {
      return db.transaction(async (tx) => {
        await lockDepartments(tx);
        if (!(await getDepartment(tx, id))) return { ok: false, problem: 'no-department' } as const;
        const [member] = await tx
          .select({ id: users.id })
          .from(users)
          .where(eq(users.departmentId, id))
          .limit(1);
        const [child] = await tx
          .select({ id: departments.id })
          .from(departments)
          .where(eq(departments.parentId, id))
          .limit(1);
        if (member || child) return { ok: false, problem: 'not-empty' } as const;
        await tx.delete(departments).where(eq(departments.id, id));
        return { ok: true } as const;
      });
    },

    async createSession(session) {
      await db.insert(sessions).values(session);
    },
    async activeSession(id, now, idleMs, touch = true) {
      const [session] = await db.select().from(sessions).where(eq(sessions.id, id));
      if (!session) return undefined;
      const sinceSeen = now.getTime() - session.seenAt.getTime();
      if (now > session.expiresAt || sinceSeen > idleMs) {
        await db.delete(sessions).where(eq(sessions.id, id));
        return undefined;
      }
      const user = await userById(session.userId);
      if (!user?.active) return undefined;
      if (!touch || sinceSeen <= SEEN_EVERY_MS) return { session, user };
      await db.update(sessions).set({ seenAt: now }).where(eq(sessions.id, id));
      return { session: { ...session, seenAt: now }, user };
    },
    async endSession(id) {
      await db.delete(sessions).where(eq(sessions.id, id));
    },
    endSessions: (userId) => endSessionsOf(db, userId),

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
