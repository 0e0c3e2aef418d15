import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CustomFieldDefinition } from '../../../../core/custom-fields.ts';
import { errorCsv } from '../../../../core/import/error-csv.ts';
import { describeMapping, suggestMapping } from '../../../../core/import/mapping.ts';
import type { ImportEntity } from '../../../../core/import/mapping.ts';
import { openCsv } from '../../../../core/import/read-csv.ts';
import { readRow } from '../../../../core/import/rows.ts';
import type { ImportRecord } from '../../../../core/import/rows.ts';

const REGION: CustomFieldDefinition = {
  id: 7,
  entity: 'client',
  key: 'region',
  label: 'Región',
  type: 'list',
  required: false,
  options: ['Madrid', 'Cataluña', 'Andalucía', 'Baleares'],
  sort: 0,
};

/** A fixture read the way the import will: suggested mapping, every row checked. */
async function importFixture(name: string, entity: ImportEntity, defaultCountry: string) {
  const file = await openCsv(
    createReadStream(new URL(`../../../fixtures/csv/${name}`, import.meta.url)),
  );
  const customFields = [REGION];
  const mapping = suggestMapping(file.headers, entity, customFields);
  const accepted: (ImportRecord & { line: number })[] = [];
  const refused: { line: number; reason: string }[] = [];
  const errors = errorCsv(file.headers, file.delimiter);
  let errorFile = errors.header();
  for await (const row of file.rows) {
    if (row.error !== undefined) throw new Error(row.error);
    const result = readRow(row.values, file.headers, mapping, {
      entity,
      defaultCountry,
      customFields,
    });
    if (result.ok) accepted.push({ line: row.line, ...result.record });
    else {
      refused.push({ line: row.line, reason: result.reason });
      errorFile += errors.row(row.line, result.reason, row.values);
    }
  }
  return { file, mapping: describeMapping(file.headers, mapping), accepted, refused, errorFile };
}

const keys = (record: ImportRecord) => record.identities.map((identity) => identity.key);

