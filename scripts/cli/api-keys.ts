/** `leadwire api-keys …`: who may use the API. */
import { newApiKey } from '../../core/api-keys.ts';
import type { Store } from '../../core/repositories/index.ts';
import { API_ROLES, type ApiRole } from '../../core/repositories/users.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { CliError, idOf, parseStrict } from './options.ts';

export async function runApiKeyCommand(store: Store, argv: string[]): Promise<string> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS['api-keys']);
  const [, command, arg] = positionals;
  if (command === 'create') {
    if (!values.name) throw new CliError('api-keys create needs --name NAME');
    const role = values.role ?? 'operator';
    if (!API_ROLES.some((known) => known === role))
      throw new CliError(`--role must be one of ${API_ROLES.join(', ')}`);
    const userId = values.user === undefined ? null : idOf(values.user);
    if (userId === undefined || (userId !== null && !(await store.users.getUser(userId))?.active))
      throw new CliError(
        `--user takes the id of an active user (see \`users list\`), not ${values.user}`,
      );
    const { key, prefix, hash } = newApiKey();
    const id = await store.users.createApiKey({
      name: values.name,
      role: role as ApiRole,
      prefix,
      hash,
      userId,
    });
    const acting = userId === null ? '' : `, acting as user ${userId}`;
    return `created API key ${id} "${values.name}" (${role}${acting}). It is shown only now, keep it safe:\n${key}`;
  }
  if (command === 'list') {
    const rows = await store.users.listApiKeys();
    return (
      rows
        .map(
          (k) =>
            `${k.id}\t${k.prefix}…\t${k.role}\t${k.name}${k.userId === null ? '' : `\t(as user ${k.userId})`}${k.revokedAt ? '\t(revoked)' : ''}`,
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
