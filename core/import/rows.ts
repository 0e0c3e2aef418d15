/** Turns one record of an imported file into a checked client or lead, or the reason not to. */

import type { CustomFieldDefinition } from '../custom-fields.ts';
import {
  normaliseEmail,
  normalisePhone,
  telegramIdentity,
  uniqueIdentities,
} from '../identities.ts';
import type { Identity, Normalised } from '../identities.ts';
import { readCustomValue } from './custom-values.ts';
import { normaliseHeader } from './header-names.ts';
import type { ImportEntity, ImportTarget } from './mapping.ts';

export interface ImportRecord {
  /** `company` when the row names a company and no person, or its kind column says so. */
  kind: 'contact' | 'company';
  /** The person's name: the name column, or first, middle and last names joined. */
  name: string | null;
  company: string | null;
  /** From every email, phone and Telegram column, unique by key, in column order. */
  identities: Identity[];
  /** As written (an email or a name): the caller resolves it to a user. */
  responsible: string | null;
  /** Canonical values (`checkValue`), by field key; empty cells are absent. */
  custom: Record<string, unknown>;
  /** Leads only (null for clients). */
  title: string | null;
  comment: string | null;
}

export interface ReadRowOptions {
  entity: ImportEntity;
  /** ISO 3166 alpha-2, for numbers written the national way. */
  defaultCountry?: string;
  customFields: CustomFieldDefinition[];
}

export type ReadRow = { ok: true; record: ImportRecord } | { ok: false; reason: string };

/** A cell longer than this is refused: no name, address or number is, and ours hold one line. */
export const MAX_CELL_LENGTH = 1_000;
/** A lead's comment may be a whole note history (custom `text` fields check their own limit). */
export const MAX_COMMENT_LENGTH = 10_000;

const KINDS: Record<string, ImportRecord['kind']> = Object.fromEntries([
  ...[
    'contact',
    'person',
    'individual',
    'контакт',
    'физ лицо',
    'физлицо',
    'физическое лицо',
    'частное лицо',
    'contacto',
    'persona',
    'persona fisica',
    'particular',
  ].map((word) => [normaliseHeader(word), 'contact'] as const),
  ...[
    'company',
    'organization',
    'organisation',
    'business',
    'компания',
    'организация',
    'юр лицо',
    'юрлицо',
    'юридическое лицо',
    'empresa',
    'compania',
    'organizacion',
    'persona juridica',
  ].map((word) => [normaliseHeader(word), 'company'] as const),
]);

/**
 * Reads a record's cells by the mapping. Cells are trimmed; Excel's text-formula form
 * `="+34600123456"` and the apostrophe our error files put before `=+-@` are taken off.
 * Values past the headers are ignored and missing ones are empty. A cell of an email, phone
 * or Telegram column may hold several values separated by `,` `;` `/` or line breaks.
 * Refused, with the column and value in the reason: an invalid address, number or Telegram
 * id, a custom value that fails its check, an over-long cell, an unknown kind, and a row with
 * neither a name, a company nor an identity.
 */
