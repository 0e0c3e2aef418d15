/**
 * `npm run leadwire -- import clients|leads FILE` as the real CLI process, without a terminal, against
 * the test's own store (SQLite, or PostgreSQL with TEST_DATABASE=postgres): what it says it used,
 * the counts, exit codes 0, 1 (rows refused, the error file written) and 2 (a mistake in what
 * was typed, answered with a sentence), --dry-run, --map, --mode and --resume.
 */
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.ts';
import { uniquePrefix } from '../helpers/redis.ts';
import { addUser, count } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const STACK_TRACE = /\bat .*\.[jt]s:\d+/;

let test: TestStore;
let env: Record<string, string>;
/** Copies of the fixtures (the CLI writes its error files beside them). */
let dir: string;

beforeAll(async () => {
  test = await openTestStore('cli-import');
  env = {
    DATA_DIR: test.dir,
    QUEUE_PREFIX: uniquePrefix('cli-import'),
    ...(test.config.database.kind === 'postgres' ? { DATABASE_URL: test.config.database.url } : {}),
  };
  dir = mkdtempSync(path.join(tmpdir(), 'leadwire-cli-import-'));
});
afterAll(async () => {
  await test.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fixture copied into the test's directory, under `name` when given. */
function copy(fixture: string, name = fixture): string {
  const to = path.join(dir, name);
  copyFileSync(new URL(`../fixtures/csv/${fixture}`, import.meta.url), to);
  return to;
}

const importClients = (...args: string[]) => runCli(env, ['import', 'clients', ...args]);
const clients = () => count(test, sql`SELECT count(*) AS n FROM clients`);

/** A usage error: exit code 2, the sentence first, then the command's usage; no stack trace. */
function expectMistake(run: { code: number | null; stderr: string }, sentence: string | RegExp) {
  const first = run.stderr.split('\n')[0] ?? '';
  if (typeof sentence === 'string') expect(first).toBe(sentence);
  else expect(first).toMatch(sentence);
  expect(run.stderr).toMatch(/\n\nusage: npm run leadwire -- import/);
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.code).toBe(2);
}

it('imports the Bitrix24 export, says what it used and exits 0', async () => {
  await addUser(test, { name: 'Смирнова Анна', email: 'anna@cli.test' });
  await addUser(test, { name: 'Иванов Пётр', email: 'petr@cli.test' });
  const file = copy('bitrix24-contacts-1251.csv');
  const dry = await importClients(file, '--country', 'RU', '--dry-run');
  expect(dry.stderr).not.toMatch(STACK_TRACE);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain('dry run: nothing was written');
  expect(dry.stdout).toContain(
    '4 records read, would be created 4, would be updated 0, skipped as duplicates 0, refused 0',
  );
  expect(dry.stdout).toContain('line 2: Иван Иванович Петров, ООО "Ромашка" +7 (495) 123-45-67');
  expect(await clients()).toBe(0);

  const run = await importClients(file, '--country', 'ru');
  expect(run.stderr).toContain(`file: ${file} (windows-1251, delimiter ";")`);
  expect(run.stderr).toContain(
    'mapping: ID → (skipped), Обращение → (skipped), Имя → first_name, Отчество → middle_name, Фамилия → last_name',
  );
  expect(run.stderr).toContain('duplicates: merge, phones read as RU numbers');
  expect(run.stdout.trim()).toBe(
    '4 records read, created 4, updated 0, skipped as duplicates 0, refused 0',
  );
  expect(run.code).toBe(0);
  expect(existsSync(file.replace(/\.csv$/, '.errors.csv'))).toBe(false);
  const names = await test.look.all<{ name: string | null; company: string | null }>(
    sql`SELECT name, company FROM clients ORDER BY id`,
  );
  expect(names).toEqual([
    { name: 'Иван Иванович Петров', company: 'ООО "Ромашка"' },
    { name: 'Ольга Сергеевна Ёлкина', company: 'ООО "Ромашка"' },
    { name: 'Алексей Кузнецов', company: null },
    { name: null, company: 'ИП Сидоров' },
  ]);

  // The same file again: every row is someone already known, with nothing new.
  const again = await importClients(file, '--country', 'RU', '--mode', 'skip');
  expect(again.stderr).toContain('duplicates: skip');
  expect(again.stdout.trim()).toBe(
    '4 records read, created 0, updated 0, skipped as duplicates 4, refused 0',
  );
  expect(again.code).toBe(0);
  expect(await clients()).toBe(4);
});

it('writes refused rows to FILE.errors.csv and exits 1', async () => {
  const file = copy('clients-refused-semicolon.csv');
  const before = await clients();
  const run = await importClients(file, '--country', 'ES');
  const errorsPath = path.join(dir, 'clients-refused-semicolon.errors.csv');
  expect(run.stdout).toContain(
    '8 records read, created 5, updated 0, skipped as duplicates 0, refused 3',
  );
  expect(run.stdout).toContain(`refused rows with their reasons: ${errorsPath}`);
  expect(run.stderr).toContain(`3 rows were refused: see ${errorsPath}`);
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.code).toBe(1);
  expect(await clients()).toBe(before + 5);
  // UTF-8 with a BOM, the file's own delimiter, the lines past the quoted newlines, a formula
  // guarded by an apostrophe.
  expect(readFileSync(errorsPath, 'utf8')).toBe(
    '\ufeffline;reason;Nombre;Teléfono;Email;Notas\r\n' +
      '4;"Teléfono: ""+34 12"" is not a valid phone number";Teléfono Corto;\'+34 12;corto@example.com;x\r\n' +
      '9;the row has no name, company, email, phone or Telegram;;;;Solo una nota\r\n' +
      `11;"Email: ""ana(at)example.com"" is not an email address";Correo Roto;;ana(at)example.com;"'=HYPERLINK(""x"")"\r\n`,
  );
});

