/**
 * The import bench's file: a Spanish CRM's client export (`;`-separated, as Excel writes it
 * in Spain) with Spanish, accented and Cyrillic names, companies (some quoted), phones
 * spelled the ways people write them, unique emails, responsible users by email or name, about
 * 5% rows repeating an earlier client's phone and 1% rows with an invalid email.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { NewUser } from '../../core/repositories/users.ts';

/** The users the file's Responsable column names; the bench creates them first. */
export const IMPORT_USERS: Omit<NewUser, 'roles'>[] = [
  { name: 'Lucía Martín', email: 'lucia.martin@leadwire.test' },
  { name: 'Jorge Ibáñez', email: 'jorge.ibanez@leadwire.test' },
  { name: 'Ольга Смирнова', email: 'olga.smirnova@leadwire.test' },
];

/** What the file holds, for checking what the import made of it. */
export interface ClientsCsv {
  /** Records after the header. */
  rows: number;
  bytes: number;
  /** Rows of a new person (a new phone and email). */
  unique: number;
  /** Rows with the phone of an earlier unique row (spelled another way) and an email of their own. */
  duplicates: number;
  /** Rows with an invalid email: the import refuses them. */
  refused: number;
}

/** `[display, as in an email address]`. */
const FIRST: [string, string][] = [
  ['María', 'maria'],
  ['José', 'jose'],
  ['Lucía', 'lucia'],
  ['Javier', 'javier'],
  ['Sofía', 'sofia'],
  ['Íñigo', 'inigo'],
  ['Begoña', 'begona'],
  ['Carmen', 'carmen'],
  ['Álvaro', 'alvaro'],
  ['Nuria', 'nuria'],
  ['Raúl', 'raul'],
  ['Pilar', 'pilar'],
  ['Jordi', 'jordi'],
  ['Montserrat', 'montserrat'],
  ['Andrés', 'andres'],
  ['Inés', 'ines'],
  ['François', 'francois'],
  ['João', 'joao'],
  ['Zoë', 'zoe'],
  ['Ana Belén', 'anabelen'],
  ['Иван', 'ivan'],
  ['Ольга', 'olga'],
  ['Дмитрий', 'dmitry'],
  ['Наталья', 'natalia'],
];
const LAST: [string, string][] = [
  ['García', 'garcia'],
  ['Fernández', 'fernandez'],
  ['González', 'gonzalez'],
  ['Rodríguez', 'rodriguez'],
  ['López', 'lopez'],
  ['Martínez', 'martinez'],
  ['Sánchez', 'sanchez'],
  ['Pérez', 'perez'],
  ['Gómez', 'gomez'],
  ['Muñoz', 'munoz'],
  ['Núñez', 'nunez'],
  ['Jiménez', 'jimenez'],
  ['Ruiz', 'ruiz'],
  ['Castaño', 'castano'],
  ['Puig i Soler', 'puig'],
  ['de la Fuente', 'delafuente'],
  ['Müller', 'muller'],
  ['Dupont', 'dupont'],
  ['Иванова', 'ivanova'],
  ['Петров', 'petrov'],
  ['Кузнецов', 'kuznetsov'],
  ['Соколова', 'sokolova'],
];
const COMPANIES = [
  'Construcciones Pérez S.L.',
  'Talleres Núñez',
  'Farmacia Castaño',
  'Inmobiliaria Sol y Mar S.A.',
  'Clínica Dental Sonrisa',
  'Bar "El Rincón"',
  'Hermanos García; Hijos',
  'ООО «Ромашка»',
  'Gestoría Jiménez & Asociados',
  'Autoescuela Vía Libre',
  'Café Müller',
  'Peluquería Begoña',
];
const DOMAINS = [
  'gmail.com',
  'hotmail.es',
  'yahoo.es',
  'outlook.com',
  'telefonica.net',
  'icloud.com',
];
/** How Spanish mobiles are written: international, national, with 00, grouped differently. */
const PHONE_STYLES: ((digits: string) => string)[] = [
  (d) => `+34 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`,
  (d) => `${d.slice(0, 3)} ${d.slice(3, 5)} ${d.slice(5, 7)} ${d.slice(7)}`,
  (d) => `+34${d}`,
  (d) => `0034 ${d}`,
  (d) => `(+34) ${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
  (d) => d,
];
const BROKEN_EMAILS = [
  (local: string) => `${local}@@gmail.com`,
  (local: string) => `${local}.gmail.com`,
  (local: string) => `${local}@hotmail`,
  (local: string) => `${local} @yahoo.es`,
];

/** A small deterministic generator, so every run imports the same file. */
function random(seed: number) {
  let state = seed >>> 0;
  return (below: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (((t ^ (t >>> 14)) >>> 0) % below) as number;
  };
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;

/** The 6 and 8 digits of person `n`'s mobile: a bijection on 0..10^8, so every person has their own. */
const mobile = (n: number) =>
  `6${String((n * 7_654_321 + 1_234_567) % 100_000_000).padStart(8, '0')}`;

/** A CSV value, quoted when it holds the delimiter, a quote or a line break. */
const cell = (value: string) =>
  /[;"\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** Writes `rows` records after the header to `file`. */
export async function writeClientsCsv(file: string, rows: number): Promise<ClientsCsv> {
  if (rows > 50_000_000) throw new Error('at most 50,000,000 rows (unique Spanish mobiles)');
  const next = random(20_240_611);
  const out = createWriteStream(file);
  const csv: ClientsCsv = { rows, bytes: 0, unique: 0, duplicates: 0, refused: 0 };
  const write = async (text: string) => {
    csv.bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('\uFEFFNombre;Empresa;Teléfono;Email;Responsable\r\n');
  let lines: string[] = [];
  for (let row = 0; row < rows; row++) {
    const [first, firstAscii] = pick(FIRST, next(FIRST.length));
    const [last, lastAscii] = pick(LAST, next(LAST.length));
    // The row number ends the address: names have no digits, so no two rows share one.
    const local = `${firstAscii}${pick(['.', '_', ''], row)}${lastAscii}${row}`;
    let phone: string;
    let email = `${local}@${pick(DOMAINS, next(DOMAINS.length))}`;
    if (row % 100 === 37) {
      csv.refused++;
      // Far from the people's numbers: a refused row's phone is nobody's.
      phone = mobile(99_999_999 - csv.refused);
      email = pick(BROKEN_EMAILS, row)(local);
    } else if (row % 20 === 11 && csv.unique > 0) {
      csv.duplicates++;
      // Mostly someone a few rows up (the same batch), sometimes from batches before.
      const back = next(4) === 0 ? next(csv.unique) : next(Math.min(csv.unique, 500));
      phone = mobile(csv.unique - 1 - back);
    } else {
      phone = mobile(csv.unique++);
    }
    const company = next(10) < 4 ? pick(COMPANIES, next(COMPANIES.length)) : '';
    const user = pick(IMPORT_USERS, row);
    const responsible = [user.email, user.name, '', '', ''][next(5)]!;
    lines.push(
      [
        `${first} ${last}`,
        company,
        pick(PHONE_STYLES, next(PHONE_STYLES.length))(phone),
        email,
        responsible,
      ]
        .map(cell)
        .join(';'),
    );
    if (lines.length === 10_000) {
      await write(`${lines.join('\r\n')}\r\n`);
      lines = [];
    }
  }
  if (lines.length) await write(`${lines.join('\r\n')}\r\n`);
  out.end();
  await once(out, 'close');
  return csv;
}
