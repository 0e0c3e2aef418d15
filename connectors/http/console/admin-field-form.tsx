/**
 * A custom field's form on the admin screens: as it shows a field (a list's options one a line),
 * as it reads what was typed, and the sentences for what the API's schemas refuse.
 */
import type { CustomFieldDefinition } from '../../../core/custom-fields.ts';
import { field, ticked, type Form } from './admin-kit.tsx';
import type { MessageKey } from './catalogue.ts';
import type { Viewer } from './viewer.ts';

export const ENTITIES = ['lead', 'client', 'deal'] as const;

export interface FieldDraft {
  entity: string;
  key: string;
  label: string;
  type: string;
  required: boolean;
  /** One option a line, as typed. */
  options: string;
  sort: string;
}

export const draftOfField = (definition: CustomFieldDefinition): FieldDraft => ({
  entity: definition.entity,
  key: definition.key,
  label: definition.label,
  type: definition.type,
  required: definition.required,
  options: definition.options.join('\n'),
  sort: String(definition.sort),
});

export const draftOfForm = (form: Form): FieldDraft => ({
  entity: field(form, 'entity'),
  key: field(form, 'key').trim(),
  label: field(form, 'label'),
  type: field(form, 'type'),
  required: ticked(form, 'required'),
  options: field(form, 'options'),
  sort: field(form, 'sort'),
});

/** What a field's page changes. */
export const pick = ({ label, required, options, sort }: FieldDraft) => ({
  label,
  required,
  options,
  sort,
});

export const optionsOf = (typed: string) =>
  typed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

export const EMPTY_FIELD: FieldDraft = {
  entity: 'lead',
  key: '',
  label: '',
  type: 'string',
  required: false,
  options: '',
  sort: '',
};

export const FIELD_HINTS: Partial<Record<string, MessageKey>> = {
  entity: 'admin.fields.invalid.entity',
  key: 'admin.fields.invalid.key',
  label: 'admin.fields.invalid.label',
  type: 'admin.fields.invalid.type',
  options: 'admin.fields.invalid.options',
  sort: 'admin.fields.invalid.sort',
};

export function FieldBasics({ viewer: seeing, draft }: { viewer: Viewer; draft: FieldDraft }) {
  const { t } = seeing;
  return (
    <>
      <label for="label">{t('admin.fields.label')}</label>
      <input id="label" name="label" required maxlength={200} value={draft.label} />
      <label class="check">
        <input type="checkbox" name="required" value="true" checked={draft.required} />{' '}
        {t('admin.fields.required')}
      </label>
      <label for="options">{t('admin.fields.options')}</label>
      <textarea id="options" name="options" rows={4} aria-describedby="options-hint">
        {draft.options}
      </textarea>
      <p id="options-hint" class="hint">
        {t('admin.fields.optionsHint')}
      </p>
    </>
  );
}
