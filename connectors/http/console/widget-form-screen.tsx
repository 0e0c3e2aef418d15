/**
 * The web form's screen: the settings every widget has, what the visitor sees after sending (a
 * thank-you text or a page to go to), and the field builder. The preview is renderWebform, the
 * hosted page's own renderer.
 */
import type { Widget } from '../../../core/repositories/forms.ts';
import { hostedPage } from '../../site/page.ts';
import { formDefinition, type FieldType, type FormDefinition } from '../../webform/definition.ts';
import { renderWebform } from '../../webform/render.ts';
import {
  applyFieldAction,
  fieldsBody,
  fieldsFromBody,
  fieldsFromDefinition,
  fieldTarget,
  lines,
  starterFields,
  withKeys,
  type FieldDraft,
} from './widget-field-draft.tsx';
import { FieldBuilder } from './widget-fields.tsx';
import type { EditorProps, WidgetScreen } from './widget-page.tsx';
import { invalidity, ProblemText } from './widget-problems.tsx';
import { one } from './widget-body.tsx';
import {
  newSettings,
  settingsBody,
  settingsFromBody,
  settingsFromWidget,
  slugFrom,
  type SettingsDraft,
} from './widget-settings.tsx';

export interface FormDraft {
  settings: SettingsDraft;
  successText: string;
  redirectUrl: string;
  fields: FieldDraft[];
}

const defaults = formDefinition.parse({
  fields: [{ key: 'email', label: 'Email', type: 'email' }],
});

/** A stand-in for the stored widget: the renderers read only its title. */
export function draftWidget(settings: SettingsDraft, kind: Widget['kind']): Widget {
  return {
    id: 0,
    channelId: 0,
    kind,
    slug: settings.slug || slugFrom(settings.title),
    title: settings.title,
    active: settings.active,
    defaultCountry: settings.country || null,
    operatorIds: settings.operatorIds,
    definition: {},
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

/** The draft as a visitor would get it, even half-made (a row without a label shows its key). */
function previewHtml(draft: FormDraft): string {
  const widget = draftWidget(draft.settings, 'webform');
  const definition: FormDefinition = {
    ...defaults,
    ...(draft.settings.intro.trim() ? { intro: draft.settings.intro } : {}),
    submitLabel: draft.settings.submitLabel.trim() || defaults.submitLabel,
    fields: withKeys(draft.fields).map((field, index) => {
      const key = field.key || `field_${index + 1}`;
      return {
        key,
        label: field.label.trim() || key,
        type: field.type as FieldType,
        required: field.required,
        ...(field.type === 'select' ? { options: lines(field.options) } : {}),
        ...(field.placeholder ? { placeholder: field.placeholder } : {}),
        ...(field.hint ? { hint: field.hint } : {}),
        ...(field.value ? { value: field.value } : {}),
      };
    }),
  };
  const view = { action: `/f/${widget.slug}`, hidden: { token: '' }, values: {}, errors: [] };
  return hostedPage(widget.title, renderWebform(widget, definition, view));
}

function FormEditor({ viewer, draft, problems, focus, targets }: EditorProps<FormDraft>) {
  const { t } = viewer;
  return (
    <>
      <fieldset class="widget-settings">
        <legend>{t('widgets.afterSending')}</legend>
        <div class="widget-row">
          <label for="w-successText">{t('widgets.successText')}</label>
          <textarea
            id="w-successText"
            name="successText"
            rows={2}
            maxlength={2000}
            value={draft.successText}
            {...invalidity(problems, 'successText')}
          />
          <ProblemText problems={problems} at="successText" />
        </div>
        <div class="widget-row">
          <label for="w-redirectUrl">{t('widgets.redirectUrl')}</label>
          <input
            id="w-redirectUrl"
            name="redirectUrl"
            type="url"
            value={draft.redirectUrl}
            autocapitalize="none"
            spellcheck={false}
            {...invalidity(problems, 'redirectUrl', 'w-redirectUrl-hint')}
          />
          <p class="hint" id="w-redirectUrl-hint">
            {t('widgets.redirectHint')}
          </p>
          <ProblemText problems={problems} at="redirectUrl" />
        </div>
      </fieldset>
      <FieldBuilder
        viewer={viewer}
        fields={draft.fields}
        problems={problems}
        targets={targets}
        focus={focus}
      />
    </>
  );
}

export const formScreen: WidgetScreen<FormDraft> = {
  kind: 'webform',
  mount: '/f',
  base: '/channels/forms',
  schema: formDefinition,
  words: {
    list: 'widgets.forms',
    add: 'widgets.forms.add',
    empty: 'widgets.forms.empty',
    create: 'widgets.forms.new',
  },
  fresh: (viewer) => ({
    settings: newSettings(defaults.submitLabel),
    successText: defaults.successText,
    redirectUrl: '',
    fields: starterFields(viewer.t),
  }),
  fromBody: (body) => ({
    settings: settingsFromBody(body),
    successText: one(body, 'successText'),
    redirectUrl: one(body, 'redirectUrl').trim(),
    fields: withKeys(fieldsFromBody(body)),
  }),
  fromWidget: (widget) => ({
    settings: settingsFromWidget(widget),
    successText:
      typeof widget.definition.successText === 'string' ? widget.definition.successText : '',
    redirectUrl:
      typeof widget.definition.redirectUrl === 'string' ? widget.definition.redirectUrl : '',
    fields: fieldsFromDefinition(widget.definition.fields),
  }),
  act(draft, action) {
    const changed = applyFieldAction(draft.fields, action);
    return changed && { draft: { ...draft, fields: changed.fields }, focus: changed.focus };
  },
  toBody: (draft) => ({
    ...settingsBody(draft.settings),
    fields: fieldsBody(withKeys(draft.fields)),
    ...(draft.successText.trim() ? { successText: draft.successText } : {}),
    ...(draft.redirectUrl ? { redirectUrl: draft.redirectUrl } : {}),
  }),
  ownIssues: () => [],
  preview: previewHtml,
  target: (anchor) =>
    anchor === 'successText' || anchor === 'redirectUrl' ? `w-${anchor}` : fieldTarget(anchor),
  Editor: FormEditor,
};
