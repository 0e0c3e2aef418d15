/**
 * The client CSV import, engine and store together, on the test's store (SQLite, or PostgreSQL
 * with TEST_DATABASE=postgres): real exports read into clients that a later message finds, the
 * three duplicate modes with exact counts, refused rows with their lines, an import stopped after
 * a batch and resumed, and a file of 100,000 rows.
 */
import { createReadStream } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import { normalisePhone } from '../../core/identities.ts';
import type { DuplicateMode } from '../../core/import-plan.ts';
import { suggestMapping, type ImportTarget } from '../../core/import/mapping.ts';
import { openCsv, type CsvFile } from '../../core/import/read-csv.ts';
import type { ImportRun, Store } from '../../core/repositories/index.ts';
import type { ImportHooks, ImportReport } from '../../core/runtime/csv-import.ts';
import { importCsv } from '../../connectors/csv-import.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { addUser, count, intakeNow } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const clock = fixedClock('2026-06-01T10:00:00.000Z');
const all = { kind: 'all' } as const;

const fixture = (name: string) =>
  createReadStream(new URL(`../fixtures/csv/${name}`, import.meta.url));

/** Text as a file's bytes, in pieces as a read stream gives them. */
async function* bytesOf(text: string, piece = 64 * 1024): AsyncGenerator<Uint8Array> {
  const buffer = Buffer.from(text);
  for (let at = 0; at < buffer.length; at += piece) yield buffer.subarray(at, at + piece);
}

interface Refusal {
  line: number;
  reason: string;
  values: string[];
}

/** A stored run of `file` (suggested mapping unless given), its report and its refusals. */
async function importInto(
  store: Store,
  file: CsvFile,
  options: {
    mode?: DuplicateMode;
    country?: string;
    mapping?: ImportTarget[];
    run?: ImportRun;
    hooks?: ImportHooks;
  } = {},
): Promise<ImportReport & { refusals: Refusal[]; run: ImportRun }> {
  const mapping = options.mapping ?? suggestMapping(file.headers, 'client', []);
  const mode = options.mode ?? 'merge';
  const run =
    options.run ??
    (await store.imports.start({
      entity: 'client',
      fileName: 'test.csv',
      fingerprint: `test:${Math.random()}`,
      options: { mapping, mode },
      userId: null,
      at: new Date(),
    }));
  const refusals: Refusal[] = [];
  const report = await importCsv(
    file,
    { entity: 'client', mapping, mode, defaultCountry: options.country },
    store,
    { run },
    {
      refused: (line, reason, values) => void refusals.push({ line, reason, values }),
      ...options.hooks,
    },
  );
  if (!report.run) throw new Error('a stored import answers its run');
  return { ...report, run: report.run, refusals };
}

/** Every client with its identity keys, oldest first. */
async function clientsOf(store: Store) {
  const { clients } = await store.clients.list({ limit: 500 }, all);
  return clients
    .sort((a, b) => a.id - b.id)
    .map((c) => ({
      id: c.id,
      kind: c.kind,
      name: c.name,
      company: c.company,
      responsibleId: c.responsibleId,
      keys: c.identities.map((i) => i.key).sort(),
    }));
}

/** A message to the REST intake (channel 1), ingested at once: the lead it went to. */
async function intake(store: Store, externalId: string, body: Record<string, string>) {
  const id = await intakeNow(store, externalId, body, clock);
  const lead = await store.leads.get(id, all);
  if (!lead) throw new Error(`lead ${id} is missing`);
  return lead;
}

