/** Which field of a client or lead each column of an imported file fills. */

import type { CustomFieldDefinition } from '../custom-fields.ts';
import { isFirstOrFullName, meaningOf, normaliseHeader } from './header-names.ts';

export type ImportEntity = 'client' | 'lead';

/**
 * What a column fills. `name` is a whole name; `first_name`, `middle_name` (a patronymic, an
 * Outlook "Middle Name") and `last_name` are joined into one. `kind` says contact or company.
 */
export type ImportTarget =
  | 'skip'
  | 'name'
  | 'first_name'
  | 'middle_name'
  | 'last_name'
  | 'company'
  | 'kind'
  | 'email'
  | 'phone'
  | 'telegram'
  | 'responsible'
  | 'title'
  | 'comment'
  | `custom:${string}`;

/** The targets several columns may share: every address and number becomes an identity. */
const REPEATABLE = new Set<ImportTarget>(['skip', 'email', 'phone', 'telegram']);

const COMMON: ImportTarget[] = [
  'name',
  'first_name',
  'middle_name',
  'last_name',
  'company',
  'kind',
  'email',
  'phone',
  'telegram',
  'responsible',
];

function fieldsOf(entity: ImportEntity, customFields: CustomFieldDefinition[]) {
  return customFields.filter((field) => field.entity === entity);
}

/** Every target a column of this entity can have, `skip` first. */
export function targetsOf(
  entity: ImportEntity,
  customFields: CustomFieldDefinition[],
): ImportTarget[] {
  return [
    'skip',
    ...COMMON,
    ...(entity === 'lead' ? (['title', 'comment'] as const) : []),
    ...fieldsOf(entity, customFields).map((field) => `custom:${field.key}` as const),
  ];
}

/**
 * A target for each header, from what the header says: this installation's custom fields
 * first (by key or label), then the names CRMs and people use. A target that can only be
 * filled once goes to the first column naming it; unknown columns are skipped.
 */
export function suggestMapping(
  headers: string[],
  entity: ImportEntity,
  customFields: CustomFieldDefinition[],
): ImportTarget[] {
  const allowed = new Set(targetsOf(entity, customFields));
  const custom = new Map<string, ImportTarget>();
  for (const field of fieldsOf(entity, customFields)) {
    custom.set(normaliseHeader(field.key), `custom:${field.key}`);
    custom.set(normaliseHeader(field.label), `custom:${field.key}`);
  }
  const guesses = headers.map((header): ImportTarget => {
    const target = custom.get(normaliseHeader(header)) ?? meaningOf(header) ?? 'skip';
    return allowed.has(target) ? target : 'skip';
  });
  // `Имя` beside `Фамилия`, `Nombre` beside `Apellidos`: the first name of a split name.
  if (guesses.includes('last_name') && !guesses.includes('first_name')) {
    const index = headers.findIndex(
      (header, i) => guesses[i] === 'name' && isFirstOrFullName(header),
    );
    if (index >= 0) guesses[index] = 'first_name';
  }
  const taken = new Set<ImportTarget>();
  return guesses.map((target) => {
    if (REPEATABLE.has(target)) return target;
    if (taken.has(target)) return 'skip';
    taken.add(target);
    return target;
  });
}

export type ParsedMapping = { ok: true; mapping: ImportTarget[] } | { ok: false; message: string };

/**
 * Reads the CLI's `--map "Teléfono=phone,Notes=skip,Region=custom:region"` over the
 * suggestions: a column is named by its header (accents and case aside) or by its 1-based
 * number, for headers that repeat or hold a comma. A column not mentioned keeps its
 * suggestion, unless it was given a single-use target now given to another column.
 */
export function parseMapOption(
  text: string,
  headers: string[],
  entity: ImportEntity,
  customFields: CustomFieldDefinition[],
): ParsedMapping {
  const allowed = targetsOf(entity, customFields);
  const mapping = suggestMapping(headers, entity, customFields);
  const mentioned = new Map<number, ImportTarget>();
  for (const part of text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const equals = part.lastIndexOf('=');
    if (equals <= 0) {
      return { ok: false, message: `"${part}" is not COLUMN=TARGET, e.g. "Teléfono=phone"` };
    }
    const column = columnOf(part.slice(0, equals).trim(), headers);
    if (typeof column === 'string') return { ok: false, message: column };
    const target = part.slice(equals + 1).trim() as ImportTarget;
    if (!allowed.includes(target)) {
      return {
        ok: false,
        message: `"${target}" is not a target for a ${entity}; the targets are: ${allowed.join(', ')}`,
      };
    }
    if (mentioned.has(column)) {
      return { ok: false, message: `column "${headers[column]}" is mapped twice` };
    }
    mentioned.set(column, target);
  }
  for (const [column, target] of mentioned) {
    if (!REPEATABLE.has(target)) {
      const other = [...mentioned].find(([c, t]) => t === target && c !== column);
      if (other) {
        return {
          ok: false,
          message: `only one column can be ${target}, and both "${headers[column]}" and "${headers[other[0]]}" are`,
        };
      }
      // A suggestion loses its target to the column the person chose for it.
      mapping.forEach((suggested, i) => {
        if (suggested === target && !mentioned.has(i)) mapping[i] = 'skip';
      });
    }
    mapping[column] = target;
  }
  return { ok: true, mapping };
}

/** The index of the column a `--map` entry names, or why it names none. */
function columnOf(name: string, headers: string[]): number | string {
  if (/^\d+$/.test(name)) {
    const number = Number(name);
    if (number >= 1 && number <= headers.length) return number - 1;
    return `there is no column ${number}: the file has ${headers.length} columns`;
  }
  const exact = headers.indexOf(name);
  if (exact >= 0) return exact;
  const loose = headers.flatMap((header, i) =>
    normaliseHeader(header) === normaliseHeader(name) ? [i] : [],
  );
  if (loose.length === 1) return loose[0] as number;
  if (loose.length > 1)
    return `"${name}" names several columns: use its number (1–${headers.length})`;
  return `there is no column "${name}"; the columns are: ${headers.join(', ')}`;
}

/** The mapping as the CLI prints it: `Nombre → name, Teléfono → phone, Notas → (skipped)`. */
export function describeMapping(headers: string[], mapping: ImportTarget[]): string {
  return headers
    .map((header, i) => {
      const target = mapping[i] ?? 'skip';
      return `${header} → ${target === 'skip' ? '(skipped)' : target}`;
    })
    .join(', ');
}
