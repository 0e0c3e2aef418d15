/** Reads a custom field's value from the text of a spreadsheet cell, before `checkValue`. */

import { checkValue } from '../custom-fields.ts';
import type { CustomFieldDefinition } from '../custom-fields.ts';
import { normaliseHeader } from './header-names.ts';

type Checked = ReturnType<typeof checkValue>;

const TRUE = new Set(['true', 'yes', 'y', '1', 'да', 'д', 'si', 'verdadero', 'x', '✓']);
const FALSE = new Set(['false', 'no', 'n', '0', 'нет', 'н', 'falso']);

// Symbols and words spreadsheets put beside amounts, as ISO 4217 codes.
const CURRENCY_SIGNS: Record<string, string> = {
  '€': 'EUR',
  $: 'USD',
  '£': 'GBP',
  '₽': 'RUB',
  руб: 'RUB',
  р: 'RUB',
};

/**
 * The canonical value of `text` for `field`, or why it is not one. Spreadsheets write numbers
 * with spaces and decimal commas (`1 234,5`), booleans as words (`Да`, `Sí`, `yes`), dates
 * day first (`31.12.2025`, `31/12/2025` — never month first, as in the files this reads),
 * amounts with a sign (`1 500 €`) and list options in any case.
 */
export function readCustomValue(
  field: Pick<CustomFieldDefinition, 'type' | 'options'>,
  text: string,
  country: string | undefined,
): Checked {
  switch (field.type) {
    case 'number':
      return checkValue(field, parseNumber(text) ?? text, country);
    case 'boolean': {
      const word = normaliseHeader(text) || text;
      const value = TRUE.has(word) ? true : FALSE.has(word) ? false : text;
      return checkValue(field, value, country);
    }
    case 'date':
      return checkValue(field, parseDate(text) ?? text, country);
    case 'datetime':
      // `2025-12-31 09:30:00+01:00` as spreadsheets write an ISO date and time.
      return checkValue(field, text.replace(/^(\d{4}-\d{2}-\d{2}) (?=\d)/, '$1T'), country);
    case 'money': {
      const money = parseMoney(text);
      return money
        ? checkValue(field, money, country)
        : { ok: false, message: 'an amount with its currency, e.g. 1500 EUR or 1 500,50 €' };
    }
    case 'list':
      return checkValue(field, optionOf(field.options, text), country);
    case 'multi-list': {
      const items = text
        .split(/[,;|\n]/)
        .map((item) => item.trim())
        .filter(Boolean);
      return checkValue(
        field,
        items.map((item) => optionOf(field.options, item)),
        country,
      );
    }
    default:
      return checkValue(field, text, country);
  }
}

/** The option written the same way but for case and accents; the text itself if none. */
function optionOf(options: string[], text: string): string {
  const wanted = normaliseHeader(text);
  return options.find((option) => normaliseHeader(option) === wanted) ?? text;
}

/**
 * `1234.5`, `1 234,5`, `1.234,5`, `1,234.5`, `-12`: when both separators appear the last one
 * is the decimal one; a lone comma is decimal (the European and Russian way).
 */
export function parseNumber(text: string): number | undefined {
  let digits = text.replace(/[\s\u00a0\u202f']/g, '');
  if (!/^[+-]?[\d.,]+$/.test(digits)) return undefined;
  const comma = digits.lastIndexOf(',');
  const dot = digits.lastIndexOf('.');
  if (comma >= 0 && dot >= 0) {
    const [thousands, decimal] = comma > dot ? [/\./g, ','] : [/,/g, '.'];
    digits = digits.replace(thousands, '').replace(decimal, '.');
  } else if (comma >= 0) {
    digits = digits.split(',').length === 2 ? digits.replace(',', '.') : digits.replace(/,/g, '');
  } else if (digits.split('.').length > 2) {
    digits = digits.replace(/\./g, '');
  }
  const number = Number(digits);
  return Number.isFinite(number) ? number : undefined;
}

function parseDate(text: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  const match = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(text);
  if (!match) return undefined;
  const [, day = '', month = '', year = ''] = match;
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

function parseMoney(text: string): { amount: number; currency: string } | undefined {
  const match = /^([^\d\s+-]*)\s*([+-]?[\d\s\u00a0.,']+?)\s*([^\d\s.]*)\.?$/u.exec(text.trim());
  if (!match) return undefined;
  const [, before = '', number = '', after = ''] = match;
  const sign = (before || after).toLowerCase();
  const currency = CURRENCY_SIGNS[sign] ?? (/^[a-z]{3}$/.test(sign) ? sign.toUpperCase() : '');
  const amount = parseNumber(number);
  return currency && amount !== undefined ? { amount, currency } : undefined;
}
