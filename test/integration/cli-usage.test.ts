/**
 * `npm run leadwire -- …` as a new user types it: help, and a sentence with exit code 2 for every
 * kind of mistake (never a stack trace); the settings from a .env file.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { uniquePrefix } from '../helpers/redis.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const STACK_TRACE = /\bat .*\.[jt]s:\d+/;

let test: TestStore;
/** The CLI's environment for the test's own store. */
let env: Record<string, string>;

beforeAll(async () => {
  test = await openTestStore('cli-usage');
  env = {
    DATA_DIR: test.dir,
    QUEUE_PREFIX: uniquePrefix('cli-usage'),
    ...(test.config.database.kind === 'postgres' ? { DATABASE_URL: test.config.database.url } : {}),
  };
});
afterAll(() => test.close());

/** A usage error: exit code 2, the sentence first, then what to type; no stack trace. */
function expectUsageError(run: { code: number | null; stderr: string }, sentence: string) {
  expect(run.stderr.split('\n')[0]).toBe(sentence);
  expect(run.stderr).toMatch(/\n\nusage: npm run leadwire -- /);
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.code).toBe(2);
}

it('prints help for every command without opening the database', async () => {
  const nowhere = { DATA_DIR: path.join(test.dir, 'never-created') };
  const [all, asked, flag] = await Promise.all([
    runCli(nowhere, ['--help']),
    runCli(nowhere, ['help', 'inbox']),
    runCli(nowhere, ['queues', 'retry', '--help']),
  ]);
  expect(all).toMatchObject({ code: 0, stderr: '' });
  expect(all.stdout).toMatch(/^usage: npm run leadwire -- <command> \[options\]\n/);
  for (const command of ['api-keys', 'users', 'forms', 'callbacks', 'channels', 'email'])
    expect(all.stdout).toContain(`\n  ${command} `);
  for (const command of [
    'queues failed',
    'queues retry',
    'inbox replay',
    'inbox replays',
    'db copy',
  ])
    expect(all.stdout).toContain(`  ${command}`);
  expect(asked).toMatchObject({ code: 0, stderr: '' });
  expect(asked.stdout).toMatch(/^usage: npm run leadwire -- inbox …\n {2}inbox replay \[--id/);
  expect(asked.stdout).not.toContain('queues');
  expect(flag).toMatchObject({ code: 0, stderr: '' });
  expect(flag.stdout).toContain('  queues retry JOB_ID | queues retry --all');
  expect(existsSync(nowhere.DATA_DIR)).toBe(false);
});

it('answers an unknown command or option, a missing value and a bad value with a sentence', async () => {
  const nowhere = { DATA_DIR: path.join(test.dir, 'never-created') };
  const [none, unknown, mistyped, noValue, flagValue, first, helpOfNothing] = await Promise.all([
    runCli(nowhere, []),
    runCli(nowhere, ['chanels', 'list']),
    runCli(nowhere, ['api-keys', 'create', '--nmae', 'CRM']),
    runCli(nowhere, ['queues', 'failed', '--limit']),
    runCli(nowhere, ['db', 'copy', '--no-blobs=yes']),
    runCli(nowhere, ['--role', 'admin', 'api-keys', 'create']),
    runCli(nowhere, ['help', 'replay']),
  ]);
  expectUsageError(none, 'no command given: say what to do, e.g. `api-keys list`');
  expectUsageError(
    unknown,
    'unknown command: chanels (did you mean channels?); the commands are below',
  );
  expectUsageError(mistyped, 'api-keys create: unknown option --nmae (did you mean --name?)');
  expect(mistyped.stderr).toContain(
    '\n  api-keys create --name NAME [--role admin|operator|intake]',
  );
  expectUsageError(noValue, 'queues failed: --limit needs a value');
  expectUsageError(flagValue, 'db copy: --no-blobs takes no value');
  expectUsageError(first, 'put the command first: npm run leadwire -- <command> [options]');
  expectUsageError(helpOfNothing, 'unknown command: replay; the commands are below');
  expect(existsSync(nowhere.DATA_DIR)).toBe(false);

  const [badRole, badEmail, badId, noId, unknownSub] = await Promise.all([
    runCli(env, ['api-keys', 'create', '--name', 'CRM', '--role', 'root']),
    runCli(env, ['users', 'create', '--name', 'Olga', '--email', 'olga']),
    runCli(env, ['forms', 'show', '99999999999']),
    runCli(env, ['channels', 'test']),
    runCli(env, ['users', 'delete']),
  ]);
  expectUsageError(badRole, '--role must be one of admin, operator, intake');
  expectUsageError(badEmail, '--email takes an email address, e.g. olga@example.com (not olga)');
  expectUsageError(badId, 'there is no webform 99999999999 (see `forms list`)');
  expectUsageError(noId, 'channels test needs a channel id: channels test ID');
  expectUsageError(unknownSub, 'unknown command: users delete');
});

it('says which file could not be read and why', async () => {
  const notJson = path.join(test.dir, 'form.json');
  writeFileSync(notJson, '{"slug": "contact",');
  const list = path.join(test.dir, 'list.json');
  writeFileSync(list, '[]');
  const folder = path.join(test.dir, 'folder.json');
  mkdirSync(folder);
  const missing = path.join(test.dir, 'missing.json');
  const runs = await Promise.all([
    runCli(env, ['forms', 'create']),
    runCli(env, ['forms', 'create', '--file', missing]),
    runCli(env, ['callbacks', 'update', '1', '--file', notJson]),
    runCli(env, ['channels', 'create', '--file', folder]),
    runCli(env, ['channels', 'create', '--file', list]),
  ]);
  expectUsageError(runs[0]!, 'forms create needs --file FILE.json (or --file - to read stdin)');
  expectUsageError(runs[1]!, `cannot read ${missing}: there is no such file`);
  // The widget is looked up first: there is none yet.
  expectUsageError(runs[2]!, 'there is no callback 1 (see `callbacks list`)');
  expectUsageError(runs[3]!, `cannot read ${folder}: it is a directory`);
  expectUsageError(runs[4]!, `${list} must hold one JSON object ({ … }), the body the API takes`);
  const invalid = await runCli(env, ['forms', 'create', '--file', notJson]);
  expect(invalid.stderr).toMatch(new RegExp(`^${notJson} is not valid JSON: `));
  expect(invalid.code).toBe(2);
  const taken = await runCli(env, [
    'users',
    'create',
    '--name',
    'Olga',
    '--email',
    'olga@example.com',
  ]);
  expect(taken).toMatchObject({ code: 0, stdout: 'created user 1 Olga <olga@example.com>\n' });
  expectUsageError(
    await runCli(env, ['users', 'create', '--name', 'Olga', '--email', 'Olga@Example.com']),
    'there is already a user with the email olga@example.com',
  );
});

it('reads its settings from ENV_FILE (or .env), the real environment winning', async () => {
  const fromFile = path.join(test.dir, 'from-file');
  const fromEnv = path.join(test.dir, 'from-env');
  const file = path.join(test.dir, 'leadwire.env');
  writeFileSync(file, `# shared with npm start\nDATA_DIR=${fromFile}\nLOG_LEVEL=warn\n`);
  const created = await runCli({ ENV_FILE: file }, ['api-keys', 'create', '--name', 'from file']);
  expect(created.stdout).toMatch(/^created API key 1 "from file" \(operator\)/);
  expect(existsSync(path.join(fromFile, 'leadwire.db'))).toBe(true);
  const real = await runCli({ ENV_FILE: file, DATA_DIR: fromEnv }, ['api-keys', 'list']);
  expect(real).toMatchObject({ code: 0, stdout: 'no API keys yet\n' });

  const broken = path.join(test.dir, 'broken.env');
  writeFileSync(broken, 'DATA_DIR=/tmp\nsecret words\n');
  const refused = await runCli({ ENV_FILE: broken }, ['api-keys', 'list']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toBe(
    `Leadwire cannot start, the configuration has 1 problem(s):\n  - ${broken}: line 2 is not NAME=value (a name is letters, digits and _)\n`,
  );
});
