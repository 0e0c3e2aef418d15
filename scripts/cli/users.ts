/** `leadwire api-keys …` and `leadwire users create`: who may use the API, and who gets leads. */
import { newApiKey } from '../../core/api-keys.ts';
import type { Store } from '../../core/repositories/index.ts';
import type { ApiRole, UserRole } from '../../core/repositories/users.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { CliError, idOf, parseStrict } from './options.ts';

const API_ROLES: ApiRole[] = ['admin', 'operator', 'intake'];
const USER_ROLES: UserRole[] = ['operator', 'supervisor', 'admin'];

export async function runApiKeyCommand(store: Store, argv: string[]): Promise<string> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS['api-keys']);
  const [, command, arg] = positionals;
  if (command === 'create') {
    if (!values.name) throw new CliError('api-keys create needs --name NAME');
    const role = values.role ?? 'operator';
    if (!API_ROLES.some((known) => known === role))
      throw new CliError(`--role must be one of ${API_ROLES.join(', ')}`);
    const { key, prefix, hash } = newApiKey();
    const id = await store.users.createApiKey({
      name: values.name,
      role: role as ApiRole,
      prefix,
      hash,
    });
    return `created API key ${id} "${values.name}" (${role}). It is shown only now, keep it safe:\n${key}`;
  }
  if (command === 'list') {
    const rows = await store.users.listApiKeys();
    return (
      rows
        .map(
          (k) => `${k.id}\t${k.prefix}…\t${k.role}\t${k.name}${k.revokedAt ? '\t(revoked)' : ''}`,
        )
        .join('\n') || 'no API keys yet'
    );
  }
  if (command === 'revoke') {
    const id = idOf(arg);
    if (id === undefined)
      throw new CliError('api-keys revoke needs the key id (see `api-keys list`)');
    if (!(await store.users.revokeApiKey(id, new Date())))
      throw new CliError(`there is no API key ${id} (see \`api-keys list\`)`);
    return `revoked API key ${id}`;
  }
  throw new CliError(
    command === undefined
      ? 'api-keys needs a command: create, list or revoke'
      : `unknown command: api-keys ${command}`,
  );
}

export async function runUserCommand(store: Store, argv: string[]): Promise<string> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.users);
  const [, command] = positionals;
  if (command !== 'create')
    throw new CliError(
      command === undefined ? 'users needs a command: create' : `unknown command: users ${command}`,
    );
  if (!values.name || !values.email) throw new CliError('users create needs --name and --email');
  if (!/^[^@\s]+@[^@\s]+$/.test(values.email))
    throw new CliError(
      `--email takes an email address, e.g. olga@example.com (not ${values.email})`,
    );
  const role = values.role ?? 'operator';
  if (!USER_ROLES.some((known) => known === role))
    throw new CliError(`--role must be one of ${USER_ROLES.join(', ')}`);
  const channelId = values.queue === undefined ? undefined : idOf(values.queue);
  if (
    values.queue !== undefined &&
    (channelId === undefined || !(await store.channels.get(channelId)))
  )
    throw new CliError(`there is no channel ${values.queue} (see \`channels list\`)`);
  const email = values.email.toLowerCase();
  const user = await store.users
    .createUser({ name: values.name, email, role: role as UserRole })
    .catch((error: unknown) => {
      // The repository has no "email taken" answer yet: the stores' unique-violation codes.
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505')
        throw new CliError(`there is already a user with the email ${email}`);
      throw error;
    });
  if (channelId !== undefined) await store.users.addToQueue(channelId, user.id);
  return `created user ${user.id} ${user.name} <${user.email}>${values.queue ? ` in the operator queue of channel ${values.queue}` : ''}`;
}
