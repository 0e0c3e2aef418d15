/**
 * The field builder's draft: the rows as posted (`fields[3][label]` …), as stored, and as the
 * definition takes them; the builder buttons' changes (add, remove, move up/down) and where the
 * focus lands after each; keys made from labels where none was typed.
 */
import { FIELD_TYPES, STANDARD_TARGETS } from '../../webform/definition.ts';
import { RESERVED_KEYS } from '../../site/field-values.ts';
import type { MessageKey } from './catalogue.ts';
import type { Viewer } from './viewer.ts';
import { one, ticked, type Body } from './widget-body.tsx';

export const MAX_FIELDS = 50;

export interface FieldDraft {
  key: string;
  label: string;
  type: string;
  required: boolean;
  /** A select's options, one a line. */
  options: string;
  mapsTo: string;
  value: string;
  placeholder: string;
  hint: string;
}

const blank = (): FieldDraft => ({
  key: '',
  label: '',
  type: 'text',
  required: false,
  options: '',
  mapsTo: '',
  value: '',
  placeholder: '',
  hint: '',
});

const ROW = /^fields\[(\d{1,3})\]\[(\w+)\]$/;

/** The rows as posted, in index order (a row is there when any of its inputs is). */
export function fieldsFromBody(body: Body): FieldDraft[] {
  const indexes = new Set<number>();
  for (const name of Object.keys(body)) {
    const match = ROW.exec(name);
    if (match) indexes.add(Number(match[1]));
  }
  return [...indexes]
    .sort((a, b) => a - b)
    .slice(0, MAX_FIELDS)
    .map((index) => {
      const at = (property: string) => one(body, `fields[${index}][${property}]`);
      return {
        key: at('key').trim(),
        label: at('label'),
        type: (FIELD_TYPES as readonly string[]).includes(at('type')) ? at('type') : 'text',
        required: ticked(body, `fields[${index}][required]`),
        options: at('options'),
        mapsTo: at('mapsTo'),
        value: at('value'),
        placeholder: at('placeholder'),
        hint: at('hint'),
      };
    });
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

export function fieldsFromDefinition(fields: unknown): FieldDraft[] {
  if (!Array.isArray(fields)) return [];
  return fields.map((raw: Record<string, unknown>) => ({
    key: text(raw.key),
    label: text(raw.label),
    type: text(raw.type) || 'text',
    required: raw.required === true,
    options: Array.isArray(raw.options) ? raw.options.map(String).join('\n') : '',
    mapsTo: text(raw.mapsTo),
    value: text(raw.value),
    placeholder: text(raw.placeholder),
    hint: text(raw.hint),
  }));
}

/** A new form starts with what every form needs: who writes, and how to answer them. */
export function starterFields(t: Viewer['t']): FieldDraft[] {
  return [
    { ...blank(), key: 'name', label: t('widgets.starter.name') },
    { ...blank(), key: 'email', label: t('widgets.starter.email'), type: 'email', required: true },
  ];
}

/** A key from a label, as a person would have typed it: "Your e-mail" → your_e_mail. */
function keyFrom(label: string, taken: Set<string>): string {
  let key = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 34);
  if (!/^[a-z]/.test(key)) key = `field_${key}`.replace(/_+$/, '');
  if (key.startsWith('lw_') || RESERVED_KEYS.has(key)) key = `${key}_field`;
  let candidate = key;
  for (let n = 2; taken.has(candidate); n++) candidate = `${key}_${n}`;
  return candidate;
}

/** Rows with a label and no key get one from their label (shown, so it can be changed). */
export function withKeys(fields: FieldDraft[]): FieldDraft[] {
  const taken = new Set(fields.map((field) => field.key).filter(Boolean));
  return fields.map((field) => {
    if (field.key || !field.label.trim()) return field;
    const key = keyFrom(field.label, taken);
    taken.add(key);
    return { ...field, key };
  });
}

export const lines = (value: string) =>
  value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

/** The rows as the definition has them: only what a field of its type uses. */
export function fieldsBody(fields: FieldDraft[]): Record<string, unknown>[] {
  return fields.map((field) => ({
    key: field.key,
    label: field.label,
    type: field.type,
    required: field.required,
    ...(field.type === 'select' && lines(field.options).length
      ? { options: lines(field.options) }
      : {}),
    ...(field.mapsTo ? { mapsTo: field.mapsTo } : {}),
    ...(field.type === 'hidden' && field.value ? { value: field.value } : {}),
    ...(field.placeholder.trim() ? { placeholder: field.placeholder } : {}),
    ...(field.hint.trim() ? { hint: field.hint } : {}),
  }));
}

/** A builder button's change; `focus` is the id of the input to land on afterwards. */
export function applyFieldAction(
  fields: FieldDraft[],
  action: string,
): { fields: FieldDraft[]; focus?: string } | undefined {
  if (action === 'add') {
    if (fields.length >= MAX_FIELDS) return { fields, focus: 'f-add' };
    return { fields: [...fields, blank()], focus: `f-${fields.length}-label` };
  }
  const match = /^(remove|up|down)-(\d{1,3})$/.exec(action);
  if (!match) return undefined;
  const index = Number(match[2]);
  if (index >= fields.length) return { fields };
  const next = [...fields];
  if (match[1] === 'remove') {
    next.splice(index, 1);
    const focus = next.length ? `f-${Math.min(index, next.length - 1)}-label` : 'f-add';
    return { fields: next, focus };
  }
  const to = match[1] === 'up' ? index - 1 : index + 1;
  if (to < 0 || to >= next.length) return { fields };
  [next[index], next[to]] = [next[to]!, next[index]!];
  // The same button on the moved row, or its other one when this one is now at the end.
  const end = match[1] === 'up' ? to === 0 : to === next.length - 1;
  const button = end ? (match[1] === 'up' ? 'down' : 'up') : match[1];
  return { fields: next, focus: next.length > 1 ? `f-${to}-${button}` : `f-${to}-label` };
}

export interface Target {
  value: string;
  label: string;
}

/** Where a field's answer can go on the lead: the standard properties and the custom fields. */
export function mappingTargets(t: Viewer['t'], custom: Target[]): Target[] {
  return [
    ...STANDARD_TARGETS.map((target) => ({
      value: target,
      label: t(`widgets.target.${target}` as MessageKey),
    })),
    ...custom.map((field) => ({
      value: field.value,
      label: t('widgets.target.custom', { label: field.label }),
    })),
  ];
}

/** The id of the input a `fields…` issue belongs to. */
export function fieldTarget(anchor: string): string | undefined {
  if (anchor === 'fields') return 'w-fields';
  const match = /^fields\.(\d+)(?:\.(\w+))?$/.exec(anchor);
  if (!match) return undefined;
  return `f-${match[1]}-${match[2] ?? 'label'}`;
}
