/**
 * The import bench's file: a Spanish CRM's client export (`;`-separated with a BOM, as Excel
 * writes it in Spain) with Spanish, accented and Cyrillic names, companies (some quoted), phones
 * spelled the ways people write them, unique emails, responsible users by email or name, about
 * 5% rows repeating an earlier client's phone and 1% rows with an invalid email.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { NewUser } from '../../core/repositories/users.ts';
import { ascii, leadWords } from './lead-words.ts';
import { mulberry32 } from './senders.ts';

/** The users the file's Responsable column names; the bench creates them first. */
export const IMPORT_USERS: Omit<NewUser, 'roles'>[] = [
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

export interface ClientsCsv {
  rows: number;
  bytes: number;
  /** Rows of a new person (a new phone and email). */
  unique: number;
  /** Rows with an earlier row's phone (spelled another way) and an email of their own. */
  duplicates: number;
  /** Rows with an invalid email: the import refuses them. */
  refused: number;
}

/** Person n's mobile: a bijection on 0..10^8, so every person has their own. */
const mobile = (n: number) =>
  `6${String((n * 7_654_321 + 1_234_567) % 100_000_000).padStart(8, '0')}`;
const cell = (value: string) =>
  /[;"\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

export async function writeClientsCsv(file: string, rows: number): Promise<ClientsCsv> {
  const random = mulberry32(20_240_611);
  const below = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]) => list[below(list.length)] as T;
  const out = createWriteStream(file);
  const csv: ClientsCsv = { rows, bytes: 0, unique: 0, duplicates: 0, refused: 0 };
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
