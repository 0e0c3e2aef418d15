/**
 * `leadwire init`: the first administrator, the one step between `npm start` and signing in to
 * the console. It asks at a terminal; scripts give --name, --email and --password-stdin.
 */
import type { Store } from '../../core/repositories/index.ts';
import type { UserRecord } from '../../core/repositories/users.ts';
import type { CliContext } from './commands.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { CliError, parseStrict } from './options.ts';
import { emailOf, nameOf, userProblem } from './people-input.ts';
import { ask, atTerminal, newPasswordHash } from './prompt.ts';

/** Active users with a role that administers (`manage`), whatever it is called. */
async function administrators(store: Store): Promise<UserRecord[]> {
  const [roles, users] = await Promise.all([
    store.users.listRoles(),
    store.users.listUsers({ active: true }),
  ]);
  const managing = new Set(roles.filter((role) => role.manage).map((role) => role.code));
  return users.filter((user) => user.roles.some((code) => managing.has(code)));
}

export async function runInit({ store, config }: CliContext, argv: string[]): Promise<string> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.init);
  if (positionals.length > 1) throw new CliError(`init takes no ${positionals[1]}`);
  const [admin] = await administrators(store);
  if (admin)
    throw new CliError(
      `there is already an administrator (${admin.email}): add more people with \`users create\``,
    );
  const fromStdin = values['password-stdin'] === true;
  // Standard input is the password's when --password-stdin is given, so nothing else is asked.
  if ((!values.name || !values.email) && (fromStdin || !atTerminal()))
    throw new CliError(
      'init needs --name and --email (and --password-stdin) when it cannot ask at a terminal',
    );
  const name = nameOf(values.name ?? (await ask('Your name: ')));
  const email = emailOf(values.email ?? (await ask('Your email (you sign in with it): ')));
  const passwordHash = await newPasswordHash(fromStdin, 'init');
  const written = await store.users.createUser({ name, email, roles: ['admin'], passwordHash });
  if (!written.ok)
    throw new CliError(
      written.problem === 'unknown-role'
        ? 'the role admin was deleted: create the administrator with `users create --role CODE --password-stdin`, CODE a role that manages'
        : userProblem(written.problem, { email }),
    );
  return `created administrator ${written.user.id} ${name} <${email}>\nSign in as ${email} at http://localhost:${config.port}/ (the console; the API signs in at /api/v1/session)`;
}
