/**
 * A posted channel form as the body saveChannel/editChannel take, from the kind's settings form
 * alone (core/channel.ts `SettingsSection`): dotted names become nested objects, numbers
 * numbers, a ticked box true, a list one value a line, a typed secret `{"value": …}` and a named
 * variable `{"env": …}`. An empty secret is left out, so the stored one is kept. When editing, an
 * emptied field is cleared (explicitly undefined), and an optional section emptied is removed.
 * And back: the issues saveChannel returns, each beside the input it is about.
 */
import type { SettingsField, SettingsIssue, SettingsSection } from '../../../core/channel.ts';

/** A posted form as express.urlencoded gives it: a repeated name is an array. */
export type PostedForm = Record<string, unknown>;

export type FormMode = 'create' | 'edit';

/** The name of the input naming a secret's environment variable. */
export const envInputOf = (field: SettingsField) => `${field.name}.env`;

const LEFT_OUT = Symbol('left out');

const textOf = (value: unknown): string =>
  typeof value === 'string' ? value : Array.isArray(value) ? textOf(value[0]) : '';

/** Whether a person filled the field in (a secret: its value or its variable). */
export function filled(form: PostedForm, field: SettingsField): boolean {
  if (field.type === 'checkbox') return textOf(form[field.name]) !== '';
  if (field.type === 'secret')
    return textOf(form[field.name]) !== '' || textOf(form[envInputOf(field)]).trim() !== '';
  return textOf(form[field.name]).trim() !== '';
}

function valueOf(
  form: PostedForm,
  field: SettingsField,
  mode: FormMode,
  issues: SettingsIssue[],
  both: string,
): unknown {
  const raw = textOf(form[field.name]);
  const text = raw.trim();
  const cleared = mode === 'edit' ? undefined : LEFT_OUT;
  switch (field.type) {
    case 'checkbox':
      return text !== '';
    case 'number': {
      if (!text) return cleared;
      const number = Number(text);
      // Not a number: the schema says what it wants, beside the input.
      return Number.isFinite(number) ? number : text;
    }
    case 'list': {
      const items = text
        .split(/[\n,]/)
        .map((item) => item.trim())
        .filter(Boolean);
      return items.length ? items : mode === 'edit' ? [] : LEFT_OUT;
    }
    case 'secret': {
      const env = textOf(form[envInputOf(field)]).trim();
      // A password is kept as typed: spaces at its ends may be part of it.
      if (env && raw) {
        issues.push({ path: field.name, message: both });
        return LEFT_OUT;
      }
      if (env) return { env };
      return raw ? { value: raw } : LEFT_OUT;
    }
    case 'passphrase':
      return raw ? raw : LEFT_OUT;
    default:
      return text ? text : cleared;
  }
}

export function setPath(body: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = body;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys[keys.length - 1]!] = value;
}

/**
 * The body of these sections from the posted form. Refusals found here (a secret given twice)
 * come back as issues like saveChannel's, in the words given.
 */
export function bodyOf(
  sections: readonly SettingsSection[],
  form: PostedForm,
  mode: FormMode,
  words: { both: string },
): { body: Record<string, unknown>; issues: SettingsIssue[] } {
  const body: Record<string, unknown> = {};
  const issues: SettingsIssue[] = [];
  for (const section of sections) {
    if (section.optional) {
      const used = section.fields.some((field) => field.required && filled(form, field));
      if (!used) {
        if (mode === 'edit') body[section.id] = null;
        continue;
      }
    }
    for (const field of section.fields) {
      const value = valueOf(form, field, mode, issues, words.both);
      if (value !== LEFT_OUT) setPath(body, field.name, value);
    }
  }
  return { body, issues };
}

/** What a field shows when the form comes back: as typed, never a secret. */
export function typedValues(
  sections: readonly SettingsSection[],
  form: PostedForm,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of sections.flatMap((section) => section.fields)) {
    if (field.type === 'passphrase') continue;
    if (field.type === 'secret') {
      const env = textOf(form[envInputOf(field)]).trim();
      if (env) setPath(values, field.name, { typedEnv: env });
      continue;
    }
    if (field.type === 'checkbox') setPath(values, field.name, filled(form, field));
    else setPath(values, field.name, textOf(form[field.name]));
  }
  return values;
}

/** The value at a dotted path of a described channel (or of typed values). */
export function valueAt(values: Record<string, unknown>, path: string): unknown {
  let value: unknown = values;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Issues by the input they are about: an issue's path is the field's name or inside it
 * (`folders.0`, `imap.password.env`); the rest are the form's own (shown above it).
 */
export function placeIssues(
  fieldNames: readonly string[],
  issues: readonly SettingsIssue[],
): { byField: Map<string, string[]>; other: string[] } {
  const byField = new Map<string, string[]>();
  const other: string[] = [];
  // The longest name first: `smtp.password` before a field named `smtp`.
  const names = [...fieldNames].sort((a, b) => b.length - a.length);
  for (const issue of issues) {
    const name = names.find((n) => issue.path === n || issue.path.startsWith(`${n}.`));
    if (name) byField.set(name, [...(byField.get(name) ?? []), issue.message]);
    else other.push(issue.path === '(body)' ? issue.message : `${issue.path}: ${issue.message}`);
  }
  return { byField, other };
}
