import { describe, expect, it } from 'vitest';
import type { CustomFieldDefinition } from '../../../../core/custom-fields.ts';
import type { ImportTarget } from '../../../../core/import/mapping.ts';
import { cleanCell, readRow } from '../../../../core/import/rows.ts';
import type { ReadRowOptions } from '../../../../core/import/rows.ts';

const custom = (
  key: string,
  type: CustomFieldDefinition['type'],
  extra: Partial<CustomFieldDefinition> = {},
): CustomFieldDefinition => ({
  id: 1,
  entity: 'client',
  key,
  label: key,
  type,
  required: false,
  options: [],
  sort: 0,
  ...extra,
});

const CLIENT: ReadRowOptions = { entity: 'client', defaultCountry: 'ES', customFields: [] };

function read(columns: Record<string, [ImportTarget, string]>, options = CLIENT) {
  const headers = Object.keys(columns);
  const entries = Object.values(columns);
  return readRow(
    entries.map(([, value]) => value),
    headers,
    entries.map(([target]) => target),
    options,
  );
}

function reasonOf(result: ReturnType<typeof readRow>): string {
  return result.ok ? 'accepted' : result.reason;
}

describe('readRow', () => {
  it('joins a split name and reads every identity column', () => {
    const result = read(
      {
        Имя: ['first_name', ' Иван '],
        Отчество: ['middle_name', 'Иванович'],
        Фамилия: ['last_name', 'Петров'],
        'Рабочий телефон': ['phone', '+7 (495) 123-45-67'],
        'Мобильный телефон': ['phone', '8 916 123-45-67, +7 495 123 45 67'],
        'E-mail': ['email', 'Ivan.Petrov@Romashka.ru'],
        Telegram: ['telegram', '123456789'],
        Ответственный: ['responsible', 'Смирнова Анна'],
      },
      { ...CLIENT, defaultCountry: 'RU' },
    );
    expect(result).toEqual({
      ok: true,
      record: {
        kind: 'contact',
        name: 'Иван Иванович Петров',
        company: null,
        identities: [
          { kind: 'phone', key: 'phone:+74951234567', raw: '+7 (495) 123-45-67' },
          { kind: 'phone', key: 'phone:+79161234567', raw: '8 916 123-45-67' },
          { kind: 'email', key: 'email:ivan.petrov@romashka.ru', raw: 'Ivan.Petrov@Romashka.ru' },
          { kind: 'telegram', key: 'telegram:123456789', raw: '123456789' },
        ],
        responsible: 'Смирнова Анна',
        custom: {},
        title: null,
        comment: null,
      },
    });
  });

  it('splits cells on , ; / and line breaks', () => {
    const result = read({
      Correo: ['email', 'a@example.com; b@example.com / c@example.com\nd@example.com'],
    });
    expect(result.ok && result.record.identities.map((identity) => identity.key)).toEqual([
      'email:a@example.com',
      'email:b@example.com',
      'email:c@example.com',
      'email:d@example.com',
    ]);
  });

  it('refuses an invalid address, number or Telegram id, naming the column and value', () => {
    expect(reasonOf(read({ Nombre: ['name', 'Ana'], Teléfono: ['phone', '+34 12'] }))).toBe(
      'Teléfono: "+34 12" is not a valid phone number',
    );
    expect(reasonOf(read({ Email: ['email', 'ana@example.com, ana(at)example.com'] }))).toBe(
      'Email: "ana(at)example.com" is not an email address',
    );
    expect(reasonOf(read({ Telegram: ['telegram', '@ana'] }))).toBe(
      'Telegram: "@ana" is not a Telegram user id',
    );
  });

  it('makes a row with a company and no person a company', () => {
    const company = read({
      Empresa: ['company', 'Construcciones Peña S.L.'],
      Nombre: ['name', ''],
    });
    expect(
      company.ok && [company.record.kind, company.record.name, company.record.company],
    ).toEqual(['company', null, 'Construcciones Peña S.L.']);
    const person = read({ Empresa: ['company', 'Globex'], Nombre: ['name', 'Ana'] });
    expect(person.ok && person.record.kind).toBe('contact');
  });

  it('follows a kind column in English, Russian or Spanish, and refuses other words', () => {
    const kinds = [
      'Company',
      'компания',
      'Empresa',
      'ЮР. ЛИЦО',
      'contact',
      'Контакт',
      'contacto',
      '',
    ];
    expect(
      kinds.map((kind) => {
        const result = read({ Tipo: ['kind', kind], Nombre: ['name', 'Acme'] });
        return result.ok && [result.record.kind, result.record.name, result.record.company];
      }),
    ).toEqual([
      ['company', null, 'Acme'],
      ['company', null, 'Acme'],
      ['company', null, 'Acme'],
      ['company', null, 'Acme'],
      ['contact', 'Acme', null],
      ['contact', 'Acme', null],
      ['contact', 'Acme', null],
      ['contact', 'Acme', null],
    ]);
    expect(reasonOf(read({ Tipo: ['kind', 'Partner'], Nombre: ['name', 'Acme'] }))).toBe(
      'Tipo: "Partner" is not a kind; write contact or company',
    );
  });

  it('refuses a row with neither a name, a company nor an identity', () => {
    expect(reasonOf(read({ Nombre: ['name', '  '], Notas: ['skip', 'something'] }))).toBe(
      'the row has no name, company, email, phone or Telegram',
    );
    expect(read({ Teléfono: ['phone', '612 34 56 78'] }).ok).toBe(true);
  });

  it('ignores values past the headers and reads missing ones as empty', () => {
    const result = readRow(['Ana'], ['Nombre', 'Teléfono'], ['name', 'phone'], CLIENT);
    expect(result.ok && result.record.identities).toEqual([]);
    const extra = readRow(
      ['Ana', '612345678', 'x', 'y'],
      ['Nombre', 'Teléfono'],
      ['name', 'phone'],
      CLIENT,
    );
    expect(extra.ok && extra.record.identities.length).toBe(1);
  });

  it('unwraps Excel text formulas and our own formula guard', () => {
    const result = read({ Tel: ['phone', '="+34600123456"'], Nombre: ['name', "'=Ana"] });
    expect(result.ok && [result.record.identities[0]?.key, result.record.name]).toEqual([
      'phone:+34600123456',
      '=Ana',
    ]);
    expect(cleanCell('="say ""hi"""')).toBe('say "hi"');
    expect(cleanCell(" '+34 600 ")).toBe('+34 600');
    expect(cleanCell('—')).toBe('');
  });

  it('refuses a cell over 1,000 characters, a comment over 10,000', () => {
    expect(reasonOf(read({ Nombre: ['name', 'a'.repeat(1001)] }))).toBe(
      'Nombre: the value is 1,001 characters long, at most 1,000 are allowed',
    );
    const lead = { ...CLIENT, entity: 'lead' as const };
    expect(read({ Nombre: ['name', 'Ana'], Notas: ['comment', 'a'.repeat(5000)] }, lead).ok).toBe(
      true,
    );
    expect(
      reasonOf(read({ Nombre: ['name', 'Ana'], Notas: ['comment', 'a'.repeat(10_001)] }, lead)),
    ).toMatch(/^Notas: the value is 10,001 characters long/);
  });

  it('keeps title and comment for leads only', () => {
    const columns: Record<string, [ImportTarget, string]> = {
      Name: ['name', 'Ana'],
      Title: ['title', 'Quote for 20 seats'],
      Comment: ['comment', 'Called twice'],
    };
    const lead = read(columns, { ...CLIENT, entity: 'lead' });
    expect(lead.ok && [lead.record.title, lead.record.comment]).toEqual([
      'Quote for 20 seats',
      'Called twice',
    ]);
    const client = read(columns);
    expect(client.ok && [client.record.title, client.record.comment]).toEqual([null, null]);
  });

  it('reads custom values into their canonical form', () => {
    const fields = [
      custom('seats', 'number'),
      custom('vip', 'boolean'),
      custom('since', 'date'),
      custom('budget', 'money'),
      custom('region', 'list', { options: ['Madrid', 'Cataluña'] }),
      custom('channels', 'multi-list', { options: ['Phone', 'WhatsApp'] }),
      custom('backup', 'phone'),
    ];
    const result = read(
      {
        Seats: ['custom:seats', '1 234,5'],
        VIP: ['custom:vip', 'Sí'],
        Since: ['custom:since', '31.12.2024'],
        Budget: ['custom:budget', '1 500,50 €'],
        Region: ['custom:region', 'cataluna'],
        Channels: ['custom:channels', 'whatsapp; phone'],
        Backup: ['custom:backup', '612 34 56 78'],
        Name: ['name', 'Ana'],
      },
      { ...CLIENT, customFields: fields },
    );
    expect(result.ok && result.record.custom).toEqual({
      seats: 1234.5,
      vip: true,
      since: '2024-12-31',
      budget: { amount: 1500.5, currency: 'EUR' },
      region: 'Cataluña',
      channels: ['WhatsApp', 'Phone'],
      backup: '+34612345678',
    });
  });

  it('refuses a custom value that fails its check, or a required one left empty', () => {
    const fields = [
      custom('region', 'list', { options: ['Madrid', 'Cataluña'], label: 'Región' }),
      custom('seats', 'number', { required: true, label: 'Seats' }),
      custom('backup', 'phone'),
    ];
    const options = { ...CLIENT, customFields: fields };
    expect(
      reasonOf(read({ Name: ['name', 'Ana'], R: ['custom:region', 'Galicia'] }, options)),
    ).toBe('R: "Galicia" is not one of: Madrid, Cataluña');
    expect(reasonOf(read({ Name: ['name', 'Ana'], S: ['custom:seats', 'many'] }, options))).toBe(
      'S: "many" is not a number',
    );
    expect(reasonOf(read({ Name: ['name', 'Ana'], S: ['custom:seats', ''] }, options))).toBe(
      'S: Seats is required',
    );
    expect(reasonOf(read({ Name: ['name', 'Ana'], B: ['custom:backup', '12'] }, options))).toBe(
      'B: "12" is not a valid phone number',
    );
    expect(reasonOf(read({ Name: ['name', 'Ana'], X: ['custom:nope', '1'] }, options))).toBe(
      'X: there is no custom field nope for a client',
    );
  });
});
