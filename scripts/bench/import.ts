/**
 * `npm run bench -- import`: `npm run leadwire -- import clients FILE --country ES` run as an
 * operator runs it on a CRM export (written first, not timed), its peak RSS and CPU sampled, then
 * the store checked against what the CLI reported. The limit: csv-parse reading the same file.
 *
 * The file: a Spanish CRM's export (`;`-separated with a BOM, as Excel writes it in Spain), with
 * Spanish, accented and Cyrillic names, quoted companies, phones spelled the ways people write
 * them, responsible users by email or name, 5% rows repeating an earlier phone, 1% broken emails.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import type { NewUser } from '../../core/repositories/users.ts';
import { defineMode, int, mb, seconds } from './context.ts';
import { ascii, leadWords } from './lead-words.ts';
import { countOf } from './ledger.ts';
import { startRole } from './processes.ts';
import { mulberry32 } from './senders.ts';

const SAMPLE_MS = 100;

export const importMode = defineMode({
  summary: '1,000,000 clients through `leadwire import clients` vs a bare csv-parse of the file',
  options: { rows: 1_000_000 },
  async run(run, options, workspace) {
    const { store } = workspace;
    for (const user of IMPORT_USERS) await store.users.createUser({ ...user, roles: ['operator'] });
    const file = path.join(workspace.dataDir, 'clients.csv');
    const csv = await writeClientsCsv(file, options.rows);
    run.progress(
      `wrote ${csv.rows} rows (${mb(csv.bytes).toFixed(1)} MB); parsing, then importing`,
    );

    const parsing = performance.now();
    let parsed = 0;
    for await (const record of createReadStream(file).pipe(
      parse({ delimiter: ';', bom: true, columns: true }),
    ))
      if (record) parsed += 1;
    const limit = parsed / seconds(parsing);

    const env = workspace.env({ LOG_LEVEL: 'warn' });
    const started = performance.now();
    const cli = startRole(run, 'cli', env, ['import', 'clients', file, '--country', 'ES']);
    let [peak, cpu] = [0, 0];
    const sampler = setInterval(() => {
      peak = Math.max(peak, cli.peakRssBytes());
      cpu = cli.cpuSeconds() || cpu;
    }, SAMPLE_MS);
    const code = await cli.exited;
    clearInterval(sampler);
    const took = seconds(started);
    // Refused rows make the CLI end with 1 after its summary; anything else is a failure.
    if (code !== (csv.refused ? 1 : 0)) throw new Error(`the CLI ended with ${code}`);
    const summary =
      /(\d+) records read, created (\d+), updated (\d+), skipped as duplicates (\d+), refused (\d+)/.exec(
        cli.output.join('\n'),
      );
    if (!summary) throw new Error('the CLI printed no summary');
    const [records, created, updated, skipped, refused] = summary.slice(1).map(Number) as number[];

    const clients = await countOf(store, sql`SELECT count(*) AS n FROM clients`);
    const twice = await countOf(
      store,
      sql`SELECT count(*) AS n FROM (SELECT key FROM identities WHERE client_id IS NOT NULL
          GROUP BY key HAVING count(*) > 1) AS twice`,
    );
    const expected: [string, number, number][] = [
      ['records read', records ?? 0, csv.rows],
      ['refused', refused ?? 0, csv.refused],
      ['created', created ?? 0, csv.unique],
      ['updated + skipped', (updated ?? 0) + (skipped ?? 0), csv.duplicates],
      ['clients in the store', clients, created ?? 0],
      ['identity keys owned twice', twice, 0],
    ];
    const wrong = expected.filter(([, got, want]) => got !== want);
    const perSecond = (records ?? 0) / took;
    return {
      lines: [
        `Leadwire import bench (${store.kind}): ${int(csv.rows)} rows, ${mb(csv.bytes).toFixed(1)} MB ` +
          `(${int(csv.duplicates)} repeat an earlier phone, ${int(csv.refused)} have a broken email)`,
        `  limit: csv-parse  ${int(limit)} rows/s`,
        `  leadwire import   ${took.toFixed(1)} s = ${int(perSecond)} rows/s, ${cpu.toFixed(1)} CPU s, ` +
          `peak RSS ${mb(peak).toFixed(1)} MB  targets (SQLite) <= 180 s, <= 250 MB`,
        `  store             ${int(clients)} clients, ${twice} keys owned twice: ${wrong.length ? 'MISMATCH' : 'as reported'}`,
        ...wrong.map(([what, got, want]) => `  WARNING: ${what}: ${got}, expected ${want}`),
      ],
      figure: ['rows_per_s', perSecond],
      limit,
      more: { seconds: took.toFixed(1), peak_rss_mb: mb(peak).toFixed(1) },
      failed: wrong.length > 0,
    };
  },
});

/** The users the file's Responsable column names; the bench creates them first. */
const IMPORT_USERS: Omit<NewUser, 'roles'>[] = [
  { name: 'Lucía Martín', email: 'lucia.martin@leadwire.test' },
  { name: 'Jorge Ibáñez', email: 'jorge.ibanez@leadwire.test' },
  { name: 'Ольга Смирнова', email: 'olga.smirnova@leadwire.test' },
];

