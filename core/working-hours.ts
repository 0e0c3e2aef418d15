/**
 * When a customer who asked for a phone callback will be called, given the centre's opening hours.
 *
 * All wall-clock reasoning ("09:00", "today", "Monday") happens in the schedule's IANA zone
 * through luxon, so DST switches and zones far from UTC land on the right instant.
 *
 * A schedule with no hours at all means a 24/7 centre: always open, never "when we open".
 * A schedule that breaks its own contract (unknown zone, "9h30", a range ending before it starts)
 * throws a RangeError: that is a configuration bug, and silently treating it as closed would hide it.
 */
import { DateTime, IANAZone } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM" 24h local time in the schedule's zone; `to` may be "24:00" for "until midnight". */
export interface TimeRange {
  from: string;
  to: string;
}

export interface Schedule {
  /** IANA zone, e.g. "Europe/Madrid". */
  timeZone: string;
  /** Opening ranges per weekday; a missing/empty day is closed. Ranges do not cross midnight (to > from). */
  hours: Partial<Record<Weekday, TimeRange[]>>;
}

export type CallbackPromise =
  | { kind: 'within'; dueAt: Date; minutes: number; text: string }
  | { kind: 'at-opening'; dueAt: Date; text: string }
  | { kind: 'preferred'; dueAt: Date; text: string };

export type PreferredCheck = { ok: true } | { ok: false; reason: string };

/** How far ahead nextOpening looks; two weeks covers every weekday twice. */
const SEARCH_DAYS = 14;
/** Browser and server clocks disagree a little; a "now" picked in the form must not bounce. */
const CLOCK_SKEW_MS = 60_000;
const MAX_PREFERRED_DAYS_AHEAD = 30;
const MINUTES_PER_DAY = 24 * 60;

// Own English names rather than Intl: the customer-facing text must not depend on the ICU build.
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const DAY_ABBREVIATIONS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function promiseCallback(
  now: Date,
  schedule: Schedule,
  delayMinutes: number,
  preferred?: Date,
): CallbackPromise {
  if (!Number.isInteger(delayMinutes) || delayMinutes < 1) {
    throw new RangeError(
      `Callback delay must be a whole number of minutes ≥ 1, got ${delayMinutes}`,
    );
  }
  const today = inZone(now, schedule.timeZone);

  if (preferred) {
    const at = inZone(preferred, schedule.timeZone);
    return { kind: 'preferred', dueAt: preferred, text: `at ${clock(at)} ${dayPhrase(at, today)}` };
  }

  if (isOpen(now, schedule)) {
    return {
      kind: 'within',
      dueAt: new Date(now.getTime() + delayMinutes * 60_000),
      minutes: delayMinutes,
      text: `within ${describeDelay(delayMinutes)}`,
    };
  }

  const opening = nextOpening(now, schedule);
  // Unreachable for a valid schedule: closed now implies some hours, and 14 days see every weekday.
  if (!opening) throw new RangeError(`Schedule has no opening in the next ${SEARCH_DAYS} days`);
  const at = inZone(opening, schedule.timeZone);
  return {
    kind: 'at-opening',
    dueAt: opening,
    text: `when we open at ${clock(at)} ${dayName(at, today)}`,
  };
}

export function isOpen(at: Date, schedule: Schedule): boolean {
  if (!hasHours(schedule)) return true;
  const local = inZone(at, schedule.timeZone);
  // Ranges never cross midnight, so only the ranges of the local day of `at` can contain it.
  return openingsOn(local, schedule).some(([start, end]) => start <= local && local < end);
}

/** The next moment at or after `from` when the schedule is open (search at most 14 days ahead); undefined if the schedule has no hours at all. */
export function nextOpening(from: Date, schedule: Schedule): Date | undefined {
  if (!hasHours(schedule)) return undefined;
  const start = inZone(from, schedule.timeZone);
  for (let offset = 0; offset <= SEARCH_DAYS; offset++) {
    const day = start.plus({ days: offset });
    for (const [open, close] of openingsOn(day, schedule)) {
      if (close > start) return (open > start ? open : start).toJSDate();
    }
  }
  return undefined;
}

export function checkPreferred(now: Date, preferred: Date, schedule: Schedule): PreferredCheck {
  if (preferred.getTime() < now.getTime() - CLOCK_SKEW_MS) {
    return {
      ok: false,
      reason: 'That time has already passed. Please choose a time in the future.',
    };
  }
  const latest = inZone(now, schedule.timeZone).plus({ days: MAX_PREFERRED_DAYS_AHEAD });
  if (preferred.getTime() > latest.toMillis()) {
    return {
      ok: false,
      reason: `We can schedule a callback at most ${MAX_PREFERRED_DAYS_AHEAD} days ahead. Please choose an earlier date.`,
    };
  }
  if (!isOpen(preferred, schedule)) {
    // The zone is spelled out because the customer may be sitting in another one.
    return {
      ok: false,
      reason:
        `We are closed at that time. Our opening hours are ${describeSchedule(schedule)} ` +
        `(${schedule.timeZone} time). Please choose a time within them.`,
    };
  }
  return { ok: true };
}