it('reads --map over the suggestion', async () => {
  const file = copy('hubspot-contacts.csv');
  const emails = () =>
    count(
      test,
      sql`SELECT count(*) AS n FROM identities WHERE key LIKE 'email:%' AND client_id IS NOT NULL`,
    );
  const before = { clients: await clients(), emails: await emails() };
  // The owner (sam@ourteam.com) is no user here: without the column the rows come in.
  const run = await importClients(file, '--map', '9=skip, email=skip');
  expect(run.stderr).toContain(
    'mapping: Record ID → (skipped), First Name → first_name, Last Name → last_name, Email → (skipped), Phone Number → phone, Mobile Phone Number → phone, Company Name → company, Job Title → (skipped), Contact owner → (skipped)',
  );
  expect(run.stderr).toContain('duplicates: merge\n');
  expect(run.stdout.trim()).toBe(
    '4 records read, created 4, updated 0, skipped as duplicates 0, refused 0',
  );
  expect(run.code).toBe(0);
  expect(await clients()).toBe(before.clients + 4);
  expect(await emails()).toBe(before.emails);
});

it('--mode skip leaves known people alone; --errors puts the refused rows where it says', async () => {
  const file = copy('clients-refused-semicolon.csv', 'again.csv');
  const errors = path.join(dir, 'refused-again.csv');
  const before = await clients();
  const run = await importClients(file, '--country', 'ES', '--mode', 'skip', '--errors', errors);
  expect(run.stdout).toContain(
    '8 records read, created 0, updated 0, skipped as duplicates 5, refused 3',
  );
  expect(run.code).toBe(1);
  expect(await clients()).toBe(before);
  expect(existsSync(path.join(dir, 'again.errors.csv'))).toBe(false);
  expect(
    readFileSync(errors, 'utf8')
      .split('\r\n')
      .map((line) => line.split(';')[0]),
  ).toEqual(['\ufeffline', '4', '9', '11', '']);
});

