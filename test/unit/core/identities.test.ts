import { describe, expect, it } from 'vitest';
import {
  normaliseEmail,
  normaliseIdentity,
  normalisePhone,
  telegramIdentity,
  uniqueIdentities,
} from '../../../core/identities.ts';
import type { Identity, Normalised } from '../../../core/identities.ts';

/** The key of a successful result; fails the test with the reason otherwise. */
function keyOf(result: Normalised): string {
  if (!result.ok) throw new Error(`expected an identity, got: ${result.reason} (${result.raw})`);
  return result.identity.key;
}

describe('normaliseEmail', () => {
  it('trims, lower-cases and keeps the address as written for replies', () => {
    expect(normaliseEmail('  Ana.Lopez@Example.COM \n')).toEqual({
      ok: true,
      identity: { kind: 'email', key: 'email:ana.lopez@example.com', raw: 'Ana.Lopez@Example.COM' },
    });
  });

  it('treats composed and decomposed accents as the same address', () => {
    const composed = 'jos\u00e9@example.com';
    const decomposed = 'jose\u0301@example.com';
    expect(composed).not.toBe(decomposed);
    expect(keyOf(normaliseEmail(decomposed))).toBe(`email:${composed}`);
    expect(keyOf(normaliseEmail(composed))).toBe(`email:${composed}`);
  });

  it('converts an internationalised domain to ASCII', () => {
    expect(keyOf(normaliseEmail('ana@münchen.de'))).toBe('email:ana@xn--mnchen-3ya.de');
    expect(keyOf(normaliseEmail('ana@MÜNCHEN.de'))).toBe('email:ana@xn--mnchen-3ya.de');
    expect(keyOf(normaliseEmail('ana@xn--mnchen-3ya.de'))).toBe('email:ana@xn--mnchen-3ya.de');
  });

  it('removes a +tag on any domain', () => {
    expect(keyOf(normaliseEmail('ana+news@example.com'))).toBe('email:ana@example.com');
    expect(keyOf(normaliseEmail('ana+a+b@corp.es'))).toBe('email:ana@corp.es');
    expect(keyOf(normaliseEmail('Ana.Lopez+Shop@Gmail.com'))).toBe('email:analopez@gmail.com');
  });

  it('keeps a leading + as the whole local part rather than leaving it empty', () => {
    expect(keyOf(normaliseEmail('+sales@example.com'))).toBe('email:+sales@example.com');
  });

  it('ignores dots for gmail.com and folds googlemail.com into gmail.com', () => {
    expect(keyOf(normaliseEmail('a.n.a@gmail.com'))).toBe('email:ana@gmail.com');
    expect(keyOf(normaliseEmail('A.Na@GoogleMail.com'))).toBe('email:ana@gmail.com');
    expect(keyOf(normaliseEmail('ana@googlemail.com'))).toBe('email:ana@gmail.com');
  });

  it('keeps dots for other domains', () => {
    expect(keyOf(normaliseEmail('a.n.a@example.com'))).toBe('email:a.n.a@example.com');
    expect(keyOf(normaliseEmail('a.n.a@gmail.co.uk'))).toBe('email:a.n.a@gmail.co.uk');
    expect(keyOf(normaliseEmail('a.n.a@mail.gmail.com'))).toBe('email:a.n.a@mail.gmail.com');
  });

  it('strips a surrounding mailto: (and its query) from both key and raw', () => {
    expect(normaliseEmail(' MAILTO:Ana@Example.com?subject=Hi ')).toEqual({
      ok: true,
      identity: { kind: 'email', key: 'email:ana@example.com', raw: 'Ana@Example.com' },
    });
    expect(keyOf(normaliseEmail('mailto:ana@example.com'))).toBe('email:ana@example.com');
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['ana', 'no @'],
    ['ana@@example.com', 'two @ in a row'],
    ['ana@b@example.com', 'two @'],
    ['@example.com', 'empty local part'],
    ['ana@', 'empty domain'],
    ['ana@localhost', 'domain without a dot'],
    ['ana@example..com', 'empty domain label'],
    ['ana@.example.com', 'leading dot in domain'],
    ['ana@example.com.', 'trailing dot in domain'],
    ['ana lopez@example.com', 'whitespace in local part'],
    ['ana@exam ple.com', 'whitespace in domain'],
    ['Ana <ana@example.com>', 'display name'],
    ['<ana@example.com>', 'angle brackets'],
    ['mailto:', 'mailto without an address'],
    ['.@gmail.com', 'gmail local part of dots only'],
  ])('rejects %j (%s)', (input) => {
    expect(normaliseEmail(input)).toEqual({
      ok: false,
      raw: input.trim(),
      reason: 'not an email address',
    });
  });

  it('rejects addresses longer than 254 characters and accepts 254', () => {
    const domain = '@example.com';
    const fits = 'a'.repeat(254 - domain.length) + domain;
    expect(fits).toHaveLength(254);
    expect(normaliseEmail(fits).ok).toBe(true);
    expect(normaliseEmail('a' + fits).ok).toBe(false);
  });
});

