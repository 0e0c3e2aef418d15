/**
 * Custom fields: an installation defines, per entity (lead, client, deal), fields of a type —
 * string, text, number, money, date, datetime, boolean, list, multi-list, url, email, phone —
 * required or not, lists with their options. Every write checks the values it carries against
 * the definitions and stores them in a canonical form (a phone in E.164, a date as YYYY-MM-DD,
 * money as {amount, currency}), so filters compare like with like.
 */
import { normaliseEmail, normalisePhone } from './identities.ts';

export const CUSTOM_FIELD_TYPES = [
  'string',
  'text',
  'number',
  'money',
  'date',
  'datetime',
  'boolean',
  'list',
  'multi-list',
  'url',
  'email',
  'phone',
] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];
export type CustomFieldEntity = 'lead' | 'client' | 'deal';

export interface CustomFieldDefinition {
  id: number;
  entity: CustomFieldEntity;
  /** Lower-case letters, digits and `_`: the name in the API (`custom.<key>`). */
  key: string;
  label: string;
  type: CustomFieldType;
  required: boolean;
  /** The choices of a list or multi-list. */
  options: string[];
  sort: number;
}

export const CUSTOM_FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/;

type Checked = { ok: true; value: unknown } | { ok: false; message: string };
const fail = (message: string): Checked => ({ ok: false, message });

function isDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** One value against its definition: the canonical value, or why it is not one. */
export function checkValue(
  field: Pick<CustomFieldDefinition, 'type' | 'options'>,
  value: unknown,
  country: string | undefined,
): Checked {
  switch (field.type) {
    case 'string':
      return typeof value === 'string' && value.length <= 1000 && !/[\r\n]/.test(value)
        ? { ok: true, value: value.trim() }
        : fail('one line of text, at most 1,000 characters');
    case 'text':
      return typeof value === 'string' && value.length <= 100_000
        ? { ok: true, value }
        : fail('text, at most 100,000 characters');
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? { ok: true, value }
        : fail('a number');
    case 'money': {
      const money = value as { amount?: unknown; currency?: unknown } | null;
      const amount = money?.amount;
      const currency = money?.currency;
      return typeof money === 'object' &&
        typeof amount === 'number' &&
        Number.isFinite(amount) &&
        typeof currency === 'string' &&
        /^[A-Za-z]{3}$/.test(currency)
        ? { ok: true, value: { amount, currency: currency.toUpperCase() } }
        : fail('{"amount": number, "currency": "EUR"} (an ISO 4217 code)');
    }
    case 'date':
      return typeof value === 'string' && isDate(value)
        ? { ok: true, value }
        : fail('a date as YYYY-MM-DD');
    case 'datetime': {
      const valid =
        typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
        !Number.isNaN(Date.parse(value));
      return valid
        ? { ok: true, value: new Date(value).toISOString() }
        : fail('a date and time with its offset, e.g. 2026-05-01T09:30:00+02:00');
    }
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : fail('true or false');
    case 'list':
      return typeof value === 'string' && field.options.includes(value)
        ? { ok: true, value }
        : fail(`one of: ${field.options.join(', ')}`);
    case 'multi-list':
      return Array.isArray(value) &&
        value.every((v) => typeof v === 'string' && field.options.includes(v))
        ? { ok: true, value: [...new Set(value as string[])] }
        : fail(`a list of: ${field.options.join(', ')}`);
    case 'url': {
      if (typeof value !== 'string' || value.length > 2000) return fail('an http(s) address');
      try {
        const url = new URL(value);
        return ['http:', 'https:'].includes(url.protocol)
          ? { ok: true, value: url.toString() }
          : fail('an http(s) address');
      } catch {
        return fail('an http(s) address');
      }
    }
    case 'email': {
      if (typeof value !== 'string') return fail('an email address');
      const email = normaliseEmail(value);
      return email.ok ? { ok: true, value: value.trim() } : fail(email.reason);
    }
    case 'phone': {
      if (typeof value !== 'string') return fail('a phone number');
      const phone = normalisePhone(value, country);
      return phone.ok
        ? { ok: true, value: phone.identity.key.slice('phone:'.length) }
        : fail(phone.reason);
    }
  }
}

export interface CustomCheck {
  /** The values to store: the record's current ones with the changes applied (null removes). */
  values: Record<string, unknown>;
  problems: { path: string; message: string }[];
}

/**
 * Applies `changes` to a record's `current` custom values: unknown keys, wrong values and
 * required fields left empty are problems, each with its path (`custom.<key>`).
 */
export function applyCustom(
  definitions: readonly CustomFieldDefinition[],
  current: Record<string, unknown>,
  changes: Record<string, unknown>,
  country: string | undefined,
): CustomCheck {
  const byKey = new Map(definitions.map((field) => [field.key, field]));
  const values: Record<string, unknown> = { ...current };
  const problems: CustomCheck['problems'] = [];
  for (const [key, value] of Object.entries(changes)) {
    const field = byKey.get(key);
    if (!field) {
      problems.push({ path: `custom.${key}`, message: 'no such custom field' });
      continue;
    }
    if (value === null) {
      delete values[key];
      continue;
    }
    const checked = checkValue(field, value, country);
    if (checked.ok) values[key] = checked.value;
    else problems.push({ path: `custom.${key}`, message: checked.message });
  }
  for (const field of definitions) {
    const value = values[field.key];
    const empty = value === undefined || value === '' || (Array.isArray(value) && !value.length);
    if (field.required && empty && !problems.some((p) => p.path === `custom.${field.key}`)) {
      problems.push({ path: `custom.${field.key}`, message: `${field.label} is required` });
    }
  }
  return { values, problems };
}

/** A filter value from a query string, in the field's canonical form (undefined: not one). */
export function filterValue(
  field: Pick<CustomFieldDefinition, 'type' | 'options'>,
  raw: string,
  country: string | undefined,
): string | number | boolean | undefined {
  if (field.type === 'number') {
    const number = Number(raw);
    return raw.trim() !== '' && Number.isFinite(number) ? number : undefined;
  }
  if (field.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : undefined;
  if (field.type === 'money' || field.type === 'multi-list' || field.type === 'text')
    return undefined;
  const checked = checkValue(field, raw, country);
  return checked.ok && typeof checked.value === 'string' ? checked.value : undefined;
}
