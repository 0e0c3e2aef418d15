/** SQLite: roles, the department tree, sign-in sessions and API keys (UserRepository beside the users). */
import { and, count, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Grants } from '../../core/permissions.ts';
import type { RoleRecord, UserRecord, UserRepository } from '../../core/repositories/users.ts';
import { rootCause } from '../errors.ts';
import type { Db } from './open.ts';
import { apiKeys, departments, roles, sessions, userRoles, users } from './schema.ts';

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
  const code = (rootCause(error) as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export const roleRecord = (row: typeof roles.$inferSelect): RoleRecord => ({
  ...row,
  grants: row.grants as Grants,
});

const exists = (db: Db, table: typeof users | typeof departments, id: number) =>
  db.select({ id: table.id }).from(table).where(eq(table.id, id)).get() !== undefined;

/** The department and every department under it, by id. */
function subtreeOf(db: Db, departmentId: number): number[] {
  return db
    .all<{ id: number }>(
      sql`WITH RECURSIVE subtree(id) AS (
            SELECT id FROM departments WHERE id = ${departmentId}
            UNION SELECT d.id FROM departments d JOIN subtree s ON d.parent_id = s.id
          ) SELECT id FROM subtree`,
    )
    .map((row) => row.id);
}

export const endSessionsOf = (db: Db, userId: number) =>
  db.delete(sessions).where(eq(sessions.userId, userId)).run().changes;

/** `userById` reads a user as a record (users.ts), for the user of a session. */
export function sqliteAccess(
  db: Db,
  userById: (id: number) => UserRecord | undefined,
): AccessRepository {
  const activeKey = (where: SQL) =>
    db
      .select()
      .from(apiKeys)
      .where(and(where, isNull(apiKeys.revokedAt)))
      .get();
  // Every REST intake request looks its key up: prepared once, not built by drizzle each time
  // (15% of an intake request's CPU).
  const keyByHash = db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, sql.placeholder('hash')), isNull(apiKeys.revokedAt)))
    .prepare();
  const getRole = (id: number) => {
    const row = db.select().from(roles).where(eq(roles.id, id)).get();
    return row && roleRecord(row);
  };
  const getDepartment = (id: number) =>
    db.select().from(departments).where(eq(departments.id, id)).get();
  /** The unique constraint answers for a name or code taken; any other error goes on. */
  const unlessTaken = <T, P>(write: () => T, problem: P): T | { ok: false; problem: P } => {
    try {
      return write();
    } catch (error) {
      if (isUniqueViolation(error)) return { ok: false, problem };
      throw error;
    }
  };
  return {
    async listRoles() {
      return db.select().from(roles).orderBy(roles.id).all().map(roleRecord);
    },
    async createRole(role) {
      return unlessTaken(() => {
        const [row] = db.insert(roles).values(role).returning().all();
        if (!row) throw new Error('the role was not stored');
        return { ok: true as const, role: roleRecord(row) };
      }, 'code-taken' as const);
    },
    async updateRole(id, patch) {
      const { name, grants, manage } = patch;
      const changes = { name, grants, manage };
      if (Object.values(changes).some((value) => value !== undefined))
        db.update(roles).set(changes).where(eq(roles.id, id)).run();
      const role = getRole(id);
      return role ? { ok: true, role } : { ok: false, problem: 'no-role' };
    },
    async deleteRole(id) {
      return db.transaction(
        () => {
          if (!getRole(id)) return { ok: false, problem: 'no-role' } as const;
          const [held] = db
            .select({ n: count() })
            .from(userRoles)
            .where(eq(userRoles.roleId, id))
            .all();
          if (held && held.n > 0) return { ok: false, problem: 'in-use' } as const;
          db.delete(roles).where(eq(roles.id, id)).run();
          return { ok: true } as const;
        },
        { behavior: 'immediate' },
      );
    },

    async listDepartments() {
      return db.select().from(departments).orderBy(departments.id).all();
    },
    async createDepartment(department) {
      return db.transaction(
        () => {
          if (department.parentId !== null && !exists(db, departments, department.parentId))
            return { ok: false, problem: 'unknown-parent' } as const;
          if (department.headId !== null && !exists(db, users, department.headId))
            return { ok: false, problem: 'unknown-head' } as const;
          return unlessTaken(() => {
            const [row] = db.insert(departments).values(department).returning().all();
            if (!row) throw new Error('the department was not stored');
            return { ok: true as const, department: row };
          }, 'name-taken' as const);
        },
        { behavior: 'immediate' },
      );
    },
    async updateDepartment(id, patch) {
      return db.transaction(
        () => {
          if (!getDepartment(id)) return { ok: false, problem: 'no-department' } as const;
          const { name, parentId, headId } = patch;
          if (parentId != null) {
            if (!exists(db, departments, parentId))
              return { ok: false, problem: 'unknown-parent' } as const;
            if (subtreeOf(db, id).includes(parentId))
              return { ok: false, problem: 'cycle' } as const;
          }
          if (headId != null && !exists(db, users, headId))
            return { ok: false, problem: 'unknown-head' } as const;
          const changes = { name, parentId, headId };
          if (Object.values(changes).some((value) => value !== undefined)) {
            const taken = unlessTaken(
              () => db.update(departments).set(changes).where(eq(departments.id, id)).run(),
              'name-taken' as const,
            );
            if ('problem' in taken) return taken;
          }
          const department = getDepartment(id);
          if (!department) throw new Error(`department ${id} vanished while it was updated`);
          return { ok: true, department } as const;
        },
        { behavior: 'immediate' },
      );
    },
    async deleteDepartment(id) {
      return db.transaction(
        () => {
          if (!getDepartment(id)) return { ok: false, problem: 'no-department' } as const;
          const member = db
            .select({ id: users.id })
            .from(users)
            .where(eq(users.departmentId, id))
            .get();
          const child = db
            .select({ id: departments.id })
            .from(departments)
            .where(eq(departments.parentId, id))
            .get();
          if (member || child) return { ok: false, problem: 'not-empty' } as const;
          db.delete(departments).where(eq(departments.id, id)).run();
          return { ok: true } as const;
        },
        { behavior: 'immediate' },
      );
    },

    async createSession(session) {
      db.insert(sessions).values(session).run();
    },
    async activeSession(id, now, idleMs, touch = true) {
      const session = db.select().from(sessions).where(eq(sessions.id, id)).get();
      if (!session) return undefined;
      const sinceSeen = now.getTime() - session.seenAt.getTime();
      if (now > session.expiresAt || sinceSeen > idleMs) {
        db.delete(sessions).where(eq(sessions.id, id)).run();
        return undefined;
      }
      const user = userById(session.userId);
      if (!user?.active) return undefined;
      if (!touch || sinceSeen <= SEEN_EVERY_MS) return { session, user };
      db.update(sessions).set({ seenAt: now }).where(eq(sessions.id, id)).run();
      return { session: { ...session, seenAt: now }, user };
    },
    async endSession(id) {
      db.delete(sessions).where(eq(sessions.id, id)).run();
    },
    async endSessions(userId) {
      return endSessionsOf(db, userId);
    },

    async createApiKey(key) {
      const [row] = db.insert(apiKeys).values(key).returning({ id: apiKeys.id }).all();
      if (!row) throw new Error('the API key was not stored');
      return row.id;
    },
    async activeKeyByHash(hash) {
      return keyByHash.get({ hash });
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
