/**
 * `leadwire init`, `users …` and `departments …` against the test's own store: the first
 * administrator, people with roles, departments and queues, sign-in switched off and on,
 * passwords from standard input, and mistakes answered with a sentence. Commands that read
 * standard input, and the exit codes and usage a person sees, run as the real CLI process; the
 * rest call the command modules directly (a process start costs over a second).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyPassword } from '../../core/passwords.ts';
import { runDepartmentCommand } from '../../scripts/cli/departments.ts';
import { runInit } from '../../scripts/cli/init.ts';
import { CliError } from '../../scripts/cli/options.ts';
import { runUserCommand } from '../../scripts/cli/users.ts';
import { uniquePrefix } from '../helpers/redis.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STACK_TRACE = /\bat .*\.[jt]s:\d+/;
const PASSWORD = 'correct horse battery';
const HOUR = 3_600_000;

let test: TestStore;
let env: Record<string, string>;

beforeAll(async () => {
  test = await openTestStore('cli-users');
  env = {
    DATA_DIR: test.dir,
    QUEUE_PREFIX: uniquePrefix('cli-users'),
    PORT: '4321',
    ...(test.config.database.kind === 'postgres' ? { DATABASE_URL: test.config.database.url } : {}),
  };
});
afterAll(() => test.close());

/** The CLI process with `input` on its standard input (a pipe, as a script gives it). */
function cli(args: string[], input = '') {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ENV_FILE: '/dev/null', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
}

/** A usage error: exit code 2, the sentence first, then the command's usage; no stack trace. */
function expectMistake(run: { code: number | null; stderr: string }, sentence: string) {
  expect(run.stderr.split('\n')[0]).toBe(sentence);
  expect(run.stderr).toMatch(/\n\nusage: npm run leadwire -- /);
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.code).toBe(2);
}

const users = (...argv: string[]) => runUserCommand(test.store, ['users', ...argv]);
const departments = (...argv: string[]) =>
  runDepartmentCommand(test.store, ['departments', ...argv]);

/** The sentence a command module refused with (what the CLI prints above the usage). */
async function refusal(answer: Promise<unknown>): Promise<string> {
  const error = await answer.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CliError);
  return (error as CliError).message;
}

it('init creates the first administrator from a script, once', async () => {
  expect(await users('list')).toBe('no users yet: create the first administrator with `init`');
  // Without a terminal to ask at, everything must be given. (Those that could ask run as a
  // process of their own, whose standard input is a pipe whatever the test runner's is.)
  expect(
    await refusal(runInit(test, ['init', '--email', 'olga@example.com', '--password-stdin'])),
  ).toBe('init needs --name and --email (and --password-stdin) when it cannot ask at a terminal');
  const [noPassword, short] = await Promise.all([
    cli(['init', '--name', 'Olga', '--email', 'olga@example.com']),
    cli(['init', '--name', 'Olga', '--email', 'olga@example.com', '--password-stdin'], 'short\n'),
  ]);
  expectMistake(
    noPassword,
    'init asks for the password at a terminal; in a script, give it on standard input with --password-stdin',
  );
  expectMistake(short, 'a password needs at least 10 characters (this one has 5)');
  expect(await test.store.users.listUsers({})).toEqual([]);

  const first = await cli(
    ['init', '--name', 'Olga Petrova', '--email', ' Olga@Example.com', '--password-stdin'],
    `${PASSWORD}\nignored second line\n`,
  );
  expect(first).toEqual({
    code: 0,
    stderr: '',
    stdout:
      'created administrator 1 Olga Petrova <olga@example.com>\n' +
      'Sign in as olga@example.com at http://localhost:4321/ (the console; the API signs in at /api/v1/session)\n',
  });
  const credentials = await test.store.users.credentialsOf('olga@example.com');
  expect(credentials?.user).toMatchObject({ id: 1, roles: ['admin'], hasPassword: true });
  expect(await verifyPassword(credentials?.passwordHash ?? '', PASSWORD)).toBe(true);

  expectMistake(
    await cli(
      ['init', '--name', 'Eve', '--email', 'eve@example.com', '--password-stdin'],
      `${PASSWORD}\n`,
    ),
    'there is already an administrator (olga@example.com): add more people with `users create`',
  );
  expect(await test.store.users.credentialsOf('eve@example.com')).toBeUndefined();
});