export function readRow(
  values: string[],
  headers: string[],
  mapping: ImportTarget[],
  options: ReadRowOptions,
): ReadRow {
  const fields = new Map<ImportTarget, string>();
  const identities: Identity[] = [];
  const custom: Record<string, unknown> = {};
  const customFields = new Map(
    options.customFields
      .filter((field) => field.entity === options.entity)
      .map((field) => [`custom:${field.key}`, field]),
  );
  for (const [column, target] of mapping.entries()) {
    if (target === 'skip') continue;
    const header = headers[column] ?? `column ${column + 1}`;
    const value = cleanCell(values[column] ?? '');
    const field = customFields.get(target);
    const limit =
      target === 'comment'
        ? MAX_COMMENT_LENGTH
        : field?.type === 'text'
          ? Infinity
          : MAX_CELL_LENGTH;
    if (value.length > limit) {
      return refuse(
        `${header}: the value is ${value.length.toLocaleString('en')} characters long, at most ${limit.toLocaleString('en')} are allowed`,
      );
    }
    if (target === 'email' || target === 'phone' || target === 'telegram') {
      for (const item of value.split(/[,;/\r\n]+/).map((part) => part.trim())) {
        if (!item) continue;
        const read = readIdentity(target, item, options.defaultCountry);
        if (!read.ok) return refuse(`${header}: ${quote(item)} is ${read.reason}`);
        identities.push(read.identity);
      }
    } else if (field) {
      if (!value) {
        if (field.required) return refuse(`${header}: ${field.label} is required`);
        continue;
      }
      const checked = readCustomValue(field, value, options.defaultCountry);
      if (!checked.ok) {
        // checkValue says what is expected ("a number") or what is wrong ("not a valid …").
        const verdict = checked.message.startsWith('not ') ? '' : 'not ';
        return refuse(`${header}: ${quote(value)} is ${verdict}${checked.message}`);
      }
      custom[field.key] = checked.value;
    } else if (target.startsWith('custom:')) {
      return refuse(
        `${header}: there is no custom field ${target.slice('custom:'.length)} for a ${options.entity}`,
      );
    } else if (value) {
      fields.set(target, value);
    }
  }

  const joined = ['first_name', 'middle_name', 'last_name']
    .map((target) => fields.get(target as ImportTarget))
    .filter(Boolean)
    .join(' ');
  let name = fields.get('name') ?? (joined || null);
  let company = fields.get('company') ?? null;
  const kindText = fields.get('kind');
  let kind: ImportRecord['kind'] = company && !name ? 'company' : 'contact';
  if (kindText) {
    const explicit = KINDS[normaliseHeader(kindText)];
    if (!explicit) {
      const header = headers[mapping.indexOf('kind')] ?? 'kind';
      return refuse(`${header}: ${quote(kindText)} is not a kind; write contact or company`);
    }
    kind = explicit;
  }
  // A company row whose only name is in the name column: that name is the company's.
  if (kind === 'company' && !company && name) [company, name] = [name, null];
  const unique = uniqueIdentities(identities);
  if (!name && !company && unique.length === 0) {
    return refuse('the row has no name, company, email, phone or Telegram');
  }
  const lead = options.entity === 'lead';
  return {
    ok: true,
    record: {
      kind,
      name,
      company,
      identities: unique,
      responsible: fields.get('responsible') ?? null,
      custom,
      title: lead ? (fields.get('title') ?? null) : null,
      comment: lead ? (fields.get('comment') ?? null) : null,
    },
  };
}

/**
 * A cell as meant: trimmed; `="…"` (how Excel is told to keep `+34…` or `007` as text)
 * unwrapped; a lone dash emptied; the apostrophe that guards a formula-like value in our error files removed, so
 * a corrected error file imports as the original would have.
 */
export function cleanCell(raw: string): string {
  let value = raw.trim();
  const formula = /^="((?:[^"]|"")*)"$/s.exec(value);
  if (formula) value = (formula[1] ?? '').replaceAll('""', '"').trim();
  if (/^'[=+\-@]/.test(value)) value = value.slice(1);
  // Exports write a dash for "none" (HubSpot, hand-kept sheets): a dash is no value.
  return /^[-–—]+$/.test(value) ? '' : value;
}

function readIdentity(
  kind: 'email' | 'phone' | 'telegram',
  value: string,
  country?: string,
): Normalised {
  if (kind === 'email') return normaliseEmail(value);
  if (kind === 'phone') return normalisePhone(value, country);
  return telegramIdentity(value);
}

function refuse(reason: string): ReadRow {
  return { ok: false, reason };
}

/** A value in a reason: quoted, and cut short so one bad cell does not fill the error file. */
function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}…` : value;
  return JSON.stringify(shown);
}