describe('normalisePhone', () => {
  it('reads the Spanish international, 00-prefixed and national forms as one number', () => {
    for (const input of ['+34600123456', '0034 600 123 456', '(600) 123-456', '+34 600-12-34-56']) {
      expect(keyOf(normalisePhone(input, 'ES')), input).toBe('phone:+34600123456');
    }
  });

  it('keeps the number as written for display', () => {
    expect(normalisePhone(' (600) 123-456 ', 'ES')).toEqual({
      ok: true,
      identity: { kind: 'phone', key: 'phone:+34600123456', raw: '(600) 123-456' },
    });
  });

  it('reads a 00-prefixed number whatever the default country', () => {
    for (const country of [undefined, 'RU', 'US', 'GB']) {
      expect(keyOf(normalisePhone('0034 600 123 456', country)), String(country)).toBe(
        'phone:+34600123456',
      );
    }
  });

  it('reads the Russian 8-prefix national form', () => {
    expect(keyOf(normalisePhone('8 (912) 345-67-89', 'RU'))).toBe('phone:+79123456789');
    expect(keyOf(normalisePhone('+7 912 345 67 89', 'RU'))).toBe('phone:+79123456789');
  });

  it('accepts a lower-case default country', () => {
    expect(keyOf(normalisePhone('8 (912) 345-67-89', 'ru'))).toBe('phone:+79123456789');
  });

  it('ignores an unknown default country instead of rejecting international numbers', () => {
    expect(keyOf(normalisePhone('+34 600 123 456', 'XX'))).toBe('phone:+34600123456');
    expect(normalisePhone('600 123 456', 'XX').ok).toBe(false);
  });

  it('ignores extensions', () => {
    expect(keyOf(normalisePhone('+34 600 123 456 ext. 12'))).toBe('phone:+34600123456');
    expect(keyOf(normalisePhone('(600) 123-456 x7', 'ES'))).toBe('phone:+34600123456');
  });

  it('needs a + or a default country to place a national number', () => {
    expect(normalisePhone('600 123 456')).toEqual({
      ok: false,
      raw: '600 123 456',
      reason: 'not a valid phone number',
    });
    expect(keyOf(normalisePhone('600 123 456', 'ES'))).toBe('phone:+34600123456');
  });

  it.each<[string, string | undefined, string]>([
    ['', 'ES', 'empty'],
    ['   ', 'ES', 'blank'],
    ['abc', 'ES', 'letters'],
    ['call me', undefined, 'letters only'],
    ['+34 600 12', 'ES', 'too short'],
    ['12', 'ES', 'two digits'],
    ['+34 600 123 456 789 012', 'ES', 'too long'],
    ['+7 912 345 67', 'RU', 'missing digits'],
    ['0034 600', undefined, '00 prefix but too short'],
    ['1-800-FLOWERS', 'US', 'vanity letters'],
  ])('rejects %j with %s (%s)', (input, country) => {
    expect(normalisePhone(input, country)).toEqual({
      ok: false,
      raw: input.trim(),
      reason: 'not a valid phone number',
    });
  });
});

