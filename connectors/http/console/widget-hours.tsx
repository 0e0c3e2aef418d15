/**
 * The callback widget's working-hours editor: around the clock or on a weekly schedule, each
 * weekday open or closed with its ranges, in a time zone chosen from the IANA list. Adding and
 * removing a range are submit buttons that come back with the change (nothing saved), like the
 * field builder.
 */
import { WEEKDAYS, type Weekday } from '../../../core/working-hours.ts';
import type { MessageKey } from './catalogue.ts';
import type { Viewer } from './viewer.ts';
import { MAX_RANGES, type HoursDraft } from './widget-hours-draft.tsx';
import { invalidity, ProblemText, type Problems } from './widget-problems.tsx';

/** Every IANA zone the runtime knows, by region (what a select can jump through by typing). */
function zoneGroups(current: string): [string, string[]][] {
  const zones = new Set(Intl.supportedValuesOf('timeZone'));
  zones.add('UTC');
  if (current) zones.add(current);
  const groups = new Map<string, string[]>();
  for (const zone of [...zones].sort()) {
    const region = zone.includes('/') ? zone.slice(0, zone.indexOf('/')) : 'UTC';
    groups.set(region, [...(groups.get(region) ?? []), zone]);
  }
  return [...groups];
}

export function TimeZoneSelect(props: { viewer: Viewer; value: string; problems: Problems }) {
  const { t } = props.viewer;
  return (
    <div class="widget-row">
      <label for="w-timeZone">{t('widgets.timeZone')}</label>
      <select id="w-timeZone" name="timeZone" {...invalidity(props.problems, 'timeZone')}>
        {zoneGroups(props.value).map(([region, zones]) => (
          <optgroup label={region}>
            {zones.map((zone) => (
              <option value={zone} selected={zone === props.value}>
                {zone.replace(/_/g, ' ')}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <ProblemText problems={props.problems} at="timeZone" />
    </div>
  );
}

function DayEditor(props: {
  viewer: Viewer;
  day: Weekday;
  draft: HoursDraft['days'][Weekday];
  problems: Problems;
  focus: string | undefined;
}) {
  const { viewer, day, draft, problems } = props;
  const { t } = viewer;
  const name = t(`widgets.day.${day}` as MessageKey);
  const focus = (id: string) => props.focus === id || undefined;
  return (
    <fieldset class="day" {...invalidity(problems, `hours.${day}`)}>
      <legend>{name}</legend>
      <label class="check">
        <input
          type="checkbox"
          id={`h-${day}-open`}
          name={`hours[${day}][open]`}
          checked={draft.open}
        />{' '}
        {t('widgets.hours.open')}
      </label>
      <ProblemText problems={problems} at={`hours.${day}`} />
      <ol class="ranges">
        {draft.ranges.map((range, index) => {
          const id = `h-${day}-${index}`;
          const which = t('widgets.hours.range', { day: name, n: index + 1 });
          return (
            <li>
              <label for={`${id}-from`}>
                <span class="visually-hidden">{which}: </span>
                {t('widgets.hours.from')}
              </label>
              <input
                type="time"
                id={`${id}-from`}
                name={`hours[${day}][${index}][from]`}
                value={range.from}
                autofocus={focus(`${id}-from`)}
              />
              <label for={`${id}-to`}>
                <span class="visually-hidden">{which}: </span>
                {t('widgets.hours.to')}
              </label>
              <input
                type="time"
                id={`${id}-to`}
                name={`hours[${day}][${index}][to]`}
                value={range.to}
              />
              <button
                type="submit"
                name="action"
                value={`remove-range-${day}-${index}`}
                aria-label={`${t('widgets.hours.remove')}: ${which}`}
                class="danger"
              >
                {t('widgets.hours.remove')}
              </button>
            </li>
          );
        })}
      </ol>
      <button
        type="submit"
        name="action"
        value={`add-range-${day}`}
        aria-label={`${t('widgets.hours.add')}: ${name}`}
        id={`h-${day}-add`}
        class="secondary"
        disabled={draft.ranges.length >= MAX_RANGES}
        autofocus={focus(`h-${day}-add`)}
      >
        {t('widgets.hours.add')}
      </button>
    </fieldset>
  );
}

export function HoursEditor(props: {
  viewer: Viewer;
  hours: HoursDraft;
  problems: Problems;
  focus: string | undefined;
}) {
  const { viewer, hours, problems } = props;
  const { t } = viewer;
  return (
    <section class="hours-editor" aria-labelledby="w-hours">
      <h2 id="w-hours" tabindex={-1}>
        {t('widgets.hours')}
      </h2>
      <ProblemText problems={problems} at="hours" />
      <fieldset class="hours-mode">
        <legend>{t('widgets.hours.when')}</legend>
        <label class="check">
          <input type="radio" name="hoursMode" value="always" checked={hours.always} />{' '}
          {t('widgets.hours.always')}
        </label>
        <label class="check">
          <input type="radio" name="hoursMode" value="schedule" checked={!hours.always} />{' '}
          {t('widgets.hours.schedule')}
        </label>
      </fieldset>
      <p class="hint">{t('widgets.hours.midnight')}</p>
      <div class="days">
        {WEEKDAYS.map((day) => (
          <DayEditor
            viewer={viewer}
            day={day}
            draft={hours.days[day]}
            problems={problems}
            focus={props.focus}
          />
        ))}
      </div>
      <button
        type="submit"
        name="action"
        value="copy-weekdays"
        id="h-copy"
        class="secondary"
        autofocus={props.focus === 'h-copy' || undefined}
      >
        {t('widgets.hours.copy')}
      </button>
    </section>
  );
}
