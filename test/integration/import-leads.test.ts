/**
 * The lead CSV import on the test's store (SQLite, or PostgreSQL with TEST_DATABASE=postgres):
 * every row decided by the ingest's table as a message from that person would be (a repeat lead
 * for a client, one more message on an open lead, a new simple lead), the three duplicate modes,
 * refused rows with their reasons, a dry run that counts what the run does, and a run stopped,
 * or killed between its ingest and its bookkeeping, then resumed with every row once.
 */
import { createReadStream } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import { normaliseEmail, normalisePhone } from '../../core/identities.ts';
import type { DuplicateMode } from '../../core/import-plan.ts';
import { suggestMapping } from '../../core/import/mapping.ts';
import { openCsv, type CsvFile } from '../../core/import/read-csv.ts';
import type { ImportRun, Store } from '../../core/repositories/index.ts';
import type { ImportHooks } from '../../core/runtime/csv-import.ts';
import { importCsv, type CsvImportRepos } from '../../connectors/csv-import.ts';
import { CHANNELS } from '../../connectors/registry.ts';
import { ingestInbox } from '../../workers/ingest/handler.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { addUser, count, intakeNow } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const clock = fixedClock('2026-12-07T10:00:00.000Z');
const all = { kind: 'all' } as const;

const fixture = (name: string) =>
  createReadStream(new URL(`../fixtures/csv/${name}`, import.meta.url));

