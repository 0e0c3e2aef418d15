/**
 * A channel's inputs, drawn from its kind's settings form (core/channel.ts) alone: a fieldset a
 * section, each input with its label, help and the refusal about it (aria-describedby), the first
 * refused input focused. A stored secret is never sent to the browser: its input is empty and says
 * how it is kept ("stored — leave empty to keep").
 */
import type { SettingsField, SettingsSection, Words } from '../../../core/channel.ts';
import { translator, type MessageKey } from './catalogue.ts';
import {
  envInputOf,
  setPath,
  typedValues,
  valueAt,
  type FormMode,
  type PostedForm,
} from './channel-body.ts';
import type { Viewer } from './viewer.ts';

/** A catalogue text in every language, for the console's own fields. */
export const wordsOf = (key: MessageKey): Words => ({
  en: translator('en')(key),
  es: translator('es')(key),
  ru: translator('ru')(key),
});

/** What the inputs show: a described channel, a new one's defaults, or what was typed. */
export interface FormState {
  mode: FormMode;
  values: Record<string, unknown>;
  issues: Map<string, string[]>;
  /** The input to focus: the first refused one. */
  focus?: string | undefined;
}

const idOf = (name: string) => `f-${name.replace(/[^\w-]/g, '-')}`;

/** The text an input shows for a stored or typed value. */
function shownText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join('\n');
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return '';
}

function SecretHint({ viewer, value }: { viewer: Viewer; value: unknown }) {
  const { t } = viewer;
  const stored = value as { stored?: unknown; env?: unknown } | null | undefined;
  if (typeof stored?.env === 'string')
    return <span>{t('channels.secret.env', { name: stored.env })}</span>;
  if (stored?.stored) return <span>{t('channels.secret.stored')}</span>;
  return null;
}

export function FieldInput(props: {
  viewer: Viewer;
  field: SettingsField;
  state: FormState;
  /** In an optional section, nothing is required by the browser. */
  optionalSection?: boolean | undefined;
}) {
  const { viewer, field, state } = props;
  const { t, language } = viewer;
  const id = idOf(field.name);
  const problems = state.issues.get(field.name) ?? [];
  const value = valueAt(state.values, field.name);
  const keepsSecret = field.type === 'secret' || field.type === 'passphrase';
  const stored =
    keepsSecret && typeof value === 'object' && value !== null && !('typedEnv' in value);
  const required = Boolean(field.required) && !props.optionalSection && !stored;
  const help = field.help?.[language];
  const describedBy = [help || stored ? `${id}-help` : '', problems.length ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  const common = {
    id,
    name: field.name,
    'aria-describedby': describedBy || undefined,
    'aria-invalid': problems.length ? ('true' as const) : undefined,
    autofocus: state.focus === field.name,
    required,
  };
  const label = (
    <>
      {field.label[language]}
      {required ? <span class="sub"> ({t('channels.required')})</span> : null}
    </>
  );
  const helpText =
    help || stored ? (
      <p class="hint" id={`${id}-help`}>
        {stored ? <SecretHint viewer={viewer} value={value} /> : null}
        {stored && help ? ' · ' : ''}
        {help ?? ''}
      </p>
    ) : null;
  const error = problems.length ? (
    <p class="alert field-error" id={`${id}-error`}>
      {problems.join(' ')}
    </p>
  ) : null;

  if (field.type === 'checkbox') {
    return (
      <div class="field">
        <label class="check">
          <input type="checkbox" value="1" {...common} required={false} checked={value === true} />{' '}
          {label}
        </label>
        {helpText}
        {error}
      </div>
    );
  }
  let input;
  switch (field.type) {
    case 'select':
      input = (
        <select {...common}>
          {(field.options ?? []).map((option) => (
            <option value={option.value} selected={shownText(value) === option.value}>
              {option.label[language]}
            </option>
          ))}
        </select>
      );
      break;
    case 'list':
      input = (
        <textarea {...common} rows={3} placeholder={field.example}>
          {shownText(value)}
        </textarea>
      );
      break;
    case 'secret':
    case 'passphrase':
      input = <input {...common} type="password" autocomplete="new-password" value="" />;
      break;
    case 'number':
      input = (
        <input
          {...common}
          type="number"
          inputmode="numeric"
          min={field.min}
          max={field.max}
          value={shownText(value)}
          placeholder={field.example}
        />
      );
      break;
    default:
      input = (
        <input
          {...common}
          type={field.type === 'email' ? 'email' : field.type === 'url' ? 'url' : 'text'}
          value={shownText(value)}
          placeholder={field.example}
          autocomplete="off"
        />
      );
  }
  const typedEnv =
    field.type === 'secret' ? (value as { typedEnv?: string } | undefined)?.typedEnv : undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {input}
      {helpText}
      {field.type === 'secret' ? (
        <details class="secret-env" open={Boolean(typedEnv)}>
          <summary>{t('channels.secret.fromEnv')}</summary>
          <label for={`${id}-env`}>{t('channels.secret.envName')}</label>
          <input
            id={`${id}-env`}
            name={envInputOf(field)}
            value={typedEnv ?? ''}
            autocomplete="off"
            pattern="LEADWIRE_SECRET_[A-Z0-9_]+"
            placeholder="LEADWIRE_SECRET_…"
          />
        </details>
      ) : null}
      {error}
    </div>
  );
}

