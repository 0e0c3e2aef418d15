/**
 * `npm run leadwire -- <command>`: the operator's command line.
 *   api-keys create --name NAME [--role admin|operator|intake]   prints a new key once
 *   api-keys list                                                 names, roles, prefixes
 *   api-keys revoke <id>
 *   users create --name NAME --email EMAIL [--role operator] [--queue CHANNEL_ID]
 *   forms … / callbacks …                                         see scripts/cli/widgets.ts
 *   queues … / inbox replay …        see scripts/cli/queues.ts and scripts/cli/replay.ts
 */
import { parseArgs } from 'node:util';
import { newApiKey } from '../core/api-keys.ts';
import { ConfigError, StoreUnavailableError } from '../core/errors.ts';
import type { Store } from '../core/repositories/index.ts';
import type { ApiRole, UserRole } from '../core/repositories/users.ts';
import { loadConfig } from '../core/runtime/config.ts';
import { RedisUnavailableError } from '../core/runtime/redis.ts';
import { openStore } from '../db/open.ts';
import { CHANNEL_USAGE, runChannelCommand } from './cli/channels.ts';
import { CommandFailed, DB_USAGE, runDbCommand } from './cli/db.ts';
import { InterruptedError } from './cli/interrupt.ts';
import { QUEUE_USAGE, runQueuesCommand } from './cli/queues.ts';
import { INBOX_USAGE, runInboxCommand } from './cli/replay.ts';
import { CliError, runWidgetCommand, WIDGET_USAGE } from './cli/widgets.ts';

const USAGE = `usage: npm run leadwire -- <command>
  api-keys create --name NAME [--role admin|operator|intake]
  api-keys list
  api-keys revoke ID
  users create --name NAME --email EMAIL [--role operator|supervisor|admin] [--queue CHANNEL_ID]
${WIDGET_USAGE}
${CHANNEL_USAGE}
${QUEUE_USAGE}
${INBOX_USAGE}
${DB_USAGE}`;

const ROLES: ApiRole[] = ['admin', 'operator', 'intake'];

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const USER_ROLES: UserRole[] = ['operator', 'supervisor', 'admin'];

async function run(store: Store, argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      email: { type: 'string' },
      queue: { type: 'string' },
      file: { type: 'string' },
      since: { type: 'string' },
    },
  });
  const [group, command, arg] = positionals;
  try {
    const answer = await runWidgetCommand(store, group, command, arg, values.file);
    if (answer !== undefined) return answer;
  } catch (error) {
    if (error instanceof CliError) fail(error.message);
    throw error;
  }
  if (group === 'api-keys' && command === 'create') {
    if (!values.name) fail('api-keys create needs --name');
    const role = (values.role ?? 'operator') as ApiRole;
    if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
    const { key, prefix, hash } = newApiKey();
    const id = await store.users.createApiKey({ name: values.name, role, prefix, hash });
    return `created API key ${id} "${values.name}" (${role}). It is shown only now, keep it safe:\n${key}`;
  }
  if (group === 'api-keys' && command === 'list') {
    const rows = await store.users.listApiKeys();
    return (
      rows
        .map(
          (k) => `${k.id}\t${k.prefix}…\t${k.role}\t${k.name}${k.revokedAt ? '\t(revoked)' : ''}`,
        )
        .join('\n') || 'no API keys yet'
    );
  }
  if (group === 'api-keys' && command === 'revoke') {
    const id = Number(arg);
    if (!Number.isInteger(id)) fail('api-keys revoke needs the key id');
    if (!(await store.users.revokeApiKey(id, new Date()))) fail(`there is no API key ${id}`);
    return `revoked API key ${id}`;
  }
  if (group === 'users' && command === 'create') {
    if (!values.name || !values.email) fail('users create needs --name and --email');
    const role = (values.role ?? 'operator') as UserRole;
    if (!USER_ROLES.includes(role)) fail(`--role must be one of ${USER_ROLES.join(', ')}`);
    const channelId = values.queue === undefined ? undefined : Number(values.queue);
    if (channelId !== undefined && !(await store.channels.get(channelId)))
      fail(`there is no channel ${values.queue} (see \`channels list\`)`);
    const user = await store.users.createUser({
      name: values.name,
      email: values.email.toLowerCase(),
      role,
    });
    if (channelId !== undefined) await store.users.addToQueue(channelId, user.id);
    return `created user ${user.id} ${user.name} <${user.email}>${values.queue ? ` in the operator queue of channel ${values.queue}` : ''}`;
  }
  fail(positionals.length ? `unknown command: ${positionals.join(' ')}` : 'no command given');
}

let config;
let store: Store;
try {
  config = loadConfig();
  store = await openStore(config, { migrate: true });
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof StoreUnavailableError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
try {
  const argv = process.argv.slice(2);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    // The other commands' options are checked by `run` and the modules; this parse only finds
    // the command, so every option that takes a value is named (its value is no positional).
    strict: false,
    options: Object.fromEntries(
      [
        'since',
        'until',
        'file',
        'name',
        'role',
        'email',
        'queue',
        'limit',
        'id',
        'channel',
        'status',
        'to',
      ].map((name) => [name, { type: 'string' as const }]),
    ),
  });
  let answer: string | undefined;
  try {
    // The queue and replay commands parse their own options strictly: a mistyped filter must
    // not widen a replay to rows nobody meant.
    if (positionals[0] === 'queues') answer = await runQueuesCommand(store, config, argv);
    else if (positionals[0] === 'inbox') answer = await runInboxCommand(store, config, argv);
    else if (positionals[0] === 'db') answer = await runDbCommand(store, argv);
    else
      answer = await runChannelCommand(store, config, positionals, {
        since: typeof values.since === 'string' ? values.since : undefined,
        file: typeof values.file === 'string' ? values.file : undefined,
      });
  } catch (error) {
    if (error instanceof CliError) fail(error.message);
    if (
      error instanceof RedisUnavailableError ||
      error instanceof StoreUnavailableError ||
      error instanceof CommandFailed
    ) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    if (error instanceof InterruptedError) {
      process.stdout.write(`${error.message}\n`);
      process.exit(error.exitCode);
    }
    throw error;
  }
  process.stdout.write(`${answer ?? (await run(store, argv))}\n`);
} finally {
  await store.close();
}
