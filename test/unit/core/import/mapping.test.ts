import { describe, expect, it } from 'vitest';
import type { CustomFieldDefinition } from '../../../../core/custom-fields.ts';
import {
  describeMapping,
  parseMapOption,
  suggestMapping,
  targetsOf,
} from '../../../../core/import/mapping.ts';

const field = (entity: 'client' | 'lead', key: string, label: string): CustomFieldDefinition => ({
  id: 1,
  entity,
  key,
  label,
  type: 'string',
  required: false,
  options: [],
  sort: 0,
});
const REGION = field('client', 'region', 'Región');
const BUDGET = field('lead', 'budget', 'Presupuesto');

describe('targetsOf', () => {
  it('gives title and comment to leads only, and the entity’s custom fields', () => {
    const client = targetsOf('client', [REGION, BUDGET]);
    expect(client).toContain('custom:region');
    expect(client).not.toContain('custom:budget');
    expect(client).not.toContain('title');
    expect(client[0]).toBe('skip');
    const lead = targetsOf('lead', [REGION, BUDGET]);
    expect(lead).toEqual(expect.arrayContaining(['title', 'comment', 'custom:budget']));
    expect(lead).not.toContain('custom:region');
  });
});

describe('suggestMapping', () => {
  it('reads a Bitrix24 contact export', () => {
    const headers = [
      'ID',
      'Обращение',
      'Имя',
      'Отчество',
      'Фамилия',
      'Дата рождения',
      'Должность',
      'Компания',
      'Рабочий телефон',
      'Мобильный телефон',
      'Номер факса',
      'Домашний телефон',
      'Рабочий e-mail',
      'Частный e-mail',
      'Контакт Telegram',
      'Ответственный',
      'Тип контакта',
      'Комментарий',
    ];
    expect(suggestMapping(headers, 'client', [])).toEqual([
      'skip',
      'skip',
      'first_name',
      'middle_name',
      'last_name',
      'skip',
      'skip',
      'company',
      'phone',
      'phone',
      'skip',
      'phone',
      'email',
      'email',
      'telegram',
      'responsible',
      'skip',
      'skip',
    ]);
    expect(
      suggestMapping(['Название лида', 'Имя', 'Комментарий', 'Эл. почта'], 'lead', []),
    ).toEqual(['title', 'name', 'comment', 'email']);
  });

  it('reads HubSpot, Google Contacts and Outlook exports', () => {
    expect(
      suggestMapping(
        [
          'Record ID',
          'First Name',
          'Last Name',
          'Email',
          'Phone Number',
          'Mobile Phone Number',
          'Company Name',
          'Job Title',
          'Contact owner',
          'Marketing emails opened',
          'Email Domain',
        ],
        'client',
        [],
      ),
    ).toEqual([
      'skip',
      'first_name',
      'last_name',
      'email',
      'phone',
      'phone',
      'company',
      'skip',
      'responsible',
      'skip',
      'skip',
    ]);
    expect(
      suggestMapping(
        [
          'First Name',
          'Middle Name',
          'Last Name',
          'Organization Name',
          'Organization Title',
          'Notes',
          'E-mail 1 - Label',
          'E-mail 1 - Value',
          'Phone 1 - Type',
          'Phone 1 - Value',
        ],
        'lead',
        [],
      ),
    ).toEqual([
      'first_name',
      'middle_name',
      'last_name',
      'company',
      'skip',
      'comment',
      'skip',
      'email',
      'skip',
      'phone',
    ]);
    expect(
      suggestMapping(
        [
          'E-mail Address',
          'E-mail Display Name',
          'E-mail 2 Address',
          'Business Phone',
          'Business Fax',
          'Mobile Phone',
          'Pager',
        ],
        'client',
        [],
      ),
    ).toEqual(['email', 'skip', 'email', 'phone', 'skip', 'phone', 'skip']);
  });

  it('reads Spanish headers whatever their accents, case and punctuation', () => {
    expect(
      suggestMapping(
        [
          'NOMBRE',
          'apellidos',
          'Correo electrónico',
          'Telefono',
          'Móvil',
          'Empresa',
          'Responsable',
          'Notas',
          'Región',
          'Tipo',
        ],
        'client',
        [REGION],
      ),
    ).toEqual([
      'first_name',
      'last_name',
      'email',
      'phone',
      'phone',
      'company',
      'responsible',
      'skip',
      'custom:region',
      'kind',
    ]);
  });

  it('keeps a lone name column a whole name', () => {
    expect(suggestMapping(['Nombre', 'Teléfono'], 'client', [])).toEqual(['name', 'phone']);
    expect(suggestMapping(['Name', 'Given Name', 'Family Name'], 'client', [])).toEqual([
      'name',
      'first_name',
      'last_name',
    ]);
  });

  it('gives a single-use target to the first column only', () => {
    expect(suggestMapping(['Company', 'Empresa', 'Email', 'E-mail'], 'client', [])).toEqual([
      'company',
      'skip',
      'email',
      'email',
    ]);
  });

  it('matches custom fields by key and by label, before the built-in names', () => {
    const phone2 = field('client', 'phone', 'Teléfono');
    expect(suggestMapping(['region', 'teléfono'], 'client', [REGION, phone2])).toEqual([
      'custom:region',
      'custom:phone',
    ]);
    expect(suggestMapping(['Presupuesto'], 'client', [BUDGET])).toEqual(['skip']);
  });
});

