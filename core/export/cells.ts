/** How one value becomes one CSV cell: dates in UTC, custom values readable, no formulas. */
import type { CustomFieldDefinition } from '../custom-fields.ts';
import type { IdentityView } from '../repositories/leads.ts';

/** A cell as written: numbers stay numbers (a spreadsheet sums them), everything else is text. */
export type Cell = string | number;

/**
 * CSV formula injection: a spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell that starts
 * with `=`, `+`, `-` or `@` as a formula — and a tab or carriage return can hide such a start — so
 * a customer who writes `=HYPERLINK(…)` as their name could run it on the operator's machine. Such
 * a text cell gets a leading apostrophe, which the spreadsheet shows as text and does not display
 * (OWASP's advice). Only text: a number written as a number is no formula.
 */
export function guardFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** ISO 8601 in UTC, to the millisecond; empty when there is no date. */
export const isoUtc = (date: Date | null | undefined): string => (date ? date.toISOString() : '');

/** The identities of one kind, as people write them (a phone in E.164), joined with ", ". */
export function identitiesCell(identities: readonly IdentityView[], kind: string): string {
  return identities
    .filter((identity) => identity.kind === kind)
    .map((identity) => (kind === 'phone' ? identity.key.slice('phone:'.length) : identity.raw))
    .join(', ');
}

/** A custom field's stored (canonical) value, the way a person reads it. */
export function customCell(field: Pick<CustomFieldDefinition, 'type'>, value: unknown): Cell {
  if (value === undefined || value === null) return '';
  switch (field.type) {
    case 'number':
      return typeof value === 'number' ? value : String(value);
    case 'money': {
      const money = value as { amount?: unknown; currency?: unknown };
      return `${String(money.amount ?? '')} ${String(money.currency ?? '')}`.trim();
    }
    case 'boolean':
      return value === true ? 'true' : value === false ? 'false' : String(value);
    case 'multi-list':
      return Array.isArray(value) ? value.map(String).join(', ') : String(value);
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}
