/**
 * The callback widget's screen: the settings every widget has, how soon the centre promises to
 * call and whether the visitor may pick a time, and the working-hours editor with its time zone.
 * The preview is renderCallback, the hosted page's own renderer.
 */
import { isValidTimeZone } from '../../../core/working-hours.ts';
import { callbackDefinition, type CallbackDefinition } from '../../callback/definition.ts';
import { renderCallback } from '../../callback/render.ts';
import { hostedPage } from '../../site/page.ts';
import { draftWidget } from './widget-form-screen.tsx';
import {
  applyHoursAction,
  checkHours,
  hoursBody,
  hoursFromBody,
  hoursFromDefinition,
  hoursTarget,
  officeHours,
  soundHours,
  type HoursDraft,
} from './widget-hours-draft.tsx';
import { HoursEditor, TimeZoneSelect } from './widget-hours.tsx';
import type { EditorProps, WidgetScreen } from './widget-page.tsx';
import { invalidity, ProblemText } from './widget-problems.tsx';
import { numberOr, one, ticked } from './widget-body.tsx';
import {
  newSettings,
  settingsBody,
  settingsFromBody,
  settingsFromWidget,
  type SettingsDraft,
} from './widget-settings.tsx';

export interface CallbackDraft {
  settings: SettingsDraft;
  timeZone: string;
  delayMinutes: string;
  askPreferredTime: boolean;
  hours: HoursDraft;
}

const defaults = callbackDefinition.parse({ timeZone: 'UTC' });

function previewHtml(draft: CallbackDraft): string | undefined {
  const widget = draftWidget(draft.settings, 'callback');
  // Only the ranges that make sense: the others are refused beside their day until corrected.
  const hours = soundHours(draft.hours);
  const definition: CallbackDefinition = {
    ...defaults,
    ...(draft.settings.intro.trim() ? { intro: draft.settings.intro } : {}),
    timeZone: isValidTimeZone(draft.timeZone) ? draft.timeZone : 'UTC',
    hours,
    askPreferredTime: draft.askPreferredTime,
    submitLabel: draft.settings.submitLabel.trim() || defaults.submitLabel,
  };
  const view = { action: `/cb/${widget.slug}`, hidden: { token: '' }, values: {}, errors: [] };
  try {
    return hostedPage(widget.title, renderCallback(widget, definition, view));
  } catch {
    return undefined;
  }
}

function CallbackEditor({ viewer, draft, problems, focus }: EditorProps<CallbackDraft>) {
  const { t } = viewer;
  return (
    <>
      <fieldset class="widget-settings">
        <legend>{t('widgets.calls')}</legend>
        <TimeZoneSelect viewer={viewer} value={draft.timeZone} problems={problems} />
        <div class="widget-row">
          <label for="w-delayMinutes">{t('widgets.delayMinutes')}</label>
          <input
            id="w-delayMinutes"
            name="delayMinutes"
            type="number"
            min={1}
            max={1440}
            step={1}
            inputmode="numeric"
            value={draft.delayMinutes}
            {...invalidity(problems, 'delayMinutes', 'w-delayMinutes-hint')}
          />
          <p class="hint" id="w-delayMinutes-hint">
            {t('widgets.delayHint')}
          </p>
          <ProblemText problems={problems} at="delayMinutes" />
        </div>
        <label class="check">
          <input
            type="checkbox"
            id="w-askPreferredTime"
            name="askPreferredTime"
            checked={draft.askPreferredTime}
          />{' '}
          {t('widgets.askPreferredTime')}
        </label>
      </fieldset>
      <HoursEditor viewer={viewer} hours={draft.hours} problems={problems} focus={focus} />
    </>
  );
}

export const callbackScreen: WidgetScreen<CallbackDraft> = {
  kind: 'callback',
  mount: '/cb',
  base: '/channels/callbacks',
  schema: callbackDefinition,
  words: {
    list: 'widgets.callbacks',
    add: 'widgets.callbacks.add',
    empty: 'widgets.callbacks.empty',
    create: 'widgets.callbacks.new',
  },
  fresh: (viewer) => ({
    settings: newSettings(defaults.submitLabel),
    timeZone: isValidTimeZone(viewer.timeZone) ? viewer.timeZone : 'UTC',
    delayMinutes: String(defaults.delayMinutes),
    askPreferredTime: defaults.askPreferredTime,
    hours: officeHours(),
  }),
  fromBody: (body) => ({
    settings: settingsFromBody(body),
    timeZone: one(body, 'timeZone'),
    delayMinutes: one(body, 'delayMinutes').trim(),
    askPreferredTime: ticked(body, 'askPreferredTime'),
    hours: hoursFromBody(body),
  }),
  fromWidget: (widget) => {
    const definition = widget.definition;
    return {
      settings: settingsFromWidget(widget),
      timeZone: typeof definition.timeZone === 'string' ? definition.timeZone : 'UTC',
      delayMinutes: String(definition.delayMinutes ?? defaults.delayMinutes),
      askPreferredTime: definition.askPreferredTime !== false,
      hours: hoursFromDefinition(definition.hours),
    };
  },
  act(draft, action) {
    const changed = applyHoursAction(draft.hours, action);
    return changed && { draft: { ...draft, hours: changed.hours }, focus: changed.focus };
  },
  toBody: (draft) => ({
    ...settingsBody(draft.settings),
    timeZone: draft.timeZone,
    hours: hoursBody(draft.hours),
    askPreferredTime: draft.askPreferredTime,
    ...(draft.delayMinutes ? { delayMinutes: numberOr(draft.delayMinutes) } : {}),
  }),
  ownIssues: (t, draft) => checkHours(t, draft.hours),
  preview: previewHtml,
  target: (anchor) =>
    ['timeZone', 'delayMinutes', 'askPreferredTime'].includes(anchor)
      ? `w-${anchor}`
      : hoursTarget(anchor),
  Editor: CallbackEditor,
};
