/**
 * A web form post checked against the form's own definition: a message per field a person can
 * act on, at least one contact we can answer, and the raw event the inbox keeps.
 */
import { normaliseEmail, normalisePhone } from '../../core/identities.ts';
import { fieldValue } from '../site/field-values.ts';
import type { FieldError } from '../site/page.ts';
import type { AcceptInput, AcceptResult } from '../site/routes.ts';
import { targetOf, type FormDefinition, type FormField } from './definition.ts';

const MAX_LENGTH: Partial<Record<FormField['type'], number>> = { textarea: 5000 };
const CHECKED = new Set(['yes', 'on', 'true', '1']);

export interface SubmittedField {
  key: string;
  label: string;
  type: FormField['type'];
  target: string;
  value: string;
}

export interface SubmittedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string | null;
  skipped?: string;
}

/** The webform part of the inbox row (the site plumbing adds form, submission and visit). */
export interface WebformBody {
  kind: 'webform';
  country: string | null;
  fields: SubmittedField[];
  files: SubmittedFile[];
  consent?: { text: string; at: string };
}

export function acceptWebform(input: AcceptInput<FormDefinition>): AcceptResult {
  const { definition, fields: posted, files, now, country } = input;
  const errors: FieldError[] = [];
  const submitted: SubmittedField[] = [];
  const fail = (field: FormField, message: string) =>
    errors.push({ key: field.key, label: field.label, message });
  let reachable = false;
  let consent: WebformBody['consent'];

  for (const field of definition.fields) {
    const target = targetOf(field);
    if (field.type === 'file') {
      const attached = files.filter((file) => file.field === field.key);
      if (field.required && !attached.some((file) => file.blob))
        fail(field, 'Please attach a file.');
      continue;
    }
    let value = (
      fieldValue(posted, field.key) ?? (field.type === 'hidden' ? (field.value ?? '') : '')
    ).trim();
    if (field.type === 'checkbox' || field.type === 'consent') {
      value = CHECKED.has(value.toLowerCase()) ? 'yes' : '';
      if (field.type === 'consent' && value) consent = { text: field.label, at: now.toISOString() };
    }
    const max = MAX_LENGTH[field.type] ?? 500;
    if (field.required && !value) {
      fail(field, field.type === 'consent' ? 'Please agree to continue.' : 'Please fill this in.');
    } else if (value.length > max) {
      fail(field, `Please keep this under ${max} characters.`);
    } else if (value && field.type === 'select' && !field.options?.includes(value)) {
      fail(field, 'Please choose one of the options.');
    } else if (value && target === 'email') {
      if (normaliseEmail(value).ok) reachable = true;
      else fail(field, 'Please enter an email address like name@example.com.');
    } else if (value && target === 'phone') {
      if (normalisePhone(value, country).ok) reachable = true;
      else
        fail(
          field,
          'Please enter a phone number we can call, with its country code if it is not local.',
        );
    }
    if (value)
      submitted.push({ key: field.key, label: field.label, type: field.type, target, value });
  }
  if (!reachable && !errors.length) {
    for (const field of definition.fields) {
      if (['email', 'phone'].includes(targetOf(field)) && field.type !== 'hidden') {
        fail(field, 'Please give an email address or a phone number so we can answer you.');
      }
    }
  }
  if (errors.length) return { ok: false, errors };

  const known = new Set(definition.fields.filter((f) => f.type === 'file').map((f) => f.key));
  const kept = files.filter((file) => known.has(file.field));
  const body: WebformBody = {
    kind: 'webform',
    country: country ?? null,
    fields: submitted,
    files: kept.map((file) => ({
      field: file.field,
      filename: file.filename,
      contentType: file.contentType,
      size: file.size,
      sha256: file.blob?.sha256 ?? null,
      ...(file.skipped ? { skipped: file.skipped } : {}),
    })),
    ...(consent ? { consent } : {}),
  };
  const notes = kept
    .filter((file) => file.skipped)
    .map((file) => ` Your file “${file.filename}” was not attached: ${file.skipped}.`);
  return {
    ok: true,
    body: { ...body },
    answer: definition.successText + notes.join(''),
    files: kept,
  };
}
