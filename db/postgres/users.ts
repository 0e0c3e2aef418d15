/** PostgreSQL: users with their roles and operator queues (roles, departments, sessions and API keys: access.ts). */
import { and, asc, eq, inArray, max, sql, type SQL } from 'drizzle-orm';
import type {
  NewUser,
  UserPatch,
  UserProblem,
  UserRecord,
  UserRepository,
  UserWrite,
} from '../../core/repositories/users.ts';
import { endSessionsOf, pgAccess, roleRecord, unlessTaken, type Queryable } from './access.ts';
import type { PgDb } from './open.ts';
import { channelOperators, departments, roles, userRoles, users } from './schema.ts';

type UserRow = typeof users.$inferSelect;

const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** The rows as records, with each user's role codes (one query for all of them). */
async function recordsOf(db: Queryable, rows: UserRow[]): Promise<UserRecord[]> {
  const codes = new Map<number, string[]>();
  if (rows.length) {
    const held = await db
      .select({ userId: userRoles.userId, code: roles.code })
      .from(userRoles)
      .innerJoin(roles, eq(roles.id, userRoles.roleId))
      .where(
        inArray(
          userRoles.userId,
          rows.map((row) => row.id),
        ),
      )
      .orderBy(asc(roles.code));
    for (const { userId, code } of held) codes.set(userId, [...(codes.get(userId) ?? []), code]);
  }
  return rows.map(({ passwordHash, ...row }) => ({
    ...row,
    roles: codes.get(row.id) ?? [],
    hasPassword: passwordHash !== null,
  }));
}

async function usersWhere(db: Queryable, where: SQL | undefined): Promise<UserRecord[]> {
  return recordsOf(db, await db.select().from(users).where(where).orderBy(asc(users.id)));
}

const userById = async (db: Queryable, id: number) => (await usersWhere(db, eq(users.id, id)))[0];

/** The ids of the roles with these codes, or undefined when one of them is not a role (or none is given). */
async function roleIdsOf(db: Queryable, codes: string[]): Promise<number[] | undefined> {
  const wanted = [...new Set(codes)];
  if (!wanted.length) return undefined;
  const found = await db
    .select({ id: roles.id })
    .from(roles)
    .where(inArray(roles.code, wanted))
    .for('key share');
  return found.length === wanted.length ? found.map((row) => row.id) : undefined;
}

/** What is wrong with a new user's or a patch's references, before anything is written. */
async function referenceProblem(
  db: Queryable,
  user: Pick<UserPatch, 'roles' | 'departmentId'>,
): Promise<UserProblem | undefined> {
  if (user.roles !== undefined && !(await roleIdsOf(db, user.roles))) return 'unknown-role';
  if (user.departmentId != null) {
    const [department] = await db
      .select({ id: departments.id })
      .from(departments)
      .where(eq(departments.id, user.departmentId));
    if (!department) return 'unknown-department';
  }
  return undefined;
}

async function setRoles(db: Queryable, userId: number, codes: string[]): Promise<void> {
  await db.delete(userRoles).where(eq(userRoles.userId, userId));
  const roleIds = (await roleIdsOf(db, codes)) ?? [];
  await db.insert(userRoles).values(roleIds.map((roleId) => ({ userId, roleId })));
}

/** Runs a user write in one transaction; an email another user has is `email-taken`. */
function writeUser(db: PgDb, write: (tx: Queryable) => Promise<UserWrite>): Promise<UserWrite> {
  return unlessTaken(() => db.transaction(write), 'email-taken' as const);
}

async function insertUser(tx: Queryable, user: NewUser): Promise<UserWrite> {
  const problem = await referenceProblem(tx, user);
  if (problem) return { ok: false, problem };
  const [row] = await tx
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
    .returning({ id: users.id });
  if (!row) throw new Error('the user was not stored');
  await setRoles(tx, row.id, user.roles);
  return stored(tx, row.id);
}

async function patchUser(tx: Queryable, id: number, patch: UserPatch): Promise<UserWrite> {
  const [current] = await tx
    .select({ id: users.id })
    .from(users)
    .where(eq(users.id, id))
    .for('update');
  if (!current) return { ok: false, problem: 'no-user' };
  const problem = await referenceProblem(tx, patch);
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
    await tx.update(users).set(changes).where(eq(users.id, id));
  if (patch.roles !== undefined) await setRoles(tx, id, patch.roles);
  if (active === false) await endSessionsOf(tx, id);
  return stored(tx, id);
}

async function stored(tx: Queryable, id: number): Promise<UserWrite> {
  const user = await userById(tx, id);
  if (!user) throw new Error(`user ${id} vanished while it was written`);
  return { ok: true, user };
}

export function pgUsers(db: PgDb): UserRepository {
  return {
    ...pgAccess(db, (id) => userById(db, id)),
    createUser: (user) => writeUser(db, (tx) => insertUser(tx, user)),
    getUser: (id) => userById(db, id),
    async listUsers(filter) {
      const where: SQL[] = [];
      if (filter.active !== undefined) where.push(eq(users.active, filter.active));
      if (filter.departmentId !== undefined)
        where.push(eq(users.departmentId, filter.departmentId));
      return usersWhere(db, and(...where));
    },
    updateUser: (id, patch) => writeUser(db, (tx) => patchUser(tx, id, patch)),
    async setPassword(id, passwordHash) {
      return db.transaction(async (tx) => {
        const done = await tx
          .update(users)
          .set({ passwordHash })
          .where(eq(users.id, id))
          .returning({ id: users.id });
        await endSessionsOf(tx, id);
        return done.length > 0;
      });
    },
    async credentialsOf(email) {
      const [row] = await db
        .select()
        .from(users)
        .where(eq(users.email, normaliseEmail(email)));
      if (!row) return undefined;
      const [user] = await recordsOf(db, [row]);
      return user && { user, passwordHash: row.passwordHash };
    },
    async actorFacts(userId) {
      const user = await userById(db, userId);
      if (!user?.active) return undefined;
      const [held, department, queues] = await Promise.all([
        db
          .select()
          .from(roles)
          .innerJoin(userRoles, eq(userRoles.roleId, roles.id))
          .where(eq(userRoles.userId, userId))
          .orderBy(asc(roles.code)),
        user.departmentId === null
          ? undefined
          : db.execute<{ id: number | string }>(
              sql`WITH RECURSIVE subtree(id) AS (
                    SELECT id FROM departments WHERE id = ${user.departmentId}
                    UNION SELECT d.id FROM departments d JOIN subtree s ON d.parent_id = s.id
                  )
                  SELECT u.id FROM users u
                  WHERE u.department_id IN (SELECT id FROM subtree) ORDER BY u.id`,
            ),
        db
          .selectDistinct({ id: channelOperators.channelId })
          .from(channelOperators)
          .where(eq(channelOperators.userId, userId))
          .orderBy(asc(channelOperators.channelId)),
      ]);
      return {
        user,
        roles: held.map((row) => roleRecord(row.roles)),
        // Raw rows keep bigint as text.
        departmentUserIds: department ? department.rows.map((row) => Number(row.id)) : [user.id],
        queueChannelIds: queues.map((row) => row.id),
      };
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
  };
}