/** A fifth of the names are Cyrillic, the rest those of the search bench's leads. */
const CYRILLIC = [
  ['Иван', 'Ольга', 'Дмитрий', 'Наталья'],
  ['Иванова', 'Петров', 'Кузнецов', 'Смирнова'],
] as const;
const COMPANIES = (
  'Construcciones Pérez S.L., Talleres Núñez, Inmobiliaria Sol y Mar S.A., Bar "El Rincón", ' +
  'Hermanos García; Hijos, ООО «Ромашка», Gestoría Jiménez & Asociados, Café Müller'
).split(', ');
const DOMAINS = 'gmail.com hotmail.es yahoo.es outlook.com telefonica.net icloud.com'.split(' ');
/** How Spanish mobiles are written: international, national, with 00, grouped differently. */
const PHONE_STYLES: ((d: string) => string)[] = [
  (d) => `+34 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`,
  (d) => `${d.slice(0, 3)} ${d.slice(3, 5)} ${d.slice(5, 7)} ${d.slice(7)}`,
  (d) => `+34${d}`,
  (d) => `0034 ${d}`,
  (d) => `(+34) ${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
  (d) => d,
];
const BROKEN_EMAILS = ['@@gmail.com', '.gmail.com', '@hotmail', ' @yahoo.es'];

/** Person n's mobile: a bijection on 0..10^8, so every person has their own. */
const mobile = (n: number) =>
  `6${String((n * 7_654_321 + 1_234_567) % 100_000_000).padStart(8, '0')}`;
const cell = (value: string) =>
  /[;"\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/**
 * Counts `unique` rows of a new person, `duplicates` with an earlier row's phone (spelled another
 * way) and an email of their own, `refused` with an invalid email.
 */
async function writeClientsCsv(file: string, rows: number) {
  const random = mulberry32(20_240_611);
  const below = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]) => list[below(list.length)] as T;
  const out = createWriteStream(file);
  const csv = { rows, bytes: 0, unique: 0, duplicates: 0, refused: 0 };
  const write = async (text: string) => {
    csv.bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('\uFEFFNombre;Empresa;Teléfono;Email;Responsable\r\n');
  let lines: string[] = [];
  for (let row = 0; row < rows; row++) {
    const { first, last } =
      below(5) === 0 ? { first: pick(CYRILLIC[0]), last: pick(CYRILLIC[1]) } : leadWords(row);
    // The row number ends the address: no two rows share one.
    const local = `${ascii(first) || 'cliente'}.${ascii(last) || 'cliente'}${row}`;
    let email = `${local}@${pick(DOMAINS)}`;
    let phone: string;
    if (row % 100 === 37) {
      csv.refused++;
      phone = mobile(99_999_999 - csv.refused);
      email = `${local}${BROKEN_EMAILS[row % BROKEN_EMAILS.length]}`;
    } else if (row % 20 === 11 && csv.unique > 0) {
      csv.duplicates++;
      // Mostly someone a few rows up (the same batch), sometimes from batches before.
      phone = mobile(
        csv.unique - 1 - (below(4) === 0 ? below(csv.unique) : below(Math.min(csv.unique, 500))),
      );
    } else phone = mobile(csv.unique++);
    const user = IMPORT_USERS[row % IMPORT_USERS.length] as (typeof IMPORT_USERS)[number];
    const responsible = [user.email, user.name, '', '', ''][below(5)] ?? '';
    const company = below(10) < 4 ? pick(COMPANIES) : '';
    lines.push(
      [`${first} ${last}`, company, pick(PHONE_STYLES)(phone), email, responsible]
        .map(cell)
        .join(';'),
    );
    if (lines.length === 10_000 || row === rows - 1) {
      await write(`${lines.join('\r\n')}\r\n`);
      lines = [];
    }
  }
  out.end();
  await once(out, 'close');
  return csv;
}
