/**
 * `leadwire departments …`: the department tree. A supervisor sees the leads of their department
 * and of every department under it, so where a department hangs decides who sees what.
 */
import type { Store } from '../../core/repositories/index.ts';
import type { DepartmentRecord } from '../../core/repositories/users.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { table } from './format.ts';
import { CliError, parseStrict } from './options.ts';
import { departmentProblem, nameOf, referenceOf, refuseOptions, targetOf } from './people-input.ts';

type Values = ReturnType<typeof parseStrict<typeof COMMAND_OPTIONS.departments>>['values'];

const describe = (department: DepartmentRecord) =>
  `department ${department.id} ${department.name}${department.parentId === null ? '' : ` (under ${department.parentId})`}`;

/** Each department after its parent, indented one step per level. */
function tree(departments: DepartmentRecord[]): { department: DepartmentRecord; depth: number }[] {
  const ids = new Set(departments.map((d) => d.id));
  const childrenOf = (parentId: number | null) =>
    departments.filter((d) =>
      parentId === null ? d.parentId === null || !ids.has(d.parentId) : d.parentId === parentId,
    );
  const walk = (parentId: number | null, depth: number): ReturnType<typeof tree> =>
    childrenOf(parentId).flatMap((department) => [
      { department, depth },
      ...walk(department.id, depth + 1),
    ]);
  return walk(null, 0);
}

async function list(store: Store): Promise<string> {
  const [departments, users] = await Promise.all([
    store.users.listDepartments(),
    store.users.listUsers({}),
  ]);
  if (!departments.length) return 'no departments yet';
  const email = new Map(users.map((user) => [user.id, user.email]));
  const members = (id: number) => users.filter((user) => user.departmentId === id).length;
  return table([
    ['id', 'name', 'head', 'users'],
    ...tree(departments).map(({ department, depth }) => [
      department.id,
      `${'  '.repeat(depth)}${department.name}`,
      department.headId === null ? '-' : (email.get(department.headId) ?? '-'),
      members(department.id),
    ]),
  ]);
}

function fieldsOf(values: Values): Partial<Omit<DepartmentRecord, 'id'>> {
  return {
    name: values.name === undefined ? undefined : nameOf(values.name),
    parentId:
      values.parent === undefined
        ? undefined
        : referenceOf('--parent', values.parent, 'department', true),
    headId:
      values.head === undefined ? undefined : referenceOf('--head', values.head, 'user', true),
  };
}

/** The answer, or undefined for a sub-command there is not. */
export async function runDepartmentCommand(
  store: Store,
  argv: string[],
): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.departments);
  const [, command, arg] = positionals;
  const takes = (allowed: string[]) => refuseOptions(values, allowed, `departments ${command}`);
  switch (command) {
    case 'list':
      takes([]);
      return list(store);
    case 'create': {
      takes(['name', 'parent', 'head']);
      if (values.name === undefined) throw new CliError('departments create needs --name NAME');
      const fields = fieldsOf(values);
      const department = {
        name: fields.name ?? values.name,
        parentId: fields.parentId ?? null,
        headId: fields.headId ?? null,
      };
      const written = await store.users.createDepartment(department);
      if (!written.ok) throw new CliError(departmentProblem(written.problem, department));
      return `created ${describe(written.department)}`;
    }
    case 'update': {
      takes(['name', 'parent', 'head']);
      const id = targetOf('departments update', arg, 'department');
      const fields = fieldsOf(values);
      if (Object.values(fields).every((value) => value === undefined))
        throw new CliError(
          'departments update needs something to change: --name, --parent or --head',
        );
      const written = await store.users.updateDepartment(id, fields);
      if (!written.ok) throw new CliError(departmentProblem(written.problem, { ...fields, id }));
      return `updated ${describe(written.department)}`;
    }
    case 'delete': {
      takes([]);
      const id = targetOf('departments delete', arg, 'department');
      const deleted = await store.users.deleteDepartment(id);
      if (!deleted.ok) throw new CliError(departmentProblem(deleted.problem, { id }));
      return `deleted department ${id}`;
    }
    default:
      return undefined;
  }
}