it('creates, lists and changes departments, refusing a cycle and deleting only empty ones', async () => {
  expect(await departments('create', '--name', 'Company')).toBe('created department 1 Company');
  expect(await departments('create', '--name', 'Sales', '--parent', '1', '--head', '1')).toBe(
    'created department 2 Sales (under 1)',
  );
  expect(await departments('create', '--name', 'North', '--parent', '2')).toBe(
    'created department 3 North (under 2)',
  );
  expect((await departments('list'))?.split('\n')).toEqual([
    'id  name       head              users',
    ' 1  Company    -                     0',
    ' 2    Sales    olga@example.com      0',
    ' 3      North  -                     0',
  ]);
  expect(await refusal(departments('create', '--name', 'Sales'))).toBe(
    'there is already a department named Sales',
  );
  expect(await refusal(departments('create', '--name', 'South', '--parent', '99'))).toBe(
    'there is no department 99 (see `departments list`)',
  );
  expect(await refusal(departments('create', '--name', 'South', '--head', 'olga'))).toBe(
    '--head takes the id of a user, or none (not olga)',
  );
  expect(await refusal(departments('update', '2'))).toBe(
    'departments update needs something to change: --name, --parent or --head',
  );
  expect(await refusal(departments('delete'))).toBe(
    "departments delete needs the department's id (see `departments list`)",
  );
  expectMistake(
    await cli(['departments', 'update', '1', '--parent', '3']),
    'department 1 cannot go under department 3: that is the department itself or one of its sub-departments',
  );
  expect(await departments('update', '3', '--parent', 'none', '--name', 'North Region')).toBe(
    'updated department 3 North Region',
  );
  expect(await refusal(departments('delete', '1'))).toBe(
    'department 1 still has users or sub-departments: move them first (`users update ID --department …`, `departments update ID --parent …`)',
  );
  expect(await departments('delete', '3')).toBe('deleted department 3');
  expect(await departments('frobnicate')).toBeUndefined();
});

it('creates people with roles, department, capacity, zone, language, queue and password', async () => {
  const ana = await cli(
    [
      'users',
      'create',
      '--name',
      'Ana',
      '--email',
      'ana@example.com',
      '--role',
      'operator,supervisor',
      '--role',
      'operator',
      '--department',
      '2',
      '--capacity',
      '5',
      '--time-zone',
      'europe/madrid',
      '--language',
      'es-mx',
      '--queue',
      '1',
      '--password-stdin',
    ],
    `${PASSWORD}\n`,
  );
  expect(ana).toMatchObject({
    code: 0,
    stdout: 'created user 2 Ana <ana@example.com> in the operator queue of channel 1\n',
  });
  const facts = await test.store.users.actorFacts(2);
  expect(facts?.user).toMatchObject({
    roles: ['operator', 'supervisor'],
    departmentId: 2,
    capacity: 5,
    timeZone: 'Europe/Madrid',
    language: 'es-MX',
    hasPassword: true,
  });
  expect(facts?.queueChannelIds).toEqual([1]);

  // Without a password: they exist, and cannot sign in yet.
  expect(await users('create', '--name', 'Bo', '--email', 'bo@example.com')).toBe(
    'created user 3 Bo <bo@example.com>',
  );
  expect(await test.store.users.getUser(3)).toMatchObject({
    roles: ['operator'],
    hasPassword: false,
    timeZone: 'UTC',
    language: 'en',
  });
  expect((await users('list'))?.split('\n')).toEqual([
    'id  name          email             roles                department  capacity  time zone      status',
    ' 1  Olga Petrova  olga@example.com  admin                -           -         UTC            active',
    ' 2  Ana           ana@example.com   operator,supervisor  2 Sales            5  Europe/Madrid  active',
    ' 3  Bo            bo@example.com    operator             -           -         UTC            active, no password',
  ]);
});

