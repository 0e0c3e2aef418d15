import { describe, expect, it } from 'vitest';
import { companyKey, emailDomain } from '../../../../core/duplicates/companies.ts';

describe('companyKey', () => {
  it.each([
    ['ООО «Ромашка»', 'Romashka LLC'],
    ['Общество с ограниченной ответственностью «Ромашка»', 'ROMASHKA, L.L.C.'],
    ['ПАО «Газпром»', 'Gazprom PAO'],
    ['АО "Лаборатория Касперского"', 'Laboratoriia Kasperskogo'],
    ['ТОВ «Світанок»', 'Svitanok Ltd'],
    ['ИП Иванов', 'Ivanov'],
    ['Acme, Inc.', 'ACME Incorporated'],
    ['Acme Corp.', 'acme corporation'],
    ['Acme Ltd', 'Acme Limited'],
    ['Acme Pty Ltd', 'Acme'],
    ['Acme PLC', 'Acme LLP'],
    ['Müller GmbH & Co. KG', 'MÜLLER'],
    ['Siemens AG', 'Siemens'],
    ['Telefónica, S.A.', 'Telefonica SA'],
    ['Mercadona S.L.', 'Mercadona, S.L.U.'],
    ['Société Générale S.A.S.', 'Societe Generale SARL'],
    ['Ferrari S.p.A.', 'Ferrari SpA'],
    ['Fiat S.R.L.', 'Fiat srl'],
    ['Philips N.V.', 'Philips B.V.'],
    ['Nokia Oyj', 'Nokia Oy'],
    ['AB Volvo', 'Volvo AB'],
    ['Equinor ASA', 'Equinor AS'],
    ['Lego ApS', 'LEGO'],
    ['Firma Sp. z o.o.', 'Firma'],
    ['Koç Holding A.Ş.', 'Koc Holding'],
    ['Johnson & Johnson', 'Johnson and Johnson'],
    ['The Coca-Cola Company', 'Coca Cola Co.'],
    ['"Apple" Inc', '«Apple»'],
    ["L'Oréal S.A.", 'Loreal'],
  ])('%s equals %s', (a, b) => {
    expect(companyKey(a)).not.toBeNull();
    expect(companyKey(a)).toBe(companyKey(b));
  });

  it.each([
    ['ООО «Ромашка»', 'romashka'],
    ['Banco Santander, S.A.', 'banco santander'],
    ['A.B.C. Trading Ltd', 'abc trading'],
    ['3M Co.', '3m'],
  ])('%s → %s', (title, key) => {
    expect(companyKey(title)).toBe(key);
  });

  it('strips only the forms that are written before a name from the start', () => {
    expect(companyKey('Co-op Group')).toBe('co op group');
    expect(companyKey('Limited Brands Inc')).toBe('limited brands');
  });

  it('keeps different companies apart', () => {
    expect(companyKey('Acme Inc')).not.toBe(companyKey('Acme Trading Inc'));
    expect(companyKey('Ромашка')).not.toBe(companyKey('Лютик'));
  });

  it('keeps a title that is only a legal form, and is null without a title', () => {
    expect(companyKey('LLC')).toBe('llc');
    for (const title of [null, undefined, '', '  ', '«»', '&'])
      expect(companyKey(title)).toBeNull();
  });
});

describe('emailDomain', () => {
  it.each([
    ['email:ana@acme.es', 'acme.es'],
    ['email:ivan@romashka.ru', 'romashka.ru'],
    ['email:x@livenation.com', 'livenation.com'],
    ['email:x@sales.acme.co.uk', 'sales.acme.co.uk'],
    ['email:x@yahoo.acme.com', 'yahoo.acme.com'],
  ])('%s is the company domain %s', (key, domain) => {
    expect(emailDomain(key)).toBe(domain);
  });

  it.each([
    'email:ana@gmail.com',
    'email:ana@googlemail.com',
    'email:ana@yahoo.com',
    'email:ana@yahoo.co.uk',
    'email:ana@yahoo.es',
    'email:ana@hotmail.com',
    'email:ana@hotmail.fr',
    'email:ana@outlook.com',
    'email:ana@outlook.com.ar',
    'email:ana@live.com',
    'email:ana@icloud.com',
    'email:ana@me.com',
    'email:ivan@mail.ru',
    'email:ivan@yandex.ru',
    'email:ivan@ya.ru',
    'email:ivan@yandex.com',
    'email:hans@gmx.de',
    'email:hans@gmx.net',
    'email:hans@web.de',
    'email:ana@proton.me',
    'email:ana@protonmail.com',
    'email:ana@aol.com',
    'email:li@qq.com',
    'email:li@163.com',
    'email:ana@zoho.com',
    'email:ana@hey.com',
    'email:olena@ukr.net',
  ])('%s is free mail', (key) => {
    expect(emailDomain(key)).toBeNull();
  });

  it('is null for other identities and malformed keys', () => {
    for (const key of ['phone:+34600123456', 'telegram:42', 'email:nobody', 'email:a@localhost']) {
      expect(emailDomain(key)).toBeNull();
    }
  });
});
