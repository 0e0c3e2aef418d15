import { describe, expect, it } from 'vitest';
import { duplicateReasons, isStrong } from '../../../../core/duplicates/reasons.ts';
import type { Comparable, DuplicateReason } from '../../../../core/duplicates/reasons.ts';

function record(kind: Comparable['kind'], fields: Partial<Comparable> = {}): Comparable {
  return { kind, name: null, company: null, identityKeys: [], ...fields };
}

describe('duplicateReasons', () => {
  it('gives one reason per shared identity key, phone first', () => {
    const a = record('contact', {
      identityKeys: ['telegram:42', 'email:ana@gmail.com', 'phone:+34600123456', 'email:a@x.es'],
    });
    const b = record('lead', {
      identityKeys: ['phone:+34600123456', 'telegram:42', 'email:ana@gmail.com', 'email:b@x.es'],
    });
    expect(duplicateReasons(a, b)).toEqual([
      { kind: 'phone', value: '+34600123456' },
      { kind: 'email', value: 'ana@gmail.com' },
      { kind: 'telegram', value: '42' },
    ]);
  });

  it('counts a key listed twice once and ignores unknown kinds', () => {
    const a = record('contact', { identityKeys: ['email:a@x.es', 'email:a@x.es', 'fax:123'] });
    const b = record('contact', { identityKeys: ['email:a@x.es', 'fax:123'] });
    expect(duplicateReasons(a, b)).toEqual([{ kind: 'email', value: 'a@x.es' }]);
  });

  it('gives a rounded name reason for similar contacts and leads', () => {
    const reasons = duplicateReasons(
      record('contact', { name: 'Ana García' }),
      record('lead', { name: 'Anna Garcia' }),
    );
    expect(reasons).toEqual([{ kind: 'name', score: 0.98 }]);
  });

  it('gives no name reason for different names, missing names or companies', () => {
    expect(
      duplicateReasons(
        record('contact', { name: 'John Smith' }),
        record('contact', { name: 'Jane Smith' }),
      ),
    ).toEqual([]);
    expect(duplicateReasons(record('contact', { name: 'Ana García' }), record('lead'))).toEqual([]);
    expect(
      duplicateReasons(
        record('company', { name: 'Ana García' }),
        record('contact', { name: 'Ana García' }),
      ),
    ).toEqual([]);
  });

  it('gives a company reason for equal company keys', () => {
    const reasons = duplicateReasons(
      record('company', { company: 'ООО «Ромашка»' }),
      record('lead', { company: 'Romashka LLC' }),
    );
    expect(reasons).toEqual([{ kind: 'company', value: 'romashka' }]);
    expect(
      duplicateReasons(
        record('company', { company: 'Acme' }),
        record('company', { company: 'Acme Trading' }),
      ),
    ).toEqual([]);
  });

  it('gives a domain reason only where a company is involved', () => {
    const acmeCompany = record('company', {
      company: 'Acme',
      identityKeys: ['email:info@acme.es'],
    });
    const acmeLead = record('lead', {
      company: 'Acme Iberia',
      identityKeys: ['email:ana@acme.es'],
    });
    const acmePerson = record('contact', { identityKeys: ['email:pedro@acme.es'] });
    const anonymousLead = record('lead', { identityKeys: ['email:luis@acme.es'] });
    const domain: DuplicateReason = { kind: 'domain', value: 'acme.es' };
    expect(duplicateReasons(acmeCompany, acmePerson)).toEqual([domain]);
    expect(duplicateReasons(acmeLead, acmePerson)).toEqual([domain]);
    expect(duplicateReasons(acmePerson, anonymousLead)).toEqual([]);
  });

  it('never gives a domain reason for free mail', () => {
    const company = record('company', { company: 'Acme', identityKeys: ['email:acme@gmail.com'] });
    const person = record('contact', { identityKeys: ['email:someone@gmail.com'] });
    expect(duplicateReasons(company, person)).toEqual([]);
  });

  it('sorts identities, then company, domain and name', () => {
    const a = record('lead', {
      name: 'Iuliia Ivanova',
      company: 'Romashka LLC',
      identityKeys: ['email:iuliia@romashka.ru', 'telegram:7'],
    });
    const b = record('lead', {
      name: 'Юлия Иванова',
      company: 'ООО «Ромашка»',
      identityKeys: ['email:yulia@romashka.ru', 'telegram:7'],
    });
    expect(duplicateReasons(a, b).map((reason) => reason.kind)).toEqual([
      'telegram',
      'company',
      'domain',
      'name',
    ]);
  });

  it('is symmetric', () => {
    const a = record('lead', { name: 'Petrov Ivan', company: 'Acme', identityKeys: ['phone:+1'] });
    const b = record('contact', {
      name: 'Ivan Ivanovich Petrov',
      company: 'ACME Inc.',
      identityKeys: ['phone:+1'],
    });
    expect(duplicateReasons(a, b)).toEqual(duplicateReasons(b, a));
  });
});

describe('isStrong', () => {
  it('is false without reasons and for a name alone', () => {
    expect(isStrong([])).toBe(false);
    expect(isStrong([{ kind: 'name', score: 0.99 }])).toBe(false);
  });

  it.each<DuplicateReason>([
    { kind: 'phone', value: '+34600123456' },
    { kind: 'email', value: 'ana@gmail.com' },
    { kind: 'telegram', value: '42' },
    { kind: 'company', value: 'romashka' },
    { kind: 'domain', value: 'acme.es' },
  ])('is true with a $kind reason', (reason) => {
    expect(isStrong([{ kind: 'name', score: 0.9 }, reason])).toBe(true);
  });
});

describe('colleagues', () => {
  it('are not duplicates for naming one company or sharing its work domain', () => {
    const ana = record('contact', {
      name: 'Ana García',
      company: 'Acme S.L.',
      identityKeys: ['email:ana@acme.es'],
    });
    const pedro = record('contact', {
      name: 'Pedro Sánchez',
      company: 'ACME',
      identityKeys: ['email:pedro@acme.es'],
    });
    expect(duplicateReasons(ana, pedro)).toEqual([]);
  });

  it('are the same person when the names agree too', () => {
    const ana = record('contact', {
      name: 'Ana García',
      company: 'Acme S.L.',
      identityKeys: ['email:ana@acme.es'],
    });
    const anna = record('lead', {
      name: 'Anna Garcia',
      company: 'ACME',
      identityKeys: ['email:agarcia@acme.es'],
    });
    expect(duplicateReasons(ana, anna).map((reason) => reason.kind)).toEqual([
      'company',
      'domain',
      'name',
    ]);
  });
});