it('updates people, switches their sign-in off and on, and resets passwords, signing them out', async () => {
  expect(
    await users(
      'update',
      '2',
      '--role',
      'admin',
      '--department',
      'none',
      '--capacity',
      'none',
      '--name',
      'Ana María',
    ),
  ).toBe('updated user 2 Ana María <ana@example.com>');
  expect(await test.store.users.getUser(2)).toMatchObject({
    roles: ['admin'],
    departmentId: null,
    capacity: null,
  });

  const now = new Date();
  const session = (id: string) => ({
    id,
    userId: 2,
    createdAt: now,
    seenAt: now,
    expiresAt: new Date(+now + HOUR),
  });
  await test.store.users.createSession(session('ana-1'));
  expect(await users('deactivate', '2')).toBe(
    'deactivated user 2 Ana María <ana@example.com>: signed out everywhere, and no sign-in until `users activate 2`',
  );
  expect(await test.store.users.activeSession('ana-1', now, HOUR)).toBeUndefined();
  expect(await test.store.users.getUser(2)).toMatchObject({ active: false });
  expect(await users('activate', '2')).toBe(
    'activated user 2 Ana María <ana@example.com>: they can sign in again',
  );
  expect(await users('activate', '3')).toBe(
    'activated user 3 Bo <bo@example.com>; they can sign in once they have a password (`users reset-password 3`)',
  );

  await test.store.users.createSession(session('ana-2'));
  const [reset, empty] = await Promise.all([
    cli(['users', 'reset-password', '2', '--password-stdin'], 'a whole new password\n'),
    cli(['users', 'reset-password', '3', '--password-stdin']),
  ]);
  expect(reset).toMatchObject({
    code: 0,
    stdout:
      'set a new password for user 2 Ana María <ana@example.com> and signed them out everywhere\n',
  });
  expectMistake(
    empty,
    '--password-stdin found nothing on standard input: pipe the password in, e.g. printf \'%s\\n\' "$PASSWORD" | …',
  );
  expect(await test.store.users.activeSession('ana-2', now, HOUR)).toBeUndefined();
  const credentials = await test.store.users.credentialsOf('ana@example.com');
  expect(await verifyPassword(credentials?.passwordHash ?? '', 'a whole new password')).toBe(true);
  expect(await verifyPassword(credentials?.passwordHash ?? '', PASSWORD)).toBe(false);
  expect(await test.store.users.getUser(3)).toMatchObject({ hasPassword: false });
});

it('answers every mistake about people with a sentence', async () => {
  const create = (...argv: string[]) =>
    refusal(users('create', '--name', 'X', '--email', 'x@example.com', ...argv));
  expect(await refusal(users('create', '--name', 'X', '--email', 'ANA@example.com'))).toBe(
    'there is already a user with the email ana@example.com',
  );
  expect(await create('--role', 'root')).toBe(
    'there is no role root (the roles are operator, supervisor, admin)',
  );
  expect(await create('--role', ',')).toBe('--role needs a role, e.g. --role operator');
  expect(await create('--time-zone', 'Mars/Olympus')).toBe(
    '--time-zone takes an IANA time zone such as Europe/Madrid (not Mars/Olympus)',
  );
  expect(await create('--capacity', 'lots')).toBe(
    '--capacity takes a whole number of open leads, or none for no limit (not lots)',
  );
  expect(await create('--language', 'not a tag')).toBe(
    '--language takes a language tag such as en, es or pt-BR (not not a tag)',
  );
  expect(await create('--department', '99')).toBe(
    'there is no department 99 (see `departments list`)',
  );
  expect(await create('--queue', '99')).toBe('there is no channel 99 (see `channels list`)');
  expect(await refusal(users('create', '--name', ' ', '--email', 'x@example.com'))).toBe(
    '--name needs a name, e.g. --name "Olga Petrova"',
  );
  expect(await refusal(users('update', '99', '--name', 'Nobody'))).toBe(
    'there is no user 99 (see `users list`)',
  );
  expect(await refusal(users('update', '2', '--email', 'BO@example.com'))).toBe(
    'there is already a user with the email bo@example.com',
  );
  expect(await refusal(users('update', '2'))).toBe(
    'users update needs something to change: --name, --email, --role, --department, --capacity, --time-zone or --language',
  );
  expect(await refusal(users('update', '2', '--queue', '1'))).toBe(
    'users update takes no --queue (it takes --name, --email, --role, --department, --capacity, --time-zone, --language)',
  );
  expect(await refusal(users('list', '--name', 'x'))).toBe('users list takes no --name');
  expect(await refusal(users('deactivate', 'ana'))).toBe(
    "users deactivate takes the user's id, a whole number (not ana)",
  );
  expect(await refusal(users('activate'))).toBe(
    "users activate needs the user's id (see `users list`)",
  );
  expect((await test.store.users.listUsers({})).map((user) => user.email)).toEqual([
    'olga@example.com',
    'ana@example.com',
    'bo@example.com',
  ]);

  // As a person sees them: the sentence, the usage, exit code 2; help without a database.
  const [typed, terminal, help] = await Promise.all([
    cli(['users', 'create', '--name', 'X', '--email', 'x@example.com', '--role', 'root']),
    cli(['users', 'reset-password', '2']),
    cli(['departments', '--help']),
  ]);
  expectMistake(typed, 'there is no role root (the roles are operator, supervisor, admin)');
  expect(typed.stderr).toContain('\n  users create --name NAME --email EMAIL [--role ROLE]…');
  expectMistake(
    terminal,
    'users reset-password asks for the password at a terminal; in a script, give it on standard input with --password-stdin',
  );
  expect(help).toMatchObject({ code: 0, stderr: '' });
  expect(help.stdout).toContain('  departments create --name NAME [--parent ID] [--head USER_ID]');
});
