import { describe, expect, it } from 'vitest';
import {
  applyCustom,
  checkValue,
  filterValue,
  type CustomFieldDefinition,
} from '../../../core/custom-fields.ts';

const field = (
  type: CustomFieldDefinition['type'],
  extra: Partial<CustomFieldDefinition> = {},
): CustomFieldDefinition => ({
  id: 1,
  entity: 'lead',
  key: type.replace('-', '_'),
  label: type,
  type,
  required: false,
  options: ['red', 'green'],
  sort: 0,
  ...extra,
});

describe('custom field values', () => {
  it('each type takes its values and keeps them in one canonical form', () => {
    const ok = (type: CustomFieldDefinition['type'], value: unknown) =>
      checkValue(field(type), value, 'ES');
    expect(ok('string', ' hi ')).toEqual({ ok: true, value: 'hi' });
    expect(ok('string', 'two\nlines').ok).toBe(false);
    expect(ok('text', 'two\nlines')).toEqual({ ok: true, value: 'two\nlines' });
    expect(ok('number', 3.5)).toEqual({ ok: true, value: 3.5 });
    expect(ok('number', '3.5').ok).toBe(false);
    expect(ok('number', Number.NaN).ok).toBe(false);
    expect(ok('money', { amount: 10, currency: 'usd' })).toEqual({
      ok: true,
      value: { amount: 10, currency: 'USD' },
    });
    expect(ok('money', { amount: 10, currency: 'dollars' }).ok).toBe(false);
    expect(ok('date', '2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(ok('date', '2026-02-29').ok).toBe(false);
    expect(ok('datetime', '2026-05-01T09:30:00+02:00')).toEqual({
      ok: true,
      value: '2026-05-01T07:30:00.000Z',
    });
    expect(ok('datetime', '2026-05-01 09:30').ok).toBe(false);
    expect(ok('boolean', false)).toEqual({ ok: true, value: false });
    expect(ok('boolean', 'false').ok).toBe(false);
    expect(ok('list', 'red')).toEqual({ ok: true, value: 'red' });
    expect(ok('list', 'blue').ok).toBe(false);
    expect(ok('multi-list', ['red', 'green', 'red'])).toEqual({
      ok: true,
      value: ['red', 'green'],
    });
    expect(ok('multi-list', ['red', 'blue']).ok).toBe(false);
    expect(ok('url', 'https://example.com/a b')).toEqual({
      ok: true,
      value: 'https://example.com/a%20b',
    });
    expect(ok('url', 'javascript:alert(1)').ok).toBe(false);
    expect(ok('email', 'ana@example.com').ok).toBe(true);
    expect(ok('email', 'not an address').ok).toBe(false);
    expect(ok('phone', '600 123 456')).toEqual({ ok: true, value: '+34600123456' });
    expect(ok('phone', '12').ok).toBe(false);
  });

  it('applies changes: null removes, unknown keys and empty required fields are problems', () => {
    const fields = [
      field('string', { key: 'note' }),
      field('list', { key: 'colour', required: true }),
    ];
    expect(applyCustom(fields, { colour: 'red', note: 'x' }, { note: null }, undefined)).toEqual({
      values: { colour: 'red' },
      problems: [],
    });
    const checked = applyCustom(fields, {}, { nope: 1, note: 'y' }, undefined);
    expect(checked.problems.map((p) => p.path)).toEqual(['custom.nope', 'custom.colour']);
  });

  it('reads filter values from a query string in the same canonical form', () => {
    expect(filterValue(field('number'), '42', undefined)).toBe(42);
    expect(filterValue(field('number'), 'x', undefined)).toBeUndefined();
    expect(filterValue(field('boolean'), 'true', undefined)).toBe(true);
    expect(filterValue(field('phone'), '600123456', 'ES')).toBe('+34600123456');
    expect(filterValue(field('list'), 'green', undefined)).toBe('green');
    expect(filterValue(field('money'), '10', undefined)).toBeUndefined();
  });
});
