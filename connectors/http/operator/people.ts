/**
 * Administration of people: users (with roles, department, capacity, time zone, language),
 * roles (scopes per entity and action) and the department tree. Only roles that manage.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { hashPassword, passwordProblem } from '../../../core/passwords.ts';
import { ACTIONS, ENTITIES, SCOPES } from '../../../core/permissions.ts';
import type {
  DepartmentRecord,
  RoleRecord,
  UserPatch,
  UserRepository,
} from '../../../core/repositories/users.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';

/** A department and every department under it. */
export function departmentSubtree(all: readonly DepartmentRecord[], rootId: number): number[] {
  const ids = [rootId];
  for (let i = 0; i < ids.length; i++) {
    for (const department of all) if (department.parentId === ids[i]) ids.push(department.id);
  }
  return ids;
}

const id = z.coerce.number().int().positive();
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone, e.g. Europe/Madrid');
const code = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, - and _');
const userFields = {
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  roles: z.array(code).min(1).max(10),
  departmentId: z.number().int().positive().nullable(),
  timeZone,
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag, e.g. en, es'),
  capacity: z.number().int().min(0).max(100_000).nullable(),
};
/** The API's and the console's rules for a new user, a change to one, a role, a department. */
export const newUser = z
  .object({ ...userFields, password: z.string().optional() })
  .partial({ departmentId: true, timeZone: true, language: true, capacity: true, password: true })
  .strict();
export const userPatch = z
  .object({ ...userFields, active: z.boolean() })
  .partial()
  .strict();
const grants = z.partialRecord(z.enum(ENTITIES), z.partialRecord(z.enum(ACTIONS), z.enum(SCOPES)));
export const roleBody = z
  .object({
    code,
    name: z.string().trim().min(1).max(100),
    grants,
    manage: z.boolean().default(false),
  })
  .strict();
export const departmentBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    parentId: z.number().int().positive().nullable().default(null),
    headId: z.number().int().positive().nullable().default(null),
  })
  .strict();
export const rolePatch = roleBody.omit({ code: true }).partial().strict();
export const departmentPatch = departmentBody.partial().strict();

/** A change of a user (active, roles) or of a role (manage), as the lockout check sees it. */
export type ManagerChange =
  | { userId: number; patch: Pick<UserPatch, 'active' | 'roles'> }
  | { roleId: number; manage: boolean | undefined };

/**
 * Whether `change` would leave nobody who can sign in and manage Leadwire (no active user with a
 * password and a managing role): the last administrator deactivating themselves, losing the
 * admin role, or the only managing role losing `manage`. Refused by the API and the console
 * alike, or a contact center is locked out of its own users, channels and queues.
 */
export async function leavesNoManager(
  users: Pick<UserRepository, 'listUsers' | 'listRoles'>,
  change: ManagerChange,
): Promise<boolean> {
  const [everyone, roles] = await Promise.all([users.listUsers({}), users.listRoles()]);
  const managesNow = (role: RoleRecord) => role.manage;
  const managesAfter = (role: RoleRecord) =>
    'roleId' in change && role.id === change.roleId ? (change.manage ?? role.manage) : role.manage;
  const anyManager = (manages: (role: RoleRecord) => boolean, changed: boolean) => {
    const codes = new Set(roles.filter(manages).map((role) => role.code));
    return everyone.some((user) => {
      const patch = changed && 'userId' in change && user.id === change.userId ? change.patch : {};
      const active = patch.active ?? user.active;
      const held = patch.roles ?? user.roles;
      return active && user.hasPassword && held.some((code) => codes.has(code));
    });
  };
  const before = anyManager(managesNow, false);
  const after = anyManager(managesAfter, true);
  // A system that has no manager already (set up by API key) is not made worse by this change.
  return before && !after;
}

export const LAST_MANAGER =
  'this would leave nobody who can sign in and manage Leadwire: give another active user a managing role first';

const USER_PROBLEMS = {
  'email-taken': [409, 'email_taken', 'email', 'another user has this email'],
  'unknown-role': [422, 'unknown_role', 'roles', 'no such role (GET /api/v1/roles)'],
  'unknown-department': [422, 'unknown_department', 'departmentId', 'no such department'],
  'no-user': [404, 'not_found', 'id', 'no such user'],
} as const;

const DEPARTMENT_PROBLEMS = {
  'name-taken': [409, 'name_taken', 'name', 'another department has this name'],
  'unknown-parent': [422, 'unknown_department', 'parentId', 'no such department'],
  'unknown-head': [422, 'unknown_user', 'headId', 'no such user'],
  cycle: [422, 'cycle', 'parentId', 'a department cannot be under itself or one of its own'],
  'not-empty': [409, 'not_empty', 'id', 'it still has users or sub-departments'],
  'no-department': [404, 'not_found', 'id', 'no such department'],
} as const;

function answer(
  res: Response,
  table: Record<string, readonly [number, string, string, string]>,
  key: string,
) {
  const [status, error, path, message] = table[key] ?? [500, 'internal', 'id', key];
  problem(res, status, error, message, [{ path, message }]);
}

