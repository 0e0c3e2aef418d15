/** The web form as server-rendered HTML: labels, errors tied to their fields, values kept. */
import type { Widget } from '../../core/repositories/forms.ts';
import { fieldValue } from '../site/field-values.ts';
import {
  errorId,
  errorSummary,
  escapeHtml,
  inputId,
  notice,
  spamDefenceInputs,
} from '../site/page.ts';
import type { FormView } from '../site/routes.ts';
import type { FormDefinition, FormField } from './definition.ts';

const AUTOCOMPLETE: Record<string, string> = {
  name: 'name',
  email: 'email',
  phone: 'tel',
  company: 'organization',
};

export function renderWebform(widget: Widget, definition: FormDefinition, view: FormView): string {
  const errors = new Map(view.errors.map((error) => [error.key, error.message]));
  const multipart = definition.fields.some((field) => field.type === 'file');
  const fields = definition.fields
    .map((field) => renderField(field, fieldValue(view.values, field.key), errors.get(field.key)))
    .join('');
  return [
    `<form class="lw-form" method="post" action="${escapeHtml(view.action)}"`,
    multipart ? ' enctype="multipart/form-data"' : '',
    ' novalidate data-lw-form>',
    `<h1 class="lw-title">${escapeHtml(widget.title)}</h1>`,
    definition.intro ? `<p class="lw-intro">${escapeHtml(definition.intro)}</p>` : '',
    notice(view.notice),
    errorSummary(view.errors),
    fields,
    spamDefenceInputs(view.hidden),
    `<button type="submit">${escapeHtml(definition.submitLabel)}</button>`,
    '</form>',
  ].join('');
}

function renderField(
  field: FormField,
  value: string | undefined,
  error: string | undefined,
): string {
  const id = inputId(field.key);
  const name = escapeHtml(field.key);
  if (field.type === 'hidden') {
    return `<input type="hidden" name="${name}" value="${escapeHtml(value ?? field.value ?? '')}">`;
  }
  const described = [error ? errorId(field.key) : '', field.hint ? `lw-h-${field.key}` : '']
    .filter(Boolean)
    .join(' ');
  const aria = [
    field.required ? ' required aria-required="true"' : '',
    error ? ' aria-invalid="true"' : '',
    described ? ` aria-describedby="${described}"` : '',
  ].join('');
  const marker = field.required ? ' <span class="lw-req" aria-hidden="true">*</span>' : '';
  const label = `<label for="${id}">${escapeHtml(field.label)}${marker}</label>`;
  const hint = field.hint
    ? `<p id="lw-h-${field.key}" class="lw-hint">${escapeHtml(field.hint)}</p>`
    : '';
  const problem = error
    ? `<p id="${errorId(field.key)}" class="lw-error">${escapeHtml(error)}</p>`
    : '';
  const shell = (inner: string, check = false) =>
    `<div class="lw-field${check ? ' lw-check' : ''}${error ? ' lw-invalid' : ''}">${inner}${hint}${problem}</div>`;
  const text = escapeHtml(value ?? '');
  const placeholder = field.placeholder ? ` placeholder="${escapeHtml(field.placeholder)}"` : '';
  switch (field.type) {
    case 'checkbox':
    case 'consent': {
      const checked = value && value !== 'false' ? ' checked' : '';
      return shell(
        `<label for="${id}"><input id="${id}" type="checkbox" name="${name}" value="yes"${checked}${aria}><span>${escapeHtml(field.label)}${marker}</span></label>`,
        true,
      );
    }
    case 'textarea':
      return shell(
        `${label}<textarea id="${id}" name="${name}" maxlength="5000"${placeholder}${aria}>${text}</textarea>`,
      );
    case 'select': {
      const options = (field.options ?? [])
        .map(
          (option) =>
            `<option${option === value ? ' selected' : ''}>${escapeHtml(option)}</option>`,
        )
        .join('');
      return shell(
        `${label}<select id="${id}" name="${name}"${aria}><option value="">Choose…</option>${options}</select>`,
      );
    }
    case 'file':
      return shell(`${label}<input id="${id}" type="file" name="${name}"${aria}>`);
    default: {
      const type = field.type === 'phone' ? 'tel' : field.type === 'email' ? 'email' : 'text';
      const autocomplete = fieldValue(
        AUTOCOMPLETE,
        field.mapsTo ?? (field.type === 'text' ? field.key : field.type),
      );
      const extra = [
        autocomplete ? ` autocomplete="${autocomplete}"` : '',
        type === 'tel' ? ' inputmode="tel"' : '',
      ].join('');
      return shell(
        `${label}<input id="${id}" type="${type}" name="${name}" value="${text}" maxlength="500"${extra}${placeholder}${aria}>`,
      );
    }
  }
}
