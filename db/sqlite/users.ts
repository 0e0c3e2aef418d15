/** SQLite: users with their roles and operator queues (roles, departments, sessions and API keys: access.ts). */
import { and, asc, eq, inArray, max, sql, type SQL } from 'drizzle-orm';
import type {
  NewUser,
  UserPatch,
  UserProblem,
  UserRecord,
  UserRepository,
  UserWrite,
} from '../../core/repositories/users.ts';
import { endSessionsOf, isUniqueViolation, roleRecord, sqliteAccess } from './access.ts';
import type { Db } from './open.ts';
import { channelOperators, departments, roles, userRoles, users } from './schema.ts';

type UserRow = typeof users.$inferSelect;

const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** The rows as records, with each user's role codes (one query for all of them). */
function recordsOf(db: Db, rows: UserRow[]): UserRecord[] {
  const codes = new Map<number, string[]>();
  if (rows.length) {
    const held = db
      .select({ userId: userRoles.userId, code: roles.code })
      .from(userRoles)
      .innerJoin(roles, eq(roles.id, userRoles.roleId))
      .where(
        inArray(
          userRoles.userId,
          rows.map((row) => row.id),
        ),
      )
      .orderBy(asc(roles.code))
      .all();
    for (const { userId, code } of held) codes.set(userId, [...(codes.get(userId) ?? []), code]);
  }
  return rows.map(({ passwordHash, ...row }) => ({
    ...row,
    roles: codes.get(row.id) ?? [],
    hasPassword: passwordHash !== null,
  }));
}

function usersWhere(db: Db, where: SQL | undefined): UserRecord[] {
  return recordsOf(db, db.select().from(users).where(where).orderBy(asc(users.id)).all());
}

const userById = (db: Db, id: number) => usersWhere(db, eq(users.id, id))[0];

/** The ids of the roles with these codes, or undefined when one of them is not a role (or none is given). */
function roleIdsOf(db: Db, codes: string[]): number[] | undefined {
  const wanted = [...new Set(codes)];
  if (!wanted.length) return undefined;
  const found = db.select({ id: roles.id }).from(roles).where(inArray(roles.code, wanted)).all();
  return found.length === wanted.length ? found.map((row) => row.id) : undefined;
}

/** What is wrong with a new user's or a patch's references, before anything is written. */
function referenceProblem(
  db: Db,
  user: Pick<UserPatch, 'roles' | 'departmentId'>,
): UserProblem | undefined {
  if (user.roles !== undefined && !roleIdsOf(db, user.roles)) return 'unknown-role';
  if (user.departmentId != null) {
    const department = db
      .select({ id: departments.id })
      .from(departments)
      .where(eq(departments.id, user.departmentId))
      .get();
    if (!department) return 'unknown-department';
  }
  return undefined;
}

function setRoles(db: Db, userId: number, codes: string[]): void {
  db.delete(userRoles).where(eq(userRoles.userId, userId)).run();
  const roleIds = roleIdsOf(db, codes) ?? [];
  db.insert(userRoles)
    .values(roleIds.map((roleId) => ({ userId, roleId })))
    .run();
}

/** Runs a user write in one transaction; an email another user has is `email-taken`. */
function writeUser(db: Db, write: () => UserWrite): UserWrite {
  try {
    return db.transaction(write, { behavior: 'immediate' });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, problem: 'email-taken' };
    throw error;
  }
}

function insertUser(db: Db, user: NewUser): UserWrite {
  const problem = referenceProblem(db, user);
  if (problem) return { ok: false, problem };
  const [row] = db
    .insert(users)
    .values({
      name: user.name,
      email: normaliseEmail(user.email),
      departmentId: user.departmentId ?? null,
      timeZone: user.timeZone,
      language: user.language,
      capacity: user.capacity ?? null,
      passwordHash: user.passwordHash ?? null,
    })
    .returning({ id: users.id })
    .all();
  if (!row) throw new Error('the user was not stored');
  setRoles(db, row.id, user.roles);
  return stored(db, row.id);
}