export function peopleRoutes(deps: { repos: { users: UserRepository } }): Router {
  const { users } = deps.repos;
  const router = Router();
  const admin = requirePermission('admin');

  router.get('/users', requirePermission('read'), async (req, res) => {
    const query = z
      .object({ active: z.enum(['true', 'false']).optional(), departmentId: id.optional() })
      .strict()
      .safeParse(req.query);
    if (!query.success) return invalidQuery(res, query.error);
    const { active, departmentId } = query.data;
    res.json({
      users: await users.listUsers({
        ...(active ? { active: active === 'true' } : {}),
        ...(departmentId ? { departmentId } : {}),
      }),
    });
  });
  router.get('/users/:id', requirePermission('read'), async (req, res) => {
    const userId = id.safeParse(req.params.id);
    const user = userId.success ? await users.getUser(userId.data) : undefined;
    if (!user) return problem(res, 404, 'not_found', `user ${req.params.id} does not exist`);
    res.json(user);
  });
  router.post('/users', admin, async (req, res) => {
    const body = newUser.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const { password, ...user } = body.data;
    const weak = password === undefined ? undefined : passwordProblem(password);
    if (weak)
      return problem(res, 422, 'weak_password', weak, [{ path: 'password', message: weak }]);
    const written = await users.createUser({
      ...user,
      ...(password ? { passwordHash: await hashPassword(password) } : {}),
    });
    if (!written.ok) return answer(res, USER_PROBLEMS, written.problem);
    res.status(201).json(written.user);
  });
  router.patch('/users/:id', admin, async (req, res) => {
    const userId = id.safeParse(req.params.id);
    const body = userPatch.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (!userId.success) return problem(res, 404, 'not_found', 'no such user');
    if (await leavesNoManager(users, { userId: userId.data, patch: body.data }))
      return problem(res, 409, 'last_manager', LAST_MANAGER);
    const written = await users.updateUser(userId.data, body.data);
    if (!written.ok) return answer(res, USER_PROBLEMS, written.problem);
    res.json(written.user);
  });
  router.post('/users/:id/password', admin, async (req, res) => {
    const userId = id.safeParse(req.params.id);
    const body = z.object({ password: z.string() }).strict().safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const weak = passwordProblem(body.data.password);
    if (weak)
      return problem(res, 422, 'weak_password', weak, [{ path: 'password', message: weak }]);
    const set =
      userId.success &&
      (await users.setPassword(userId.data, await hashPassword(body.data.password)));
    if (!set) return problem(res, 404, 'not_found', `user ${req.params.id} does not exist`);
    res.status(204).end();
  });

  router.get('/roles', requirePermission('read'), async (_req, res) => {
    res.json({ roles: await users.listRoles() });
  });
  router.post('/roles', admin, async (req, res) => {
    const body = roleBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const written = await users.createRole(body.data);
    if (!written.ok) return problem(res, 409, 'code_taken', `a role ${body.data.code} exists`);
    res.status(201).json(written.role);
  });
  router.patch('/roles/:id', admin, async (req, res) => {
    const roleId = id.safeParse(req.params.id);
    const body = rolePatch.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (
      roleId.success &&
      (await leavesNoManager(users, { roleId: roleId.data, manage: body.data.manage }))
    )
      return problem(res, 409, 'last_manager', LAST_MANAGER);
    const written = roleId.success ? await users.updateRole(roleId.data, body.data) : undefined;
    if (!written?.ok) return problem(res, 404, 'not_found', `role ${req.params.id} does not exist`);
    res.json(written.role);
  });
  router.delete('/roles/:id', admin, async (req, res) => {
    const roleId = id.safeParse(req.params.id);
    const deleted = roleId.success ? await users.deleteRole(roleId.data) : undefined;
    if (deleted?.ok) return res.status(204).end();
    if (deleted && 'problem' in deleted && deleted.problem === 'in-use')
      return problem(res, 409, 'in_use', 'users still have this role: take it from them first');
    problem(res, 404, 'not_found', `role ${req.params.id} does not exist`);
  });

  router.get('/departments', requirePermission('read'), async (_req, res) => {
    res.json({ departments: await users.listDepartments() });
  });
  router.post('/departments', admin, async (req, res) => {
    const body = departmentBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const written = await users.createDepartment(body.data);
    if (!written.ok) return answer(res, DEPARTMENT_PROBLEMS, written.problem);
    res.status(201).json(written.department);
  });
  router.patch('/departments/:id', admin, async (req, res) => {
    const departmentId = id.safeParse(req.params.id);
    const body = departmentPatch.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (!departmentId.success) return problem(res, 404, 'not_found', 'no such department');
    const written = await users.updateDepartment(departmentId.data, body.data);
    if (!written.ok) return answer(res, DEPARTMENT_PROBLEMS, written.problem);
    res.json(written.department);
  });
  router.delete('/departments/:id', admin, async (req, res) => {
    const departmentId = id.safeParse(req.params.id);
    if (!departmentId.success) return problem(res, 404, 'not_found', 'no such department');
    const deleted = await users.deleteDepartment(departmentId.data);
    if (!deleted.ok) return answer(res, DEPARTMENT_PROBLEMS, deleted.problem);
    res.status(204).end();
  });
  return router;
}