/** `rows` generated clients: `Person N`, `personN@bulk.test`, a Spanish mobile of its own. */
function generatedCsv(rows: number, refuseEvery = 0): string {
  const lines = ['Name,Email,Phone'];
  for (let i = 1; i <= rows; i++) {
    const phone =
      refuseEvery && i % refuseEvery === 0 ? '+34 12' : `+34 6${String(i).padStart(8, '0')}`;
    lines.push(`Person ${i},person${i}@bulk.test,${phone}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

describe(`the client CSV import on the ${TEST_STORE} store`, () => {
  let test: TestStore;
  let store: Store;

  beforeAll(async () => {
    test = await openTestStore('import');
    store = test.store;
  });
  afterAll(() => test.close());

  it('imports a Bitrix24 export in Windows-1251, and a later message is a repeat lead', async () => {
    const anna = await addUser(test, { name: 'Смирнова Анна', email: 'anna@leadwire.test' });
    const petr = await addUser(test, { name: 'Иванов Пётр', email: 'petr@leadwire.test' });
    const file = await openCsv(fixture('bitrix24-contacts-1251.csv'));
    expect([file.encoding, file.delimiter]).toEqual(['windows-1251', ';']);
    const report = await importInto(store, file, { country: 'RU' });
    expect(report.refusals).toEqual([]);
    expect(report.counts).toEqual({ created: 4, updated: 0, skipped: 0, refused: 0 });
    expect(report.records).toBe(4);
    expect(report.run).toMatchObject({ status: 'done', position: 4, counts: report.counts });

    const imported = await clientsOf(store);
    expect(imported.map(({ id: _id, ...client }) => client)).toEqual([
      {
        kind: 'contact',
        name: 'Иван Иванович Петров',
        company: 'ООО "Ромашка"',
        responsibleId: anna.id,
        keys: ['email:ivan.petrov@romashka.ru', 'phone:+74951234567', 'phone:+79161234567'],
      },
      {
        kind: 'contact',
        name: 'Ольга Сергеевна Ёлкина',
        company: 'ООО "Ромашка"',
        responsibleId: anna.id,
        keys: [
          'email:o.yolkina@mail.ru',
          'email:olga@romashka.ru',
          'phone:+79035551234',
          'phone:+79035551235',
        ],
      },
      {
        kind: 'contact',
        name: 'Алексей Кузнецов',
        company: null,
        responsibleId: petr.id,
        keys: ['email:alex.k@yandex.ru', 'phone:+78127654321', 'telegram:123456789'],
      },
      {
        kind: 'company',
        name: null,
        company: 'ИП Сидоров',
        responsibleId: petr.id,
        keys: ['email:info@sidorov.ru', 'phone:+78432000000'],
      },
    ]);
    const [ivan, olga, , sidorov] = imported;

    // Olga writes from her private address, Ivan calls from his mobile written the Russian way.
    const fromOlga = await intake(store, 'b24-1', { email: 'O.Yolkina@mail.ru' });
    expect(fromOlga).toMatchObject({ type: 'repeat', clientId: olga!.id, responsibleId: anna.id });
    const fromIvan = await intake(store, 'b24-2', { phone: '8 (916) 123-45-67' });
    expect(fromIvan).toMatchObject({ type: 'repeat', clientId: ivan!.id, responsibleId: anna.id });
    const fromSidorov = await intake(store, 'b24-3', { phone: '+7 843 200 00 00' });
    expect(fromSidorov).toMatchObject({ type: 'repeat', clientId: sidorov!.id });
    // Nobody was made twice: the messages joined the imported clients.
    expect(await count(test, sql`SELECT count(*) AS n FROM clients`)).toBe(4);
  });

  it('refuses a row whose responsible is no user, unless that column is skipped', async () => {
    const separate = await openTestStore('import-responsible');
    try {
      const first = await importInto(
        separate.store,
        await openCsv(fixture('bitrix24-contacts-1251.csv')),
        { country: 'RU' },
      );
      expect(first.refusals.map((r) => [r.line, r.reason])).toEqual(
        [2, 4, 6, 7].map((line) => [
          line,
          expect.stringContaining('responsible: no active user with the email or name') as string,
        ]),
      );
      expect(first.counts).toEqual({ created: 0, updated: 0, skipped: 0, refused: 4 });

      const file = await openCsv(fixture('bitrix24-contacts-1251.csv'));
      const mapping = suggestMapping(file.headers, 'client', []).map((target) =>
        target === 'responsible' ? 'skip' : target,
      );
      const second = await importInto(separate.store, file, { country: 'RU', mapping });
      expect(second.counts).toEqual({ created: 4, updated: 0, skipped: 0, refused: 0 });
      expect((await clientsOf(separate.store)).map((c) => c.responsibleId)).toEqual([
        null,
        null,
        null,
        null,
      ]);
    } finally {
      await separate.close();
    }
  });
});

describe(`duplicates in each mode on the ${TEST_STORE} store`, () => {
  /** A store with one client, Ana (a phone, no company, no email), and the file imported. */
  async function importDuplicates(mode: DuplicateMode) {
    const test = await openTestStore(`import-${mode}`);
    const phone = normalisePhone('+34600123456');
    if (!phone.ok) throw new Error('phone');
    const ana = await test.store.clients.create({
      name: 'Ana Pérez',
      identities: [phone.identity],
    });
    const report = await importInto(test.store, await openCsv(fixture('clients-duplicates.csv')), {
      mode,
    });
    return { test, ana: ana.id, report, clients: await clientsOf(test.store) };
  }

  it('merge fills what is empty, adds identities and never overwrites', async () => {
    const { test, ana, report, clients } = await importDuplicates('merge');
    try {
      // Row 2 updates Ana; row 3 is Boris; row 4 (his phone) merges into him; row 5 is Carla;
      // row 6 has the email row 2 gave Ana, so it is Ana again and has nothing new to add.
      expect(report.counts).toEqual({ created: 2, updated: 1, skipped: 2, refused: 0 });
      expect(clients.map(({ id: _id, responsibleId: _r, ...c }) => c)).toEqual([
        {
          kind: 'contact',
          name: 'Ana Pérez',
          company: 'Globex',
          keys: ['email:ana@globex.com', 'phone:+34600123456'],
        },
        {
          kind: 'contact',
          name: 'Boris Ivanov',
          company: 'Initech',
          keys: ['email:boris.ivanov@initech.com', 'email:boris@example.ru', 'phone:+79160001122'],
        },
        { kind: 'contact', name: 'Carla Gómez', company: null, keys: ['email:carla@example.com'] },
      ]);
      const view = await test.store.clients.view(ana, all);
      const changes = view?.timeline.filter((entry) => entry.action !== 'created');
      expect(changes?.length).toBeGreaterThan(0);
      expect(JSON.stringify(changes?.map((entry) => entry.after))).toContain('Globex');
      expect(JSON.stringify(changes?.map((entry) => entry.after))).toContain('ana@globex.com');
      expect(JSON.stringify(changes?.map((entry) => entry.after))).not.toContain('Ana P. Pérez');
    } finally {
      await test.close();
    }
  });

  it('skip leaves the existing client untouched and counts the duplicates', async () => {
    const { test, ana, report, clients } = await importDuplicates('skip');
    try {
      expect(report.counts).toEqual({ created: 2, updated: 0, skipped: 3, refused: 0 });
      expect(
        clients.map(({ id, name, company, keys }) => [id === ana, name, company, keys]),
      ).toEqual([
        [true, 'Ana Pérez', null, ['phone:+34600123456']],
        [false, 'Boris Ivanov', null, ['email:boris@example.ru', 'phone:+79160001122']],
        [false, 'Carla Gómez', null, ['email:carla@example.com']],
      ]);
      const view = await test.store.clients.view(ana, all);
      expect(view?.updatedAt ?? null).toBeNull();
      expect(view?.timeline.filter((entry) => entry.action !== 'created')).toEqual([]);
    } finally {
      await test.close();
    }
  });

  it('create makes a client of every row, beside the existing one', async () => {
    const { test, ana, report, clients } = await importDuplicates('create');
    try {
      expect(report.counts).toEqual({ created: 5, updated: 0, skipped: 0, refused: 0 });
      expect(
        clients.map(({ id, name, company, keys }) => [id === ana, name, company, keys]),
      ).toEqual([
        [true, 'Ana Pérez', null, ['phone:+34600123456']],
        [false, 'Ana P. Pérez', 'Globex', ['email:ana@globex.com', 'phone:+34600123456']],
        [false, 'Boris Ivanov', null, ['email:boris@example.ru', 'phone:+79160001122']],
        [false, 'B. Ivanov', 'Initech', ['email:boris.ivanov@initech.com', 'phone:+79160001122']],
        [false, 'Carla Gómez', null, ['email:carla@example.com']],
        [false, 'Ana Pérez', 'Other Co', ['email:ana@globex.com']],
      ]);
    } finally {
      await test.close();
    }
  });
});

describe(`messy files on the ${TEST_STORE} store`, () => {
  let test: TestStore;
  // A store of each test's own: the files share people.
  beforeEach(async () => {
    test = await openTestStore('import-messy');
  });
  afterEach(() => test.close());

  it('refuses bad rows with their lines past quoted newlines, and imports those around them', async () => {
    const file = await openCsv(fixture('clients-refused-semicolon.csv'));
    expect(file.delimiter).toBe(';');
    const report = await importInto(test.store, file, { country: 'ES' });
    expect(report.refusals).toEqual([
      {
        line: 4,
        reason: 'Teléfono: "+34 12" is not a valid phone number',
        values: ['Teléfono Corto', '+34 12', 'corto@example.com', 'x'],
      },
      {
        line: 9,
        reason: 'the row has no name, company, email, phone or Telegram',
        values: ['', '', '', 'Solo una nota'],
      },
      {
        line: 11,
        reason: 'Email: "ana(at)example.com" is not an email address',
        values: ['Correo Roto', '', 'ana(at)example.com', '=HYPERLINK("x")'],
      },
    ]);
    expect(report.counts).toEqual({ created: 5, updated: 0, skipped: 0, refused: 3 });
    expect(report.run).toMatchObject({ status: 'done', position: 8 });
    expect((await clientsOf(test.store)).map((c) => [c.name, c.keys])).toEqual([
      ['Ana Pérez', ['email:ana@example.com', 'phone:+34600123456']],
      ['Diego Ruiz', ['email:diego@example.com', 'phone:+34622333444']],
      // Values past the header are ignored, missing ones are empty.
      ['Columnas De Más', ['email:mas@example.com', 'phone:+34611222333']],
      ['Sin Notas', ['phone:+34633444555']],
      ['Elena Sanz', ['email:elena@example.com']],
    ]);
  });

  it('reads a BOM, extra and missing cells, and several phones in one quoted cell', async () => {
    const file = await openCsv(fixture('leads-utf8-bom.csv'));
    expect(file.headers.slice(0, 3)).toEqual(['Name', 'Phone', 'Email']);
    const report = await importInto(test.store, file, { country: 'ES', mode: 'merge' });
    expect(report.refusals.map((r) => [r.line, r.reason])).toEqual([
      [12, 'Email: "ana(at)example.com" is not an email address'],
    ]);
    // Ana's second row has nothing new; Carla's number was kept as text by Excel.
    expect(report.counts).toEqual({ created: 4, updated: 0, skipped: 1, refused: 1 });
    const added = await clientsOf(test.store);
    expect(added.map((c) => [c.name, c.keys])).toEqual([
      ['Ana Pérez', ['email:ana@example.com', 'phone:+34600123456']],
      ['Boris Ivanov', ['email:boris@example.ru', 'phone:+74950001122', 'phone:+79160001122']],
      ['Carla Gómez', ['phone:+34611222333']],
      ['No Contact Info', []],
    ]);
  });

  it('reads a Google export with a BOM, a middle name and a note over two lines', async () => {
    const report = await importInto(test.store, await openCsv(fixture('google-contacts.csv')));
    expect(report.refusals).toEqual([]);
    expect(report.counts).toEqual({ created: 3, updated: 0, skipped: 0, refused: 0 });
    const added = await clientsOf(test.store);
    expect(added.map((c) => [c.name, c.company, c.keys])).toEqual([
      [
        'Ana María López',
        'Globex',
        [
          'email:ana.lopez@globex.com',
          'email:anitalopez@gmail.com',
          'phone:+34600123456',
          'phone:+34910000111',
        ],
      ],
      ['Tom Hanks', null, ['email:tom@example.com', 'phone:+12025550188']],
      ['Lena Schmidt', null, ['email:lena.schmidt@web.de']],
    ]);
  });
});

describe(`large files on the ${TEST_STORE} store`, () => {
  let test: TestStore;
  beforeAll(async () => {
    test = await openTestStore('import-large');
  });
  afterAll(() => test.close());

  it('stops after the batch in hand and resumes from its position, every row once', async () => {
    // Three and a half of this store's batches, a refused row every 700.
    const batch = test.store.imports.batchSize;
    const rows = batch * 3.5;
    const refusedLines = (from: number, to: number) =>
      Array.from({ length: Math.floor(rows / 700) }, (_, i) => (i + 1) * 700)
        .filter((row) => row > from && row <= to)
        .map((row) => row + 1);
    const text = generatedCsv(rows, 700);
    const stop = new AbortController();
    const batches: number[] = [];
    const first = await importInto(test.store, await openCsv(bytesOf(text)), {
      hooks: {
        signal: stop.signal,
        progress: (records) => {
          batches.push(records);
          stop.abort();
        },
      },
    });
    const firstRefused = refusedLines(0, batch).length;
    expect(batches).toEqual([batch]);
    expect(first.interrupted).toBe(true);
    expect(first.run).toMatchObject({ status: 'interrupted', position: batch, finishedAt: null });
    expect(first.run.counts).toEqual({
      created: batch - firstRefused,
      updated: 0,
      skipped: 0,
      refused: firstRefused,
    });
    expect(await count(test, sql`SELECT count(*) AS n FROM clients`)).toBe(batch - firstRefused);

    const run = await test.store.imports.get(first.run.id);
    if (!run) throw new Error('the run is stored');
    const resumed = await importInto(
      test.store,
      await openCsv(bytesOf(text), { skipRecords: run.position }),
      { run },
    );
    const refused = refusedLines(0, rows).length;
    const created = rows - refused;
    expect(resumed.interrupted).toBe(false);
    expect(resumed.refusals.map((r) => r.line)).toEqual(refusedLines(batch, rows));
    expect(resumed.records).toBe(rows);
    expect(resumed.run).toMatchObject({ status: 'done', position: rows });
    expect(resumed.run.counts).toEqual({ created, updated: 0, skipped: 0, refused });
    expect(await count(test, sql`SELECT count(*) AS n FROM clients`)).toBe(created);
    expect(
      await count(
        test,
        sql`SELECT count(DISTINCT key) AS n FROM identities WHERE client_id IS NOT NULL`,
      ),
    ).toBe(created * 2);
    expect(
      await count(test, sql`SELECT count(*) AS n FROM identities WHERE client_id IS NOT NULL`),
    ).toBe(created * 2);
    expect(
      await count(
        test,
        sql`SELECT count(*) AS n FROM clients WHERE name = ${`Person ${batch + 1}`}`,
      ),
    ).toBe(1);
  });

  it('counts in a dry run what the run then does, across batches', async () => {
    const separate = await openTestStore('import-dry');
    try {
      const phone = normalisePhone('+34600123456');
      if (!phone.ok) throw new Error('phone');
      await separate.store.clients.create({ name: 'Ana', identities: [phone.identity] });
      // Row 1 gives Ana an email; the first row of the next batch has only that email.
      const batch = separate.store.imports.batchSize;
      const lines = generatedCsv(batch + 1).split('\r\n');
      lines[1] = 'Ana,ana@dry.test,+34 600 123 456';
      lines[batch + 1] = 'Ana Again,ana@dry.test,';
      const text = lines.join('\r\n');
      const mapping = suggestMapping(['Name', 'Email', 'Phone'], 'client', []);
      const settings = { entity: 'client', mapping, mode: 'merge' } as const;
      const dry = await importCsv(await openCsv(bytesOf(text)), settings, separate.store, {
        dryRun: true,
      });
      expect(dry.counts).toEqual({ created: batch - 1, updated: 1, skipped: 1, refused: 0 });
      expect(dry.sample[0]).toMatchObject({ line: 2, record: { name: 'Ana' } });
      expect(await count(separate, sql`SELECT count(*) AS n FROM clients`)).toBe(1);
      const real = await importInto(separate.store, await openCsv(bytesOf(text)));
      expect(real.counts).toEqual(dry.counts);
      expect(await count(separate, sql`SELECT count(*) AS n FROM clients`)).toBe(batch);
    } finally {
      await separate.close();
    }
  });

  it('imports 100,000 rows, every one once', async () => {
    const rows = 100_000;
    await test.look.run(sql`DELETE FROM identities`);
    await test.look.run(sql`DELETE FROM clients`);
    const started = performance.now();
    const report = await importInto(test.store, await openCsv(bytesOf(generatedCsv(rows))));
    const seconds = (performance.now() - started) / 1000;
    console.info(`${TEST_STORE}: ${rows} rows imported in ${seconds.toFixed(1)} s`);
    expect(report.counts).toEqual({ created: rows, updated: 0, skipped: 0, refused: 0 });
    expect(report.run).toMatchObject({ status: 'done', position: rows });
    expect(await count(test, sql`SELECT count(*) AS n FROM clients`)).toBe(rows);
    expect(
      await count(
        test,
        sql`SELECT count(DISTINCT key) AS n FROM identities WHERE client_id IS NOT NULL`,
      ),
    ).toBe(rows * 2);
  }, 180_000);
});
