/**
 * The working-hours draft: around the clock, or per weekday open or closed with up to six
 * from–to ranges; read from a post or a stored definition, checked day by day, changed by the
 * editor's buttons. A range ending at 00:00 ends at midnight (stored as 24:00, which a time input
 * cannot show).
 */
import { WEEKDAYS, type Weekday } from '../../../core/working-hours.ts';
import type { Viewer } from './viewer.ts';
import { one, ticked, type Body } from './widget-body.tsx';
import type { Issue } from './widget-problems.tsx';

export const MAX_RANGES = 6;

export interface Range {
  from: string;
  to: string;
}

export interface HoursDraft {
  always: boolean;
  days: Record<Weekday, { open: boolean; ranges: Range[] }>;
}

const OFFICE: Range = { from: '09:00', to: '18:00' };
const WORKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

/** Monday to Friday, nine to six: where a new schedule starts. */
export function officeHours(always = false): HoursDraft {
  const days = Object.fromEntries(
    WEEKDAYS.map((day) => [day, { open: WORKDAYS.includes(day), ranges: [{ ...OFFICE }] }]),
  ) as HoursDraft['days'];
  return { always, days };
}

export function hoursFromBody(body: Body): HoursDraft {
  const draft = officeHours(one(body, 'hoursMode') === 'always');
  for (const day of WEEKDAYS) {
    const pattern = new RegExp(`^hours\\[${day}\\]\\[(\\d)\\]\\[(?:from|to)\\]$`);
    const indexes = [
      ...new Set(Object.keys(body).flatMap((name) => pattern.exec(name)?.[1] ?? [])),
    ].sort();
    const ranges = indexes.slice(0, MAX_RANGES).map((index) => ({
      from: one(body, `hours[${day}][${index}][from]`).trim(),
      to: one(body, `hours[${day}][${index}][to]`).trim(),
    }));
    draft.days[day] = { open: ticked(body, `hours[${day}][open]`), ranges };
  }
  return draft;
}

const midnightIn = (to: string) => (to === '24:00' ? '00:00' : to);
const midnightOut = (to: string) => (to === '00:00' ? '24:00' : to);

export function hoursFromDefinition(hours: unknown): HoursDraft {
  const stored = (typeof hours === 'object' && hours !== null ? hours : {}) as Partial<
    Record<Weekday, Range[]>
  >;
  if (!WEEKDAYS.some((day) => stored[day]?.length)) return officeHours(true);
  const draft = officeHours();
  for (const day of WEEKDAYS) {
    const ranges = stored[day] ?? [];
    draft.days[day] = ranges.length
      ? { open: true, ranges: ranges.map((r) => ({ from: r.from, to: midnightIn(r.to) })) }
      : { open: false, ranges: [{ ...OFFICE }] };
  }
  return draft;
}

/** The hours as the definition has them: `{}` is around the clock. */
export function hoursBody(draft: HoursDraft): Partial<Record<Weekday, Range[]>> {
  if (draft.always) return {};
  return Object.fromEntries(
    WEEKDAYS.filter((day) => draft.days[day].open).map((day) => [
      day,
      draft.days[day].ranges.map((range) => ({ from: range.from, to: midnightOut(range.to) })),
    ]),
  );
}

const minutes = (clock: string) => {
  const match = /^(\d{2}):(\d{2})$/.exec(clock);
  return match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
};

/** What is wrong with one range, if anything: a time that is not one, or an end not after its start. */
function rangeFault(range: Range): 'time' | 'order' | undefined {
  const from = minutes(range.from);
  const to = range.to === '00:00' ? 24 * 60 : minutes(range.to);
  if (Number.isNaN(from) || Number.isNaN(to)) return 'time';
  return to <= from ? 'order' : undefined;
}

/** The hours with only their sound ranges (the preview shows what is right so far). */
export function soundHours(draft: HoursDraft): Partial<Record<Weekday, Range[]>> {
  const days = Object.fromEntries(
    WEEKDAYS.map((day) => [
      day,
      { ...draft.days[day], ranges: draft.days[day].ranges.filter((r) => !rangeFault(r)) },
    ]),
  ) as HoursDraft['days'];
  return hoursBody({ always: draft.always, days });
}

/** What the schema would say about a whole schedule, said per day (beside the day). */
export function checkHours(t: Viewer['t'], draft: HoursDraft): Issue[] {
  if (draft.always) return [];
  const issues: Issue[] = [];
  const open = WEEKDAYS.filter((day) => draft.days[day].open);
  if (!open.length) issues.push({ path: 'hours', message: t('widgets.error.noOpenDay') });
  for (const day of open) {
    const { ranges } = draft.days[day];
    if (!ranges.length) issues.push({ path: `hours.${day}`, message: t('widgets.error.noRange') });
    for (const fault of ranges.map(rangeFault)) {
      if (fault === 'time') issues.push({ path: `hours.${day}`, message: t('widgets.error.time') });
      if (fault === 'order')
        issues.push({ path: `hours.${day}`, message: t('widgets.error.range') });
    }
  }
  return issues;
}

export function applyHoursAction(
  draft: HoursDraft,
  action: string,
): { hours: HoursDraft; focus?: string } | undefined {
  const hours: HoursDraft = {
    always: draft.always,
    days: Object.fromEntries(
      WEEKDAYS.map((day) => [
        day,
        { open: draft.days[day].open, ranges: draft.days[day].ranges.map((r) => ({ ...r })) },
      ]),
    ) as HoursDraft['days'],
  };
  if (action === 'copy-weekdays') {
    for (const day of WORKDAYS.slice(1)) {
      hours.days[day] = {
        open: hours.days.mon.open,
        ranges: hours.days.mon.ranges.map((r) => ({ ...r })),
      };
    }
    return { hours, focus: 'h-copy' };
  }
  const add = /^add-range-([a-z]{3})$/.exec(action);
  const day = (add?.[1] ?? /^remove-range-([a-z]{3})-\d$/.exec(action)?.[1]) as Weekday | undefined;
  if (!day || !WEEKDAYS.includes(day)) return undefined;
  const { ranges } = hours.days[day];
  if (add) {
    if (ranges.length < MAX_RANGES) {
      const last = ranges.at(-1);
      ranges.push(last ? { from: last.to === '00:00' ? '' : last.to, to: '' } : { ...OFFICE });
    }
    hours.days[day].open = true;
    return { hours, focus: `h-${day}-${ranges.length - 1}-from` };
  }
  const index = Number(action.slice(-1));
  ranges.splice(index, 1);
  return {
    hours,
    focus: ranges.length ? `h-${day}-${Math.max(index - 1, 0)}-from` : `h-${day}-add`,
  };
}

/** The id of the input an `hours…` issue belongs to. */
export function hoursTarget(anchor: string): string | undefined {
  if (anchor === 'hours') return 'w-hours';
  const match = /^hours\.([a-z]{3})$/.exec(anchor);
  return match ? `h-${match[1]}-open` : undefined;
}