export function SectionFields(props: {
  viewer: Viewer;
  section: SettingsSection;
  state: FormState;
}) {
  const { viewer, section, state } = props;
  return (
    <fieldset class="channel-section">
      <legend>{section.legend[viewer.language]}</legend>
      {section.fields.map((field) => (
        <FieldInput
          viewer={viewer}
          field={field}
          state={state}
          optionalSection={section.optional}
        />
      ))}
    </fieldset>
  );
}

/** The fields every channel has, in the same shape as a kind's own. */
export const GENERAL: SettingsSection = {
  id: 'general',
  legend: wordsOf('channels.general'),
  fields: [
    {
      name: 'name',
      type: 'text',
      label: wordsOf('channels.field.name'),
      help: wordsOf('channels.field.nameHelp'),
      required: true,
    },
    {
      name: 'defaultCountry',
      type: 'text',
      label: wordsOf('channels.field.defaultCountry'),
      help: wordsOf('channels.field.defaultCountryHelp'),
      example: 'ES',
    },
    {
      name: 'appendScope',
      type: 'select',
      label: wordsOf('channels.field.appendScope'),
      options: [
        { value: 'any', label: wordsOf('channels.field.appendScope.any') },
        { value: 'same-channel', label: wordsOf('channels.field.appendScope.same') },
      ],
      default: 'any',
    },
    { name: 'active', type: 'checkbox', label: wordsOf('channels.field.active'), default: true },
  ],
};

/** What a new channel connects with: its name and country (the rest has defaults). */
export const GENERAL_NEW: SettingsSection = {
  ...GENERAL,
  fields: GENERAL.fields.filter((field) => ['name', 'defaultCountry'].includes(field.name)),
};

/** A new channel's form starts with the schema's defaults. */
export function defaultsOf(sections: readonly SettingsSection[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of sections.flatMap((section) => section.fields))
    if (field.default !== undefined) setPath(values, field.name, field.default);
  return values;
}

/** The form state after a refusal: what was typed over what is stored, issues by input. */
export function refusedState(
  sections: readonly SettingsSection[],
  form: PostedForm,
  base: Record<string, unknown>,
  issues: Map<string, string[]>,
  mode: FormState['mode'],
): FormState {
  const typed = typedValues(sections, form);
  const values = structuredClone(base);
  const fields = sections.flatMap((section) => section.fields);
  for (const field of fields) {
    const value = valueAt(typed, field.name);
    if (value !== undefined) setPath(values, field.name, value);
  }
  const focus = fields.find((field) => issues.has(field.name))?.name;
  return { mode, values, issues, focus };
}