/**
 * Parse "2026-11-25T14:30" (no offset, as an <input type="datetime-local"> sends it) as local
 * time in the zone; also accept full ISO strings with an offset/Z. Returns undefined if invalid.
 * A local time skipped by a DST jump (02:30 on a spring-forward night) moves forward by the gap,
 * as luxon does; an ambiguous one in the autumn resolves to the later occurrence.
 */
export function parseLocalDateTime(value: string, timeZone: string): Date | undefined {
  assertZone(timeZone);
  const match =
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
      value.trim(),
    );
  // The shape check keeps out what luxon would also take (bare dates, week dates): a callback needs a time.
  if (!match) return undefined;
  const hasOffset = match[1] !== undefined;
  const parsed = DateTime.fromISO(value.trim(), hasOffset ? { setZone: true } : { zone: timeZone });
  return parsed.isValid ? parsed.toJSDate() : undefined;
}

/** "Mon–Fri 09:00–18:00, Sat 10:00–14:00" style summary for error messages and the widget page (group consecutive days with identical ranges). */
export function describeSchedule(schedule: Schedule): string {
  if (!hasHours(schedule)) return '24/7';
  const days = WEEKDAYS.map((day) =>
    sortedRanges(schedule.hours[day])
      .map((range) => `${range.from}–${range.to}`)
      .join(' and '),
  );
  const groups: string[] = [];
  let first = 0;
  for (let index = 1; index <= days.length; index++) {
    if (index < days.length && days[index] === days[first]) continue;
    const last = index - 1;
    if (days[first]) {
      const label =
        first === last
          ? DAY_ABBREVIATIONS[first]
          : `${DAY_ABBREVIATIONS[first]}–${DAY_ABBREVIATIONS[last]}`;
      groups.push(`${label} ${days[first]}`);
    }
    first = index;
  }
  return groups.join(', ');
}

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

function hasHours(schedule: Schedule): boolean {
  return WEEKDAYS.some((day) => (schedule.hours[day]?.length ?? 0) > 0);
}

/** The opening intervals, as instants, of the local calendar day that `day` falls on. */
function openingsOn(day: DateTime, schedule: Schedule): [DateTime, DateTime][] {
  const weekday = WEEKDAYS[day.weekday - 1];
  const ranges = weekday ? sortedRanges(schedule.hours[weekday]) : [];
  return ranges.map((range) => [
    atMinutes(day, minutesOf(range.from, false)),
    atMinutes(day, minutesOf(range.to, true)),
  ]);
}

/** Validated ranges in time order; throws on a range that cannot be meant. */
function sortedRanges(ranges: TimeRange[] | undefined): TimeRange[] {
  return (ranges ?? [])
    .map((range) => {
      const from = minutesOf(range.from, false);
      const to = minutesOf(range.to, true);
      if (to <= from) {
        throw new RangeError(`Opening range ${range.from}–${range.to} must end after it starts`);
      }
      return { range: { from: hhmm(from), to: hhmm(to) }, from };
    })
    .sort((a, b) => a.from - b.from)
    .map(({ range }) => range);
}

/** Wall-clock minutes since midnight; "24:00" is allowed only as the end of a range. */
function minutesOf(value: string, isEnd: boolean): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  const limit = isEnd ? MINUTES_PER_DAY : MINUTES_PER_DAY - 1;
  if (!match || Number(match[2]) > 59 || minutes > limit) {
    throw new RangeError(`Invalid time "${value}", expected HH:MM`);
  }
  return minutes;
}

function hhmm(minutes: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/**
 * The instant of a wall-clock time on the local day of `day`. Built from calendar fields, not by
 * adding minutes to midnight, so "09:00" stays 09:00 on a DST day. "24:00" is the next midnight.
 */
function atMinutes(day: DateTime, minutes: number): DateTime {
  if (minutes === MINUTES_PER_DAY) return day.startOf('day').plus({ days: 1 });
  return DateTime.fromObject(
    {
      year: day.year,
      month: day.month,
      day: day.day,
      hour: Math.floor(minutes / 60),
      minute: minutes % 60,
    },
    { zone: day.zone },
  );
}

function inZone(at: Date, timeZone: string): DateTime {
  assertZone(timeZone);
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`Invalid date: ${String(at)}`);
  return local;
}

function assertZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone "${timeZone}"`);
}

function clock(at: DateTime): string {
  return at.toFormat('HH:mm');
}

function describeDelay(minutes: number): string {
  if (minutes >= 60 && minutes % 60 === 0) {
    const hours = minutes / 60;
    return hours === 1 ? '1 hour' : `${hours} hours`;
  }
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** "today", "tomorrow" or the weekday, judged on the zone's calendar (opening is at most a week away). */
function dayName(at: DateTime, today: DateTime): string {
  if (at.hasSame(today, 'day')) return 'today';
  if (at.hasSame(today.plus({ days: 1 }), 'day')) return 'tomorrow';
  return DAY_NAMES[at.weekday - 1] ?? '';
}

/** Like dayName, but a preferred time can be weeks away, so it carries the date too. */
function dayPhrase(at: DateTime, today: DateTime): string {
  const name = dayName(at, today);
  if (name === 'today' || name === 'tomorrow') return name;
  return `on ${name} ${at.day} ${MONTH_NAMES[at.month - 1] ?? ''}`;
}