describe('telegramIdentity', () => {
  it('keys on the numeric id and shows the username', () => {
    expect(telegramIdentity(123456789, 'ana_lopez')).toEqual({
      ok: true,
      identity: { kind: 'telegram', key: 'telegram:123456789', raw: '@ana_lopez' },
    });
  });

  it('shows the id when there is no username, and does not double an @', () => {
    expect(telegramIdentity(123456789)).toEqual({
      ok: true,
      identity: { kind: 'telegram', key: 'telegram:123456789', raw: '123456789' },
    });
    expect(telegramIdentity(42, '')).toMatchObject({ identity: { raw: '42' } });
    expect(telegramIdentity(42, '@ana')).toMatchObject({ identity: { raw: '@ana' } });
  });

  it('gives the same key for a number and its decimal string', () => {
    expect(keyOf(telegramIdentity('5000000001'))).toBe(keyOf(telegramIdentity(5000000001)));
    expect(keyOf(telegramIdentity(' 5000000001 '))).toBe('telegram:5000000001');
  });

  it('accepts the largest safe integer', () => {
    expect(keyOf(telegramIdentity(Number.MAX_SAFE_INTEGER))).toBe(
      `telegram:${Number.MAX_SAFE_INTEGER}`,
    );
  });

  it.each([
    [0],
    [-5],
    [1.5],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [2 ** 53],
    [''],
    ['abc'],
    ['@ana'],
    ['0123'],
    ['12e3'],
    ['-42'],
    ['99999999999999999999'],
  ])('rejects %j', (input) => {
    const result = telegramIdentity(input, 'ana');
    expect(result).toMatchObject({ ok: false, reason: 'not a Telegram user id' });
  });
});

describe('normaliseIdentity', () => {
  it('dispatches on the kind', () => {
    expect(keyOf(normaliseIdentity('email', 'A.N.A@googlemail.com'))).toBe('email:ana@gmail.com');
    expect(keyOf(normaliseIdentity('phone', '8 912 345-67-89', 'RU'))).toBe('phone:+79123456789');
    expect(keyOf(normaliseIdentity('telegram', '123456789'))).toBe('telegram:123456789');
  });

  it('passes the default country to phones only', () => {
    expect(normaliseIdentity('phone', '600 123 456').ok).toBe(false);
    expect(keyOf(normaliseIdentity('phone', '600 123 456', 'ES'))).toBe('phone:+34600123456');
  });

  it('does not read a value as another kind', () => {
    expect(normaliseIdentity('email', '+34600123456').ok).toBe(false);
    expect(normaliseIdentity('phone', 'ana@example.com', 'ES').ok).toBe(false);
    expect(normaliseIdentity('telegram', '+34600123456').ok).toBe(false);
  });
});

describe('uniqueIdentities', () => {
  const email = (key: string, raw: string): Identity => ({ kind: 'email', key, raw });

  it('keeps the first entry for each key, in order', () => {
    const list = [
      email('email:ana@gmail.com', 'a.na@gmail.com'),
      { kind: 'phone', key: 'phone:+34600123456', raw: '600 123 456' } satisfies Identity,
      email('email:ana@gmail.com', 'ana@googlemail.com'),
      email('email:bob@example.com', 'bob@example.com'),
      { kind: 'phone', key: 'phone:+34600123456', raw: '+34600123456' } satisfies Identity,
    ];
    expect(uniqueIdentities(list)).toEqual([list[0], list[1], list[3]]);
  });

  it('returns an empty list for an empty list and does not change its input', () => {
    expect(uniqueIdentities([])).toEqual([]);
    const list = [email('email:a@b.com', 'a@b.com'), email('email:a@b.com', 'A@B.com')];
    uniqueIdentities(list);
    expect(list).toHaveLength(2);
  });
});