describe('parseMapOption', () => {
  const headers = ['Nombre', 'Teléfono', 'Notas', 'Region', 'Móvil'];

  it('applies the changes over the suggestions', () => {
    expect(
      parseMapOption('Notas=comment, region=custom:budget', headers, 'lead', [BUDGET]),
    ).toEqual({
      ok: true,
      mapping: ['name', 'phone', 'comment', 'custom:budget', 'phone'],
    });
    expect(parseMapOption('telefono=skip,5=telegram', headers, 'client', [])).toEqual({
      ok: true,
      mapping: ['name', 'skip', 'skip', 'skip', 'telegram'],
    });
  });

  it('takes a single-use target from the column it was suggested for', () => {
    expect(parseMapOption('Notas=name', headers, 'client', [])).toEqual({
      ok: true,
      mapping: ['skip', 'phone', 'name', 'skip', 'phone'],
    });
  });

  it('says what is wrong and what is allowed', () => {
    const wrong = (text: string, entity: 'client' | 'lead' = 'client') => {
      const result = parseMapOption(text, headers, entity, []);
      return result.ok ? 'ok' : result.message;
    };
    expect(wrong('Fax=phone')).toBe(
      'there is no column "Fax"; the columns are: Nombre, Teléfono, Notas, Region, Móvil',
    );
    expect(wrong('Notas=comment')).toMatch(
      /^"comment" is not a target for a client; the targets are: skip, name, .*telegram, responsible$/,
    );
    expect(wrong('Notas')).toMatch(/not COLUMN=TARGET/);
    expect(wrong('Notas=name,Region=name')).toBe(
      'only one column can be name, and both "Notas" and "Region" are',
    );
    expect(wrong('Notas=skip,3=comment', 'lead')).toBe('column "Notas" is mapped twice');
    expect(wrong('9=phone')).toBe('there is no column 9: the file has 5 columns');
  });

  it('asks for a number when a name matches several columns', () => {
    const result = parseMapOption('phone=skip', ['Phone', 'phone'], 'client', []);
    expect(result).toEqual({ ok: true, mapping: ['phone', 'skip'] });
    const loose = parseMapOption('PHONE=skip', ['Phone', 'phone'], 'client', []);
    expect(loose).toEqual({
      ok: false,
      message: '"PHONE" names several columns: use its number (1–2)',
    });
  });
});

describe('describeMapping', () => {
  it('prints each column with its target', () => {
    expect(describeMapping(['Nombre', 'Teléfono', 'Notas'], ['name', 'phone', 'skip'])).toBe(
      'Nombre → name, Teléfono → phone, Notas → (skipped)',
    );
  });
});
