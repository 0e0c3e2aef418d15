/**
 * `leadwire users …`: the people who work leads: create them with their roles, department and
 * queue, change them, switch their sign-in off and on, and set a new password.
 */
import type { Store } from '../../core/repositories/index.ts';
import type { UserPatch, UserRecord } from '../../core/repositories/users.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { table } from './format.ts';
import { CliError, idOf, parseStrict } from './options.ts';
import {
  capacityOf,
  emailOf,
  languageOf,
  nameOf,
  referenceOf,
  refuseOptions,
  rolesOf,
  targetOf,
  timeZoneOf,
  userProblem,
} from './people-input.ts';
import { newPasswordHash } from './prompt.ts';

type Values = ReturnType<typeof parseStrict<typeof COMMAND_OPTIONS.users>>['values'];

const describe = (user: UserRecord) => `user ${user.id} ${user.name} <${user.email}>`;

/** What `users create` and `users update` have in common, checked. */
async function fieldsOf(store: Store, values: Values): Promise<UserPatch> {
  return {
    name: values.name === undefined ? undefined : nameOf(values.name),
    email: values.email === undefined ? undefined : emailOf(values.email),
    roles: values.role === undefined ? undefined : await rolesOf(store, values.role),
    departmentId:
      values.department === undefined
        ? undefined
        : referenceOf('--department', values.department, 'department', true),
    capacity: values.capacity === undefined ? undefined : capacityOf(values.capacity),
    timeZone: values['time-zone'] === undefined ? undefined : timeZoneOf(values['time-zone']),
    language: values.language === undefined ? undefined : languageOf(values.language),
  };
}

async function create(store: Store, values: Values): Promise<string> {
  if (!values.name || !values.email) throw new CliError('users create needs --name and --email');
  const fields = await fieldsOf(store, values);
  const channelId = values.queue === undefined ? undefined : idOf(values.queue);
  if (
    values.queue !== undefined &&
    (channelId === undefined || !(await store.channels.get(channelId)))
  )
    throw new CliError(`there is no channel ${values.queue} (see \`channels list\`)`);
  const passwordHash = values['password-stdin']
    ? await newPasswordHash(true, 'users create')
    : undefined;
  const written = await store.users.createUser({
    ...fields,
    name: fields.name ?? values.name,
    email: fields.email ?? values.email,
    roles: fields.roles ?? ['operator'],
    passwordHash,
  });
  if (!written.ok) throw new CliError(userProblem(written.problem, fields));
  const { user } = written;
  if (channelId !== undefined) await store.users.addToQueue(channelId, user.id);
  return `created ${describe(user)}${values.queue ? ` in the operator queue of channel ${values.queue}` : ''}`;
}

async function list(store: Store): Promise<string> {
  const [users, departments] = await Promise.all([
    store.users.listUsers({}),
    store.users.listDepartments(),
  ]);
  if (!users.length) return 'no users yet: create the first administrator with `init`';
  const departmentName = new Map(departments.map((d) => [d.id, `${d.id} ${d.name}`]));
  return table([
    ['id', 'name', 'email', 'roles', 'department', 'capacity', 'time zone', 'status'],
    ...users.map((user) => [
      user.id,
      user.name,
      user.email,
      user.roles.join(',') || '-',
      user.departmentId === null ? '-' : (departmentName.get(user.departmentId) ?? '-'),
      user.capacity ?? '-',
      user.timeZone,
      [user.active ? 'active' : 'inactive', ...(user.hasPassword ? [] : ['no password'])].join(
        ', ',
      ),
    ]),
  ]);
}

async function update(store: Store, values: Values, arg: string | undefined): Promise<string> {
  const id = targetOf('users update', arg, 'user');
  const fields = await fieldsOf(store, values);
  if (Object.values(fields).every((value) => value === undefined))
    throw new CliError(
      'users update needs something to change: --name, --email, --role, --department, --capacity, --time-zone or --language',
    );
  const written = await store.users.updateUser(id, fields);
  if (!written.ok) throw new CliError(userProblem(written.problem, { ...fields, id }));
  return `updated ${describe(written.user)}`;
}

async function setActive(store: Store, arg: string | undefined, active: boolean): Promise<string> {
  const command = active ? 'users activate' : 'users deactivate';
  const id = targetOf(command, arg, 'user');
  const written = await store.users.updateUser(id, { active });
  if (!written.ok) throw new CliError(userProblem(written.problem, { id }));
  const { user } = written;
  if (!active)
    return `deactivated ${describe(user)}: signed out everywhere, and no sign-in until \`users activate ${id}\``;
  return user.hasPassword
    ? `activated ${describe(user)}: they can sign in again`
    : `activated ${describe(user)}; they can sign in once they have a password (\`users reset-password ${id}\`)`;
}

async function resetPassword(store: Store, values: Values, arg: string | undefined) {
  const id = targetOf('users reset-password', arg, 'user');
  const user = await store.users.getUser(id);
  if (!user) throw new CliError(userProblem('no-user', { id }));
  const hash = await newPasswordHash(values['password-stdin'] === true, 'users reset-password');
  if (!(await store.users.setPassword(id, hash)))
    throw new CliError(userProblem('no-user', { id }));
  return `set a new password for ${describe(user)} and signed them out everywhere`;
}

const FIELDS = ['name', 'email', 'role', 'department', 'capacity', 'time-zone', 'language'];

/** The answer, or undefined for a sub-command there is not. */
export async function runUserCommand(store: Store, argv: string[]): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.users);
  const [, command, arg] = positionals;
  const takes = (allowed: string[]) => refuseOptions(values, allowed, `users ${command}`);
  switch (command) {
    case 'create':
      takes([...FIELDS, 'queue', 'password-stdin']);
      return create(store, values);
    case 'list':
      takes([]);
      return list(store);
    case 'update':
      takes(FIELDS);
      return update(store, values, arg);
    case 'activate':
    case 'deactivate':
      takes([]);
      return setActive(store, arg, command === 'activate');
    case 'reset-password':
      takes(['password-stdin']);
      return resetPassword(store, values, arg);
    default:
      return undefined;
  }
}
