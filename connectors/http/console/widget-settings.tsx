/**
 * What every website widget has, as its screen edits it: name, address (slug), on/off, the sites
 * that may embed it (one origin a line), the country for phone numbers, the operators who get its
 * leads (ticked by name), and the words around the form. Kept as typed (strings) until saved, so
 * a refused post comes back exactly as it was sent.
 */
import { getCountries } from 'libphonenumber-js';
import type { Widget } from '../../../core/repositories/forms.ts';
import type { Viewer } from './viewer.ts';
import { many, numberOr, one, ticked, type Body } from './widget-body.tsx';
import { invalidity, ProblemText, type Problems } from './widget-problems.tsx';

export interface SettingsDraft {
  title: string;
  slug: string;
  active: boolean;
  /** One origin a line. */
  origins: string;
  country: string;
  operatorIds: number[];
  intro: string;
  submitLabel: string;
  dailyCap: string;
}

export function settingsFromBody(body: Body): SettingsDraft {
  return {
    title: one(body, 'title'),
    slug: one(body, 'slug').trim(),
    active: ticked(body, 'active'),
    origins: one(body, 'allowedOrigins'),
    country: one(body, 'defaultCountry'),
    operatorIds: [...new Set(many(body, 'operatorIds').map(Number))].filter(
      (id) => Number.isSafeInteger(id) && id > 0,
    ),
    intro: one(body, 'intro'),
    submitLabel: one(body, 'submitLabel'),
    dailyCap: one(body, 'dailyCap').trim(),
  };
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

export function settingsFromWidget(widget: Widget): SettingsDraft {
  const definition = widget.definition;
  const origins = Array.isArray(definition.allowedOrigins) ? definition.allowedOrigins : [];
  return {
    title: widget.title,
    slug: widget.slug,
    active: widget.active,
    origins: origins.map(String).join('\n'),
    country: widget.defaultCountry ?? '',
    operatorIds: widget.operatorIds,
    intro: text(definition.intro),
    submitLabel: text(definition.submitLabel),
    dailyCap: definition.dailyCap === undefined ? '' : String(definition.dailyCap),
  };
}

export function newSettings(submitLabel: string): SettingsDraft {
  return {
    title: '',
    slug: '',
    active: true,
    origins: '',
    country: '',
    operatorIds: [],
    intro: '',
    submitLabel,
    dailyCap: '1000',
  };
}

/** An address from a name: "Contact us" → contact-us (what a person would have typed). */
export function slugFrom(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

/** The settings as the API's flat body has them (validateWidget checks the whole). */
export function settingsBody(draft: SettingsDraft): Record<string, unknown> {
  return {
    slug: draft.slug || slugFrom(draft.title),
    title: draft.title,
    active: draft.active,
    defaultCountry: draft.country || null,
    operatorIds: draft.operatorIds,
    allowedOrigins: draft.origins
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
    ...(draft.intro.trim() ? { intro: draft.intro } : {}),
    ...(draft.submitLabel.trim() ? { submitLabel: draft.submitLabel } : {}),
    ...(draft.dailyCap ? { dailyCap: numberOr(draft.dailyCap) } : {}),
  };
}

export interface Person {
  id: number;
  name: string;
  active: boolean;
}

/** The queue as ticked boxes: its operators first, in queue order, then everyone else by name. */
function queueOrder(people: Person[], chosen: number[]): Person[] {
  const byId = new Map(people.map((person) => [person.id, person]));
  const first = chosen.flatMap((id) => byId.get(id) ?? []);
  const rest = people
    .filter((person) => person.active && !chosen.includes(person.id))
    .sort((a, b) => a.name.localeCompare(b.name));
  return [...first, ...rest];
}

function countries(language: string): { code: string; name: string }[] {
  const names = new Intl.DisplayNames([language], { type: 'region' });
  return getCountries()
    .map((code) => ({ code, name: names.of(code) ?? code }))
    .sort((a, b) => a.name.localeCompare(b.name, language));
}

export function SettingsFields(props: {
  viewer: Viewer;
  draft: SettingsDraft;
  problems: Problems;
  people: Person[];
  mount: '/f' | '/cb';
}) {
  const { viewer, draft, problems } = props;
  const { t } = viewer;
  return (
    <fieldset class="widget-settings">
      <legend>{t('widgets.settings')}</legend>
      <div class="widget-row">
        <label for="w-title">{t('widgets.name')}</label>
        <input
          id="w-title"
          name="title"
          value={draft.title}
          maxlength={200}
          required
          {...invalidity(problems, 'title')}
        />
        <ProblemText problems={problems} at="title" />
      </div>
      <div class="widget-row">
        <label for="w-slug">{t('widgets.slug')}</label>
        <input
          id="w-slug"
          name="slug"
          value={draft.slug}
          maxlength={64}
          pattern="[a-z0-9][a-z0-9\-]*"
          autocapitalize="none"
          spellcheck={false}
          {...invalidity(problems, 'slug', 'w-slug-hint')}
        />
        <p class="hint" id="w-slug-hint">
          {t('widgets.slugHint', { mount: props.mount })}
        </p>
        <ProblemText problems={problems} at="slug" />
      </div>
      <p>
        <label class="check">
          <input type="checkbox" name="active" id="w-active" checked={draft.active} />{' '}
          {t('widgets.active')}
        </label>
      </p>
      <div class="widget-row">
        <label for="w-origins">{t('widgets.origins')}</label>
        <textarea
          id="w-origins"
          name="allowedOrigins"
          rows={3}
          autocapitalize="none"
          spellcheck={false}
          {...invalidity(problems, 'allowedOrigins', 'w-origins-hint')}
        >
          {draft.origins}
        </textarea>
        <p class="hint" id="w-origins-hint">
          {t('widgets.originsHint')}
        </p>
        <ProblemText problems={problems} at="allowedOrigins" />
      </div>
      <div class="widget-row">
        <label for="w-country">{t('widgets.country')}</label>
        <select id="w-country" name="defaultCountry" {...invalidity(problems, 'defaultCountry')}>
          <option value="">{t('widgets.countryDefault')}</option>
          {countries(viewer.language).map((country) => (
            <option value={country.code} selected={country.code === draft.country}>
              {country.name}
            </option>
          ))}
        </select>
        <ProblemText problems={problems} at="defaultCountry" />
      </div>
      <fieldset
        class="widget-operators"
        id="w-operators"
        {...invalidity(problems, 'operatorIds', 'w-operators-hint')}
      >
        <legend>{t('widgets.operators')}</legend>
        <p class="hint" id="w-operators-hint">
          {t('widgets.operatorsHint')}
        </p>
        {queueOrder(props.people, draft.operatorIds).map((person) => (
          <label class="check">
            <input
              type="checkbox"
              name="operatorIds"
              value={String(person.id)}
              checked={draft.operatorIds.includes(person.id)}
            />{' '}
            {person.name}
            {person.active ? '' : ` (${t('widgets.inactive')})`}
          </label>
        ))}
        <ProblemText problems={problems} at="operatorIds" />
      </fieldset>
      <div class="widget-row">
        <label for="w-intro">{t('widgets.intro')}</label>
        <textarea
          id="w-intro"
          name="intro"
          rows={2}
          maxlength={2000}
          {...invalidity(problems, 'intro')}
        >
          {draft.intro}
        </textarea>
        <ProblemText problems={problems} at="intro" />
      </div>
      <div class="widget-row">
        <label for="w-submitLabel">{t('widgets.submitLabel')}</label>
        <input
          id="w-submitLabel"
          name="submitLabel"
          value={draft.submitLabel}
          maxlength={100}
          {...invalidity(problems, 'submitLabel')}
        />
        <ProblemText problems={problems} at="submitLabel" />
      </div>
      <div class="widget-row">
        <label for="w-dailyCap">{t('widgets.dailyCap')}</label>
        <input
          id="w-dailyCap"
          name="dailyCap"
          type="number"
          min={1}
          step={1}
          inputmode="numeric"
          value={draft.dailyCap}
          {...invalidity(problems, 'dailyCap', 'w-dailyCap-hint')}
        />
        <p class="hint" id="w-dailyCap-hint">
          {t('widgets.dailyCapHint')}
        </p>
        <ProblemText problems={problems} at="dailyCap" />
      </div>
    </fieldset>
  );
}

/** Input ids of the settings, by the issue path they answer (for the summary's links). */
export const SETTINGS_TARGETS: Record<string, string> = {
  title: 'w-title',
  slug: 'w-slug',
  allowedOrigins: 'w-origins',
  defaultCountry: 'w-country',
  operatorIds: 'w-operators',
  intro: 'w-intro',
  submitLabel: 'w-submitLabel',
  dailyCap: 'w-dailyCap',
};