it('imports leads: a dry run, then each row as a message from that person, refused rows exit 1', async () => {
  const file = path.join(dir, 'leads.csv');
  writeFileSync(
    file,
    [
      'Name,Email,Title,Comment',
      'Lead One,one@cli-leads.test,Quote,first',
      'Lead One,one@cli-leads.test,Quote,second',
      'No Contact,,Nothing,',
      '',
    ].join('\r\n'),
  );
  const leads = () => count(test, sql`SELECT count(*) AS n FROM leads`);
  const before = await leads();
  const dry = await runCli(env, ['import', 'leads', file, '--dry-run']);
  expect(dry.stderr).not.toMatch(STACK_TRACE);
  expect(dry.stdout).toContain(
    '3 records read, would be created 1, would be updated 1, skipped as duplicates 0, refused 1',
  );
  expect(dry.code).toBe(1);
  expect(await leads()).toBe(before);

  const run = await runCli(env, ['import', 'leads', file]);
  expect(run.stderr).toContain(
    'mapping: Name → name, Email → email, Title → title, Comment → comment',
  );
  expect(run.stdout).toContain(
    '3 records read, created 1, updated 1, skipped as duplicates 0, refused 1',
  );
  expect(run.code).toBe(1);
  expect(await leads()).toBe(before + 1);
  const [lead] = await test.look.all<{ title: string; source: string; messages: number }>(
    sql`SELECT l.title, l.source, (SELECT count(*) FROM messages m WHERE m.lead_id = l.id) AS messages
        FROM leads l ORDER BY l.id DESC LIMIT 1`,
  );
  expect({ ...lead, messages: Number(lead?.messages) }).toEqual({
    title: 'Quote',
    source: 'IMPORT',
    messages: 2,
  });
  const refused = readFileSync(file.replace(/\.csv$/, '.errors.csv'), 'utf8').split('\r\n');
  expect(refused[1]).toMatch(/^4,"?no reachable identity/);
});

it('answers mistakes with a sentence and exit code 2', async () => {
  const file = copy('clients-duplicates.csv');
  const empty = path.join(dir, 'empty.csv');
  writeFileSync(empty, '');
  const missing = path.join(dir, 'missing.csv');
  // Seven process starts at once: each costs a couple of seconds.
  const [mode, country, absent, entity, map, resume, nothing] = await Promise.all([
    importClients(file, '--mode', 'replace'),
    importClients(file, '--country', 'Spain'),
    importClients(missing),
    runCli(env, ['import', 'deals', file]),
    importClients(file, '--map', 'Telefono=phone'),
    importClients(file, '--resume'),
    importClients(empty),
  ]);
  expectMistake(mode!, '--mode must be one of skip, merge, create (you typed "replace")');
  expectMistake(country!, '--country must be a two-letter country code such as ES or RU ("Spain")');
  expectMistake(absent!, `there is no file ${missing}`);
  expectMistake(
    entity!,
    'import takes clients or leads, not "deals": import clients FILE.csv, import leads FILE.csv',
  );
  expectMistake(
    map!,
    '--map: there is no column "Telefono"; the columns are: Name, Company, Phone, Email',
  );
  expectMistake(resume!, `no unfinished import of ${file} to resume: run it without --resume`);
  expectMistake(
    nothing!,
    `${empty} cannot be imported: the file is empty: there is no header line`,
  );
  expect(await count(test, sql`SELECT count(*) AS n FROM clients WHERE name LIKE '%Ivanov%'`)).toBe(
    0,
  );
});

it('stops on Ctrl-C after a batch (exit 130) and --resume brings in the rest once', async () => {
  const rows = 40_000;
  const lines = ['Name;Email;Phone'];
  for (let i = 1; i <= rows; i++) {
    const phone = i % 10_000 === 5 ? '+34 12' : `+34 7${String(i).padStart(8, '0')}`;
    lines.push(`Bulk ${i};bulk${i}@cli.test;${phone}`);
  }
  const file = path.join(dir, 'bulk.csv');
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  const errorsPath = path.join(dir, 'bulk.errors.csv');
  const before = await clients();

  const first = spawnCli(env, ['import', 'clients', file]);
  // Ctrl-C once the first batch is in.
  for (;;) {
    const run = await test.look.get<{ position: number }>(
      sql`SELECT position FROM imports WHERE file_name = 'bulk.csv'`,
    );
    if ((run?.position ?? 0) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  first.child.kill('SIGINT');
  expect(await first.exited).toBe(130);
  expect(first.output.stderr).toContain('stopping after the current batch');
  expect(first.output.stderr).not.toMatch(STACK_TRACE);
  const stopped = await test.look.get<{ id: number; status: string; position: number }>(
    sql`SELECT id, status, position FROM imports WHERE file_name = 'bulk.csv'`,
  );
  expect(stopped?.status).toBe('interrupted');
  expect(stopped!.position % 1000).toBe(0);
  expect(stopped!.position).toBeLessThan(rows);
  expect(first.output.stdout).toContain(
    `stopped after ${stopped!.position} records: run the same command with --resume to go on`,
  );

  // A resumed run keeps what it started with.
  const second = await importClients(file, '--resume', '--mode', 'skip');
  expectMistake(second, '--resume goes on with the mapping, mode and country it started with');

  const resumed = await importClients(file, '--resume');
  expect(resumed.stderr).not.toMatch(STACK_TRACE);
  expect(resumed.stdout).toContain(
    `${rows} records read, created ${rows - 4}, updated 0, skipped as duplicates 0, refused 4`,
  );
  expect(resumed.code).toBe(1);
  expect(await clients()).toBe(before + rows - 4);
  expect(
    await count(
      test,
      sql`SELECT count(DISTINCT client_id) AS n FROM identities WHERE key LIKE 'email:bulk%'`,
    ),
  ).toBe(rows - 4);
  expect(
    await count(test, sql`SELECT count(*) AS n FROM identities WHERE key LIKE 'email:bulk%'`),
  ).toBe(rows - 4);
  const done = await test.look.get<{ status: string; position: number }>(
    sql`SELECT status, position FROM imports WHERE id = ${stopped!.id}`,
  );
  expect(done).toEqual({ status: 'done', position: rows });
  // One header, every refused row once, whichever run refused it.
  expect(
    readFileSync(errorsPath, 'utf8')
      .split('\r\n')
      .map((line) => line.split(';')[0]),
  ).toEqual(['\ufeffline', '6', '10006', '20006', '30006', '']);
});
