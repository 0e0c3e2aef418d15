/** The callback request form: phone first, then the optional name, comment and preferred time. */
import { describeSchedule } from '../../core/working-hours.ts';
import { fieldValue } from '../site/field-values.ts';
import type { Widget } from '../../core/repositories/forms.ts';
import {
  errorId,
  errorSummary,
  escapeHtml,
  inputId,
  notice,
  spamDefenceInputs,
} from '../site/page.ts';
import type { FormView } from '../site/routes.ts';
import { scheduleOf, type CallbackDefinition } from './definition.ts';

interface Input {
  key: string;
  label: string;
  required?: boolean;
  hint?: string;
  control: (attributes: string, value: string) => string;
}

export function renderCallback(
  widget: Widget,
  definition: CallbackDefinition,
  view: FormView,
): string {
  const errors = new Map(view.errors.map((error) => [error.key, error.message]));
  const hours = describeSchedule(scheduleOf(definition));
  const inputs: Input[] = [
    {
      key: 'phone',
      label: 'Phone number',
      required: true,
      control: (a, v) =>
        `<input type="tel" inputmode="tel" autocomplete="tel" maxlength="40" value="${v}"${a}>`,
    },
    {
      key: 'name',
      label: 'Your name',
      control: (a, v) => `<input type="text" autocomplete="name" maxlength="200" value="${v}"${a}>`,
    },
    {
      key: 'comment',
      label: 'What is it about?',
      control: (a, v) => `<textarea maxlength="2000"${a}>${v}</textarea>`,
    },
  ];
  if (definition.askPreferredTime) {
    inputs.push({
      key: 'preferredTime',
      label: 'Preferred time (optional)',
      hint: `We call ${hours === '24/7' ? 'around the clock' : hours} (${definition.timeZone} time). Leave empty to be called as soon as possible.`,
      control: (a, v) => `<input type="datetime-local" value="${v}"${a}>`,
    });
  }
  const fields = inputs
    .map((input) => {
      const error = errors.get(input.key);
      const described = [error ? errorId(input.key) : '', input.hint ? `lw-h-${input.key}` : '']
        .filter(Boolean)
        .join(' ');
      const attributes = [
        ` id="${inputId(input.key)}" name="${input.key}"`,
        input.required ? ' required aria-required="true"' : '',
        error ? ' aria-invalid="true"' : '',
        described ? ` aria-describedby="${described}"` : '',
      ].join('');
      const marker = input.required ? ' <span class="lw-req" aria-hidden="true">*</span>' : '';
      return [
        `<div class="lw-field${error ? ' lw-invalid' : ''}">`,
        `<label for="${inputId(input.key)}">${escapeHtml(input.label)}${marker}</label>`,
        input.control(attributes, escapeHtml(fieldValue(view.values, input.key) ?? '')),
        input.hint ? `<p id="lw-h-${input.key}" class="lw-hint">${escapeHtml(input.hint)}</p>` : '',
        error ? `<p id="${errorId(input.key)}" class="lw-error">${escapeHtml(error)}</p>` : '',
        '</div>',
      ].join('');
    })
    .join('');
  return [
    `<form class="lw-form" method="post" action="${escapeHtml(view.action)}" novalidate data-lw-form>`,
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