function patchUser(db: Db, id: number, patch: UserPatch): UserWrite {
  if (!userById(db, id)) return { ok: false, problem: 'no-user' };
  const problem = referenceProblem(db, patch);
  if (problem) return { ok: false, problem };
  const { name, email, departmentId, timeZone, language, capacity, active } = patch;
  const changes = {
    name,
    email: email === undefined ? undefined : normaliseEmail(email),
    departmentId,
    timeZone,
    language,
    capacity,
    active,
  };
  if (Object.values(changes).some((value) => value !== undefined))
    db.update(users).set(changes).where(eq(users.id, id)).run();
  if (patch.roles !== undefined) setRoles(db, id, patch.roles);
  if (active === false) endSessionsOf(db, id);
  return stored(db, id);
}

function stored(db: Db, id: number): UserWrite {
  const user = userById(db, id);
  if (!user) throw new Error(`user ${id} vanished while it was written`);
  return { ok: true, user };
}

export function sqliteUsers(db: Db): UserRepository {
  return {
    ...sqliteAccess(db, (id) => userById(db, id)),
    async createUser(user) {
      return writeUser(db, () => insertUser(db, user));
    },
    async getUser(id) {
      return userById(db, id);
    },
    async listUsers(filter) {
      const where: SQL[] = [];
      if (filter.active !== undefined) where.push(eq(users.active, filter.active));
      if (filter.departmentId !== undefined)
        where.push(eq(users.departmentId, filter.departmentId));
      return usersWhere(db, and(...where));
    },
    async updateUser(id, patch) {
      return writeUser(db, () => patchUser(db, id, patch));
    },
    async setPassword(id, passwordHash) {
      return db.transaction(
        () => {
          const done = db.update(users).set({ passwordHash }).where(eq(users.id, id)).run();
          endSessionsOf(db, id);
          return done.changes > 0;
        },
        { behavior: 'immediate' },
      );
    },
    async credentialsOf(email) {
      const row = db
        .select()
        .from(users)
        .where(eq(users.email, normaliseEmail(email)))
        .get();
      const [user] = row ? recordsOf(db, [row]) : [];
      return row && user && { user, passwordHash: row.passwordHash };
    },
    async actorFacts(userId) {
      const user = userById(db, userId);
      if (!user?.active) return undefined;
      const held = db
        .select()
        .from(roles)
        .innerJoin(userRoles, eq(userRoles.roleId, roles.id))
        .where(eq(userRoles.userId, userId))
        .orderBy(asc(roles.code))
        .all()
        .map((row) => roleRecord(row.roles));
      const departmentUserIds =
        user.departmentId === null
          ? [user.id]
          : db
              .all<{ id: number }>(
                sql`WITH RECURSIVE subtree(id) AS (
                      SELECT id FROM departments WHERE id = ${user.departmentId}
                      UNION SELECT d.id FROM departments d JOIN subtree s ON d.parent_id = s.id
                    )
                    SELECT u.id FROM users u
                    WHERE u.department_id IN (SELECT id FROM subtree) ORDER BY u.id`,
              )
              .map((row) => row.id);
      const queueChannelIds = db
        .selectDistinct({ id: channelOperators.channelId })
        .from(channelOperators)
        .where(eq(channelOperators.userId, userId))
        .orderBy(asc(channelOperators.channelId))
        .all()
        .map((row) => row.id);
      return { user, roles: held, departmentUserIds, queueChannelIds };
    },
    async addToQueue(channelId, userId) {
      db.transaction(
        () => {
          const last = db
            .select({ position: max(channelOperators.position) })
            .from(channelOperators)
            .where(eq(channelOperators.channelId, channelId))
            .get();
          db.insert(channelOperators)
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
  };
}