async function* bytesOf(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

interface Refusal {
  line: number;
  reason: string;
}

async function startRun(store: Store, file: CsvFile, mode: DuplicateMode, fingerprint: string) {
  return store.imports.start({
    entity: 'lead',
    fileName: 'leads.csv',
    fingerprint,
    options: { mapping: suggestMapping(file.headers, 'lead', []), mode },
    userId: null,
    at: clock.now(),
  });
}

/** Imports `file` as leads into a new run (or `run`), with the suggested mapping. */
async function importLeads(
  repos: CsvImportRepos,
  file: CsvFile,
  options: {
    mode?: DuplicateMode;
    country?: string;
    run?: ImportRun;
    dryRun?: boolean;
    hooks?: ImportHooks;
  } = {},
) {
  const mode = options.mode ?? 'merge';
  const mapping = suggestMapping(file.headers, 'lead', await repos.customFields.list('lead'));
  const refusals: Refusal[] = [];
  const target = options.dryRun
    ? ({ dryRun: true } as const)
    : {
        run: options.run ?? (await startRun(repos as Store, file, mode, `leads:${Math.random()}`)),
      };
  const report = await importCsv(
    file,
    { entity: 'lead', mapping, mode, defaultCountry: options.country },
    repos,
    target,
    {
      clock,
      fileName: 'leads.csv',
      refused: (line, reason) => void refusals.push({ line, reason }),
      ...options.hooks,
    },
  );
  return { ...report, refusals };
}

const intake = (store: Store, externalId: string, body: Record<string, string>) =>
  intakeNow(store, externalId, body, clock);

async function leadOf(store: Store, id: number) {
  const lead = await store.leads.get(id, all);
  if (!lead) throw new Error(`lead ${id} is missing`);
  return lead;
}

/** Leads made by an import run (their first message came from it), oldest first. */
async function importedLeads(test: TestStore, run: number) {
  const rows = await test.look.all<{ id: number }>(
    sql`SELECT DISTINCT m.lead_id AS id FROM messages m
        WHERE m.external_id LIKE ${`import:${run}:%`} ORDER BY m.lead_id`,
  );
  return rows.map((row) => Number(row.id));
}

/** `rows` generated leads: `Lead N`, `leadN@bulk.test`. */
function generatedCsv(rows: number, domain: string): string {
  const lines = ['Name,Email,Title'];
  for (let i = 1; i <= rows; i++) lines.push(`Lead ${i},lead${i}@${domain},Request ${i}`);
  return `${lines.join('\r\n')}\r\n`;
}

describe(`the lead CSV import on the ${TEST_STORE} store`, () => {
  let test: TestStore;
  let store: Store;

  beforeAll(async () => {
    test = await openTestStore('import-leads');
    store = test.store;
  });
  afterAll(() => test.close());

  it('decides each row of a Bitrix24 export as the ingest would, and refuses what cannot be a lead', async () => {
    const anna = await addUser(test, { name: 'Смирнова Анна', email: 'anna@leads.test' });
    await store.customFields.create({
      entity: 'lead',
      key: 'created',
      label: 'Дата создания',
      type: 'string',
      required: false,
      options: [],
    });
    const phone = normalisePhone('+7 495 123-45-67');
    if (!phone.ok) throw new Error('phone');
    const ivan = await store.clients.create({
      name: 'Иван Петров',
      identities: [phone.identity],
    });
    // Gleb already wrote: his open lead takes the row.
    const glebsLead = await intake(store, 'gleb-1', { email: 'gleb@pishet.ru', name: 'Глеб' });

    const file = await openCsv(fixture('bitrix24-leads-1251.csv'));
    expect([file.encoding, file.delimiter]).toEqual(['windows-1251', ';']);
    const report = await importLeads(store, file, { country: 'RU' });
    expect(report.refusals).toEqual([
      {
        line: 6,
        reason:
          'no reachable identity: the lead could never be answered: email: give at least one of email, phone or telegram to answer the customer on',
      },
      { line: 7, reason: expect.stringMatching(/^Мобильный телефон: "8 800 ABC" is /) },
      {
        line: 8,
        reason: expect.stringMatching(/^responsible: no active user .*"Неизвестный Сотрудник"/),
      },
    ]);
    expect(report.counts).toEqual({ created: 2, updated: 2, skipped: 0, refused: 3 });
    expect(report.run).toMatchObject({ status: 'done', position: 7, counts: report.counts });

    const made = await importedLeads(test, report.run!.id);
    const [maria, repeat] = made.filter((id) => id !== glebsLead);
    const mariaLead = await leadOf(store, maria!);
    expect(mariaLead).toMatchObject({
      type: 'simple',
      source: 'IMPORT',
      channelId: 1,
      title: 'Заявка с сайта',
      name: 'Мария Соколова',
      responsibleId: anna.id,
      custom: { created: '01.12.2026 10:15:00' },
    });
    expect(mariaLead.identities.map((i) => i.key).sort()).toEqual([
      'email:maria.sokolova@mail.ru',
      'phone:+79211112233',
    ]);
    // Her second row (by email alone) is one more message on the same lead.
    expect(mariaLead.messages.map((m) => m.text)).toEqual([
      'Хочет тариф "Бизнес".\r\nПерезвонить утром',
      'Где мой заказ?',
    ]);
    expect(mariaLead.messages[0]?.meta).toMatchObject({
      import: { run: report.run!.id, line: 2, file: 'leads.csv' },
    });
    // Ivan is a client: a repeat lead of his.
    expect(await leadOf(store, repeat!)).toMatchObject({
      type: 'repeat',
      clientId: ivan.id,
      company: 'ООО "Ромашка"',
      title: 'Повторный заказ',
    });
    const gleb = await leadOf(store, glebsLead);
    expect(gleb.messages.map((m) => m.text)).toEqual(['hello', 'Продлить подписку']);

    // The rows are in the intake's inbox, decided; the refused ones are not.
    const inbox = await test.look.all<{ outcome: string }>(
      sql`SELECT outcome FROM inbox WHERE external_id LIKE ${`import:${report.run!.id}:%`}
          ORDER BY id`,
    );
    expect(inbox.map((row) => row.outcome)).toEqual([
      'created_simple',
      'created_repeat',
      'appended',
      'appended',
    ]);
  });

  it('skip leaves a row for an open lead out, create opens another lead linked to it', async () => {
    const open = await intake(store, 'modes-1', { email: 'modes@leads.test', name: 'Modes' });
    const text =
      'Name,Email,Comment\r\nModes,modes@leads.test,again\r\nFresh,fresh@leads.test,new\r\n';

    const skipped = await importLeads(store, await openCsv(bytesOf(text)), { mode: 'skip' });
    expect(skipped.counts).toEqual({ created: 1, updated: 0, skipped: 1, refused: 0 });
    const [left] = await test.look.all<{ status: string; outcome: string; lead_id: number }>(
      sql`SELECT status, outcome, lead_id FROM inbox
          WHERE external_id = ${`import:${skipped.run!.id}:2`}`,
    );
    expect({ ...left, lead_id: Number(left?.lead_id) }).toEqual({
      status: 'done',
      outcome: 'duplicate',
      lead_id: open,
    });
    expect((await leadOf(store, open)).messages).toHaveLength(1);

    const created = await importLeads(store, await openCsv(bytesOf(text)), { mode: 'create' });
    // Fresh has an open lead now too (from the skip run): both rows open another lead.
    expect(created.counts).toEqual({ created: 2, updated: 0, skipped: 0, refused: 0 });
    const [another] = await importedLeads(test, created.run!.id);
    expect(await leadOf(store, another!)).toMatchObject({
      type: 'simple',
      duplicateOfLeadId: open,
    });
    expect((await leadOf(store, open)).messages).toHaveLength(1);
  });

  it('counts in a dry run what the run then does, writing nothing', async () => {
    await intake(store, 'dry-1', { email: 'dry-open@leads.test' });
    const email = normaliseEmail('dry-client@leads.test');
    if (!email.ok) throw new Error('email');
    await store.clients.create({ name: 'Dry Client', identities: [email.identity] });
    // A new person twice (created, then appended), a client, a person with an open lead, and a
    // new person whose second row brings a phone the third row alone has.
    const text = [
      'Name,Email,Phone',
      'New One,dry-new@leads.test,',
      'New One,dry-new@leads.test,',
      'Client,dry-client@leads.test,',
      'Open,dry-open@leads.test,',
      'Two,dry-two@leads.test,',
      'Two,dry-two@leads.test,+34 600 777 888',
      'Two by phone,,+34600777888',
      'Nobody,,',
    ].join('\r\n');
    const leadsBefore = await count(test, sql`SELECT count(*) AS n FROM leads`);
    const inboxBefore = await count(test, sql`SELECT count(*) AS n FROM inbox`);
    const dry = await importLeads(store, await openCsv(bytesOf(text)), {
      dryRun: true,
      country: 'ES',
    });
    expect(dry.counts).toEqual({ created: 3, updated: 4, skipped: 0, refused: 1 });
    expect(dry.run).toBeUndefined();
    expect(await count(test, sql`SELECT count(*) AS n FROM leads`)).toBe(leadsBefore);
    expect(await count(test, sql`SELECT count(*) AS n FROM inbox`)).toBe(inboxBefore);

    const real = await importLeads(store, await openCsv(bytesOf(text)), { country: 'ES' });
    expect(real.counts).toEqual(dry.counts);
    expect(await count(test, sql`SELECT count(*) AS n FROM leads`)).toBe(leadsBefore + 3);
  });

  it('stops after the batch in hand and resumes from its position, every row once', async () => {
    const batch = store.imports.leadBatchSize;
    const rows = batch * 2 + 37;
    const text = generatedCsv(rows, 'resume.test');
    const first = await openCsv(bytesOf(text));
    const run = await startRun(store, first, 'merge', 'resume-fingerprint');
    const controller = new AbortController();
    const stopped = await importLeads(store, first, {
      run,
      hooks: { signal: controller.signal, progress: () => controller.abort() },
    });
    expect(stopped.interrupted).toBe(true);
    expect(stopped.run).toMatchObject({ status: 'interrupted', position: batch });

    const resumable = await store.imports.resumable('lead', 'resume-fingerprint');
    expect(resumable?.id).toBe(run.id);
    const again = await openCsv(bytesOf(text), { skipRecords: resumable!.position });
    const resumed = await importLeads(store, again, { run: resumable! });
    expect(resumed.counts).toEqual({ created: rows, updated: 0, skipped: 0, refused: 0 });
    expect(resumed.run).toMatchObject({ status: 'done', position: rows });
    expect(await importedLeads(test, run.id)).toHaveLength(rows);
  });

  it('killed between a batch’s leads and its bookkeeping, the resumed run counts that batch once', async () => {
    const batch = store.imports.leadBatchSize;
    const rows = batch + 10;
    const text = generatedCsv(rows, 'crash.test');
    const first = await openCsv(bytesOf(text));
    const run = await startRun(store, first, 'merge', 'crash-fingerprint');
    // The process dies after the ingest committed the first batch, before the run moved on.
    const dying = Object.assign(Object.create(store) as Store, {
      imports: Object.assign(Object.create(store.imports) as Store['imports'], {
        advance: () => Promise.reject(new Error('killed')),
      }),
    });
    await expect(importLeads(dying, first, { run })).rejects.toThrow('killed');
    expect(await importedLeads(test, run.id)).toHaveLength(batch);

    const resumable = await store.imports.resumable('lead', 'crash-fingerprint');
    expect(resumable).toMatchObject({ id: run.id, position: 0 });
    const again = await openCsv(bytesOf(text), { skipRecords: resumable!.position });
    const resumed = await importLeads(store, again, { run: resumable! });
    expect(resumed.counts).toEqual({ created: rows, updated: 0, skipped: 0, refused: 0 });
    expect(await importedLeads(test, run.id)).toHaveLength(rows);
    expect(
      await count(
        test,
        sql`SELECT count(*) AS n FROM inbox WHERE external_id LIKE ${`import:${run.id}:%`}`,
      ),
    ).toBe(rows);
  });

  it('a row the worker takes over (the import died before committing it) keeps its custom values', async () => {
    await store.customFields.create({
      entity: 'lead',
      key: 'budget',
      label: 'Budget',
      type: 'number',
      required: false,
      options: [],
    });
    const text = 'Name,Email,Budget\r\nWorker Taken,taken@leads.test,1 500\r\n';
    const file = await openCsv(bytesOf(text));
    const run = await startRun(store, file, 'merge', 'taken-fingerprint');
    const dying = Object.assign(Object.create(store) as Store, {
      ingest: Object.assign(Object.create(store.ingest) as Store['ingest'], {
        commit: () => Promise.reject(new Error('killed')),
      }),
    });
    await expect(importLeads(dying, file, { run })).rejects.toThrow('killed');
    const [pending] = await test.look.all<{ id: number; status: string }>(
      sql`SELECT id, status FROM inbox WHERE external_id = ${`import:${run.id}:2`}`,
    );
    expect(pending?.status).toBe('pending');
    // What the reconciler hands a worker: the same row, decided the same way.
    const outcome = await ingestInbox(
      { channels: CHANNELS, repos: store, clock, defaultCountry: 'RU' },
      Number(pending!.id),
    );
    expect(outcome.outcome).toBe('created_simple');
    expect(await leadOf(store, outcome.leadId!)).toMatchObject({
      source: 'IMPORT',
      name: 'Worker Taken',
      custom: { budget: 1500 },
    });
  });

  it('refuses to move a run that another runner moved on', async () => {
    const file = await openCsv(bytesOf('Name,Email\r\nA,a@moved.test\r\n'));
    const run = await startRun(store, file, 'merge', 'moved-fingerprint');
    const move = (from: number) =>
      store.imports.advance(
        run.id,
        { created: 1, updated: 0, skipped: 0 },
        { from, records: 1, refused: 0, at: clock.now() },
      );
    await expect(move(0)).resolves.toMatchObject({ position: 1 });
    await expect(move(0)).rejects.toThrow(/was moved on by another run of it/);
    expect((await store.imports.get(run.id))?.counts.created).toBe(1);
  });
});