describe('importing real exports', () => {
  it('a Bitrix24 contact export in Windows-1251', async () => {
    const result = await importFixture('bitrix24-contacts-1251.csv', 'client', 'RU');
    expect(result.mapping).toContain(
      'Имя → first_name, Отчество → middle_name, Фамилия → last_name',
    );
    expect(result.mapping).toContain('Номер факса → (skipped)');
    expect(result.refused).toEqual([]);
    expect(
      result.accepted.map((r) => [r.line, r.kind, r.name, r.company, keys(r), r.responsible]),
    ).toEqual([
      [
        2,
        'contact',
        'Иван Иванович Петров',
        'ООО "Ромашка"',
        ['phone:+74951234567', 'phone:+79161234567', 'email:ivan.petrov@romashka.ru'],
        'Смирнова Анна',
      ],
      [
        4,
        'contact',
        'Ольга Сергеевна Ёлкина',
        'ООО "Ромашка"',
        [
          'phone:+79035551234',
          'phone:+79035551235',
          'email:olga@romashka.ru',
          'email:o.yolkina@mail.ru',
        ],
        'Смирнова Анна',
      ],
      [
        6,
        'contact',
        'Алексей Кузнецов',
        null,
        ['phone:+78127654321', 'email:alex.k@yandex.ru', 'telegram:123456789'],
        'Иванов Пётр',
      ],
      [
        7,
        'company',
        null,
        'ИП Сидоров',
        ['phone:+78432000000', 'email:info@sidorov.ru'],
        'Иванов Пётр',
      ],
    ]);
  });

  it('a Spanish export in Windows-1252, refusing the incomplete number', async () => {
    const result = await importFixture('spanish-clients-1252.csv', 'client', 'ES');
    expect(result.mapping).toBe(
      'Nombre → first_name, Apellidos → last_name, Empresa → company, Teléfono → phone, Móvil → phone, Correo electrónico → email, Responsable → responsible, Notas → (skipped), Región → custom:region',
    );
    expect(result.refused).toEqual([
      { line: 5, reason: 'Teléfono: "+34 12" is not a valid phone number' },
    ]);
    expect(
      result.accepted.map((r) => [r.line, r.kind, r.name, r.company, keys(r), r.custom]),
    ).toEqual([
      [
        2,
        'contact',
        'José Núñez García',
        'Construcciones Peña S.L.',
        ['phone:+34911234567', 'phone:+34612345678', 'email:jose.nunez@construccionespena.es'],
        { region: 'Madrid' },
      ],
      [
        3,
        'contact',
        'Begoña Ibáñez',
        null,
        ['phone:+34622112233', 'email:begonaibanez@gmail.com'],
        { region: 'Cataluña' },
      ],
      [
        4,
        'contact',
        'Jürgen Müller',
        'Müller & Söhne GmbH',
        ['phone:+49301234567', 'email:j.mueller@mueller-soehne.de'],
        {},
      ],
      [6, 'company', null, 'Hôtel Ærø', ['email:reservas@hotel-aero.es'], { region: 'Baleares' }],
    ]);
    // The error file opens in the same Excel: semicolons, the row as it was, the phone guarded.
    expect(result.errorFile).toBe(
      '\ufeffline;reason;Nombre;Apellidos;Empresa;Teléfono;Móvil;Correo electrónico;Responsable;Notas;Región\r\n' +
        '5;"Teléfono: ""+34 12"" is not a valid phone number";François;Lefèvre;;\'+34 12;;francois@lefevre.fr;;Número incompleto;Andalucía\r\n',
    );
  });

  it('a HubSpot export: dashes for none, marketing columns left alone', async () => {
    const result = await importFixture('hubspot-contacts.csv', 'client', 'US');
    expect(result.refused).toEqual([]);
    expect(
      result.accepted.map((r) => [r.line, r.kind, r.name, r.company, keys(r), r.responsible]),
    ).toEqual([
      [
        2,
        'contact',
        "Emily O'Brien",
        'Acme, Inc.',
        ['email:emily.obrien@acme.io', 'phone:+14155550132'],
        'sam@ourteam.com',
      ],
      [
        3,
        'contact',
        'Raj Patel',
        'Patel Consulting',
        ['email:raj@patel-consulting.co.uk', 'phone:+442079460958', 'phone:+447911123456'],
        'sam@ourteam.com',
      ],
      [4, 'company', null, 'Northwind Traders', ['email:info@northwind.com'], null],
      [5, 'contact', 'Chloé Dubois', null, ['email:chloedubois@gmail.com'], null],
    ]);
  });

  it('a Google Contacts export as leads, notes with a newline as the comment', async () => {
    const result = await importFixture('google-contacts.csv', 'lead', 'ES');
    expect(result.refused).toEqual([]);
    expect(result.accepted.map((r) => [r.line, r.name, r.company, keys(r), r.comment])).toEqual([
      [
        2,
        'Ana María López',
        'Globex',
        [
          'email:ana.lopez@globex.com',
          'email:anitalopez@gmail.com',
          'phone:+34600123456',
          'phone:+34910000111',
        ],
        'Met at the fair\nInterested in the API',
      ],
      [4, 'Tom Hanks', null, ['email:tom@example.com', 'phone:+12025550188'], null],
      [5, 'Lena Schmidt', null, ['email:lena.schmidt@web.de'], null],
    ]);
  });

  it('a hand-kept leads sheet: spaces, duplicates, text formulas, a broken email', async () => {
    const result = await importFixture('leads-utf8-bom.csv', 'lead', 'ES');
    expect(result.mapping).toBe(
      'Name → name, Phone → phone, Email → email, Title → title, Comment → comment, column 6 → (skipped)',
    );
    expect(result.refused).toEqual([
      { line: 12, reason: 'Email: "ana(at)example.com" is not an email address' },
    ]);
    expect(result.accepted.map((r) => [r.line, r.name, keys(r), r.title, r.comment])).toEqual([
      [
        2,
        'Ana Pérez',
        ['phone:+34600123456', 'email:ana@example.com'],
        'Quote for 20 seats',
        'Called twice,\r\nwants a "demo"',
      ],
      [
        4,
        'Boris Ivanov',
        ['phone:+79160001122', 'phone:+74950001122', 'email:boris@example.ru'],
        'Renewal\r\n2026',
        null,
      ],
      // The same person again: deciding what a duplicate means is the writer's job.
      [
        8,
        'Ana Pérez',
        ['phone:+34600123456', 'email:ana@example.com'],
        'Quote for 20 seats',
        'dup',
      ],
      [9, 'Carla Gómez', ['phone:+34611222333'], null, null],
      [10, 'No Contact Info', [], 'Just a name', null],
    ]);
  });

  it('an Outlook export with tabs, fax and display-name columns skipped', async () => {
    const result = await importFixture('outlook-contacts.tsv', 'client', 'FR');
    expect(result.mapping).toContain('E-mail Display Name → (skipped)');
    expect(result.mapping).toContain('Business Fax → (skipped)');
    expect(result.accepted.map((r) => [r.name, r.company, keys(r)])).toEqual([
      [
        'Pierre Martin',
        'Les Éditions Réunies',
        ['email:pierre.martin@editions.fr', 'phone:+33142685300', 'phone:+33612345678'],
      ],
      ['Zoë Van Dijk', null, ['email:zoe@vandijk.nl', 'phone:+31612345678']],
    ]);
  });
});
