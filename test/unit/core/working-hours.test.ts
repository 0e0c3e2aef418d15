import { describe, expect, it } from 'vitest';
import {
  checkPreferred,
  describeSchedule,
  isOpen,
  isValidTimeZone,
  nextOpening,
  parseLocalDateTime,
  promiseCallback,
} from '../../../core/working-hours.ts';
import type { Schedule, TimeRange } from '../../../core/working-hours.ts';

// Week used throughout: Mon 23 – Sun 29 November 2026. Madrid is on CET (UTC+1) then.
const at = (iso: string) => new Date(iso);
const range = (from: string, to: string): TimeRange => ({ from, to });
const weekdays = (ranges: TimeRange[]) => ({
  mon: ranges,
  tue: ranges,
  wed: ranges,
  thu: ranges,
  fri: ranges,
});

const madrid: Schedule = {
  timeZone: 'Europe/Madrid',
  hours: { ...weekdays([range('09:00', '18:00')]), sat: [range('10:00', '14:00')] },
};
const madridWeekdaysOnly: Schedule = {
  timeZone: 'Europe/Madrid',
  hours: weekdays([range('09:00', '18:00')]),
};
const alwaysOpen: Schedule = { timeZone: 'Europe/Madrid', hours: {} };

describe('promiseCallback while open', () => {
  it('promises a call within the delay, counted from now', () => {
    const now = at('2026-11-25T10:00:00Z'); // Wed 11:00 Madrid
    expect(promiseCallback(now, madrid, 15)).toEqual({
      kind: 'within',
      dueAt: at('2026-11-25T10:15:00Z'),
      minutes: 15,
      text: 'within 15 minutes',
    });
  });

  it('speaks of a single minute in the singular and of whole hours in hours', () => {
    const now = at('2026-11-25T10:00:00Z');
    expect(promiseCallback(now, madrid, 1).text).toBe('within 1 minute');
    expect(promiseCallback(now, madrid, 60).text).toBe('within 1 hour');
    expect(promiseCallback(now, madrid, 120).text).toBe('within 2 hours');
    expect(promiseCallback(now, madrid, 90).text).toBe('within 90 minutes');
  });

  it('counts the opening minute as open and the closing minute as closed', () => {
    expect(promiseCallback(at('2026-11-25T08:00:00Z'), madrid, 15).kind).toBe('within');
    expect(promiseCallback(at('2026-11-25T17:00:00Z'), madrid, 15)).toMatchObject({
      kind: 'at-opening',
      text: 'when we open at 09:00 tomorrow',
    });
  });

  it('uses Saturday’s own hours', () => {
    const saturdayNoon = at('2026-11-28T11:00:00Z'); // Sat 12:00 Madrid
    expect(promiseCallback(saturdayNoon, madrid, 15).kind).toBe('within');
    const saturdayAfternoon = at('2026-11-28T14:00:00Z'); // Sat 15:00, after the 14:00 close
    expect(promiseCallback(saturdayAfternoon, madrid, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-11-30T08:00:00Z'), // Mon 09:00; Sunday is closed
      text: 'when we open at 09:00 Monday',
    });
  });

  it('rejects a delay that is not a positive whole number of minutes', () => {
    const now = at('2026-11-25T10:00:00Z');
    expect(() => promiseCallback(now, madrid, 0)).toThrow(RangeError);
    expect(() => promiseCallback(now, madrid, 7.5)).toThrow(RangeError);
  });
});

describe('promiseCallback while closed', () => {
  it('promises tomorrow’s opening on a weekday evening', () => {
    expect(promiseCallback(at('2026-11-25T19:00:00Z'), madrid, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-11-26T08:00:00Z'),
      text: 'when we open at 09:00 tomorrow',
    });
  });

  it('promises today’s opening early in the morning', () => {
    expect(promiseCallback(at('2026-11-25T06:30:00Z'), madrid, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-11-25T08:00:00Z'),
      text: 'when we open at 09:00 today',
    });
  });

  it('counts "tomorrow" from just after midnight as the same calendar day', () => {
    // Thu 00:30 Madrid is still Wed in UTC: the opening that morning is "today".
    expect(promiseCallback(at('2026-11-25T23:30:00Z'), madrid, 15).text).toBe(
      'when we open at 09:00 today',
    );
  });

  it('names the weekday from Friday evening to Monday', () => {
    expect(promiseCallback(at('2026-11-27T19:00:00Z'), madridWeekdaysOnly, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-11-30T08:00:00Z'),
      text: 'when we open at 09:00 Monday',
    });
  });

  it('calls Saturday "tomorrow" from Friday evening when Saturday is open', () => {
    expect(promiseCallback(at('2026-11-27T19:00:00Z'), madrid, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-11-28T09:00:00Z'),
      text: 'when we open at 10:00 tomorrow',
    });
  });

  it('reopens after a lunch break the same day', () => {
    const splitDay: Schedule = {
      timeZone: 'Europe/Madrid',
      hours: weekdays([range('15:00', '18:00'), range('09:00', '13:00')]),
    };
    expect(promiseCallback(at('2026-11-25T12:30:00Z'), splitDay, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-11-25T14:00:00Z'),
      text: 'when we open at 15:00 today',
    });
  });
});

describe('DST in Europe/Madrid', () => {
  const withSunday: Schedule = {
    timeZone: 'Europe/Madrid',
    hours: { ...madridWeekdaysOnly.hours, sun: [range('10:00', '14:00')] },
  };

  it('opens at 10:00 summer time on the spring-forward Sunday (2026-03-29)', () => {
    // Sat 28 Mar 20:00 CET (UTC+1); Sunday 10:00 is already CEST (UTC+2).
    expect(promiseCallback(at('2026-03-28T19:00:00Z'), withSunday, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-03-29T08:00:00Z'),
      text: 'when we open at 10:00 tomorrow',
    });
  });

  it('opens at 10:00 winter time on the fall-back Sunday (2026-10-25)', () => {
    // Sat 24 Oct 20:00 CEST (UTC+2); Sunday 10:00 is already CET (UTC+1).
    expect(promiseCallback(at('2026-10-24T18:00:00Z'), withSunday, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-10-25T09:00:00Z'),
      text: 'when we open at 10:00 tomorrow',
    });
  });

  it('keeps Monday at 09:00 local across each switch weekend', () => {
    expect(nextOpening(at('2026-03-27T19:00:00Z'), madridWeekdaysOnly)).toEqual(
      at('2026-03-30T07:00:00Z'),
    );
    expect(nextOpening(at('2026-10-23T18:00:00Z'), madridWeekdaysOnly)).toEqual(
      at('2026-10-26T08:00:00Z'),
    );
  });

  it('judges open and closed by the wall clock of the day', () => {
    // 09:30 UTC is 11:30 CEST on 29 March, but 10:30 CET on 25 October; 13:30 UTC flips the other way.
    expect(isOpen(at('2026-03-29T07:30:00Z'), withSunday)).toBe(false); // 09:30 CEST
    expect(isOpen(at('2026-03-29T08:00:00Z'), withSunday)).toBe(true); // 10:00 CEST
    expect(isOpen(at('2026-03-29T12:30:00Z'), withSunday)).toBe(false); // 14:30 CEST
    expect(isOpen(at('2026-10-25T12:30:00Z'), withSunday)).toBe(true); // 13:30 CET
    expect(isOpen(at('2026-10-25T13:00:00Z'), withSunday)).toBe(false); // 14:00 CET
  });
});

describe('zones far from UTC', () => {
  const losAngeles: Schedule = {
    timeZone: 'America/Los_Angeles',
    hours: weekdays([range('09:00', '17:00')]),
  };
  const tokyo: Schedule = { timeZone: 'Asia/Tokyo', hours: weekdays([range('09:00', '18:00')]) };

  it('says "tomorrow" in Los Angeles when UTC already shows the same date', () => {
    // Tue 24 Nov 02:00 UTC is Mon 23 Nov 18:00 PST (UTC-8).
    expect(promiseCallback(at('2026-11-24T02:00:00Z'), losAngeles, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-11-24T17:00:00Z'),
      text: 'when we open at 09:00 tomorrow',
    });
  });

  it('treats a UTC Saturday that is still Friday afternoon in Los Angeles as Friday', () => {
    const fridayAfternoon = at('2026-11-28T00:00:00Z'); // Fri 27 Nov 16:00 PST
    expect(promiseCallback(fridayAfternoon, losAngeles, 15).kind).toBe('within');
    expect(promiseCallback(at('2026-11-28T01:30:00Z'), losAngeles, 15)).toMatchObject({
      dueAt: at('2026-11-30T17:00:00Z'),
      text: 'when we open at 09:00 Monday',
    });
  });

  it('says "today" in Tokyo when the opening is on the next UTC date', () => {
    // Tue 24 Nov 23:30 UTC is Wed 25 Nov 08:30 JST (UTC+9); opening is 00:00 UTC on the 25th.
    expect(promiseCallback(at('2026-11-24T23:30:00Z'), tokyo, 15)).toEqual({
      kind: 'at-opening',
      dueAt: at('2026-11-25T00:00:00Z'),
      text: 'when we open at 09:00 today',
    });
  });

  it('writes a preferred time in the zone’s local clock and date', () => {
    const now = at('2026-11-23T01:00:00Z'); // Mon 10:00 JST
    const preferred = at('2026-11-25T05:30:00Z'); // Wed 14:30 JST
    expect(promiseCallback(now, tokyo, 15, preferred)).toEqual({
      kind: 'preferred',
      dueAt: preferred,
      text: 'at 14:30 on Wednesday 25 November',
    });
  });
});

describe('promiseCallback with a preferred time', () => {
  const now = at('2026-11-23T09:00:00Z'); // Mon 10:00 Madrid

  it('keeps the customer’s time even while open', () => {
    const preferred = at('2026-11-24T13:30:00Z');
    expect(promiseCallback(now, madrid, 15, preferred)).toEqual({
      kind: 'preferred',
      dueAt: preferred,
      text: 'at 14:30 tomorrow',
    });
  });

  it('says "today" for a time later the same local day', () => {
    expect(promiseCallback(now, madrid, 15, at('2026-11-23T15:45:00Z')).text).toBe(
      'at 16:45 today',
    );
  });

  it('gives weekday and date further ahead', () => {
    expect(promiseCallback(now, madrid, 15, at('2026-12-01T08:05:00Z')).text).toBe(
      'at 09:05 on Tuesday 1 December',
    );
  });
});

describe('checkPreferred', () => {
  const now = at('2026-11-23T09:00:00Z'); // Mon 10:00 Madrid

  it('accepts a future time within opening hours', () => {
    expect(checkPreferred(now, at('2026-11-25T13:30:00Z'), madrid)).toEqual({ ok: true });
  });

  it('rejects a time in the past', () => {
    const result = checkPreferred(now, at('2026-11-23T08:55:00Z'), madrid);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/already passed/);
  });

  it('tolerates up to a minute of clock skew', () => {
    expect(checkPreferred(now, at('2026-11-23T08:59:30Z'), madrid)).toEqual({ ok: true });
    expect(checkPreferred(now, at('2026-11-23T08:58:59Z'), madrid).ok).toBe(false);
  });

  it('rejects a time more than 30 days ahead', () => {
    const result = checkPreferred(now, at('2026-12-24T09:00:00Z'), madrid); // Thu, open, 31 days
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/30 days/);
    expect(checkPreferred(now, at('2026-12-22T09:00:00Z'), madrid)).toEqual({ ok: true });
  });

  it('rejects a closed time and tells the customer the hours and their zone', () => {
    const result = checkPreferred(now, at('2026-11-29T11:00:00Z'), madrid); // Sunday
    expect(result).toEqual({
      ok: false,
      reason:
        'We are closed at that time. Our opening hours are Mon–Fri 09:00–18:00, Sat 10:00–14:00 ' +
        '(Europe/Madrid time). Please choose a time within them.',
    });
  });

  it('accepts any hour for a 24/7 centre', () => {
    expect(checkPreferred(now, at('2026-11-29T02:00:00Z'), alwaysOpen)).toEqual({ ok: true });
  });
});

describe('parseLocalDateTime', () => {
  it('reads a datetime-local value as wall time in the zone', () => {
    expect(parseLocalDateTime('2026-11-25T14:30', 'Europe/Madrid')).toEqual(
      at('2026-11-25T13:30:00Z'),
    );
    expect(parseLocalDateTime('2026-11-25T14:30', 'Asia/Tokyo')).toEqual(
      at('2026-11-25T05:30:00Z'),
    );
    expect(parseLocalDateTime('2026-11-25T14:30', 'America/Los_Angeles')).toEqual(
      at('2026-11-25T22:30:00Z'),
    );
  });

  it('accepts seconds, as some browsers send them', () => {
    expect(parseLocalDateTime('2026-11-25T14:30:15', 'Europe/Madrid')).toEqual(
      at('2026-11-25T13:30:15Z'),
    );
  });

  it('applies the offset in force on that date', () => {
    expect(parseLocalDateTime('2026-03-28T10:00', 'Europe/Madrid')).toEqual(
      at('2026-03-28T09:00:00Z'),
    );
    expect(parseLocalDateTime('2026-03-29T10:00', 'Europe/Madrid')).toEqual(
      at('2026-03-29T08:00:00Z'),
    );
  });

  it('honours an explicit offset or Z over the zone', () => {
    expect(parseLocalDateTime('2026-11-25T14:30:00+09:00', 'Europe/Madrid')).toEqual(
      at('2026-11-25T05:30:00Z'),
    );
    expect(parseLocalDateTime('2026-11-25T14:30:00.000Z', 'Asia/Tokyo')).toEqual(
      at('2026-11-25T14:30:00Z'),
    );
  });

  it('returns undefined for anything that is not a date with a time', () => {
    for (const garbage of [
      '',
      'tomorrow',
      '2026-11-25',
      '2026-02-30T10:00',
      '2026-11-25T25:00',
      '25/11/2026 14:30',
    ]) {
      expect(parseLocalDateTime(garbage, 'Europe/Madrid'), garbage).toBeUndefined();
    }
  });

  it('throws on an unknown zone, which is a configuration bug rather than bad input', () => {
    expect(() => parseLocalDateTime('2026-11-25T14:30', 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('describeSchedule', () => {
  it('groups consecutive days with identical hours', () => {
    expect(describeSchedule(madrid)).toBe('Mon–Fri 09:00–18:00, Sat 10:00–14:00');
  });

  it('does not merge identical days separated by a different one', () => {
    const schedule: Schedule = {
      timeZone: 'Europe/Madrid',
      hours: { mon: [range('09:00', '13:00')], wed: [range('09:00', '13:00')] },
    };
    expect(describeSchedule(schedule)).toBe('Mon 09:00–13:00, Wed 09:00–13:00');
  });

  it('lists split days in time order and normalises the clock format', () => {
    const schedule: Schedule = {
      timeZone: 'Europe/Madrid',
      hours: {
        ...weekdays([range('15:00', '18:00'), range('9:00', '13:00')]),
        sun: [range('10:00', '14:00')],
      },
    };
    expect(describeSchedule(schedule)).toBe('Mon–Fri 09:00–13:00 and 15:00–18:00, Sun 10:00–14:00');
  });

  it('describes a schedule without hours as 24/7', () => {
    expect(describeSchedule(alwaysOpen)).toBe('24/7');
  });

  it('refuses a range that ends before it starts', () => {
    const broken: Schedule = {
      timeZone: 'Europe/Madrid',
      hours: { mon: [range('18:00', '09:00')] },
    };
    expect(() => describeSchedule(broken)).toThrow(RangeError);
  });
});

describe('a schedule without hours (24/7 centre)', () => {
  const sundayNight = at('2026-11-29T02:00:00Z');

  it('is always open', () => {
    expect(isOpen(sundayNight, alwaysOpen)).toBe(true);
    expect(isOpen(sundayNight, { timeZone: 'Europe/Madrid', hours: { mon: [], sun: [] } })).toBe(
      true,
    );
    expect(promiseCallback(sundayNight, alwaysOpen, 10)).toMatchObject({
      kind: 'within',
      text: 'within 10 minutes',
    });
  });

  it('has no next opening to wait for', () => {
    expect(nextOpening(sundayNight, alwaysOpen)).toBeUndefined();
  });
});

describe('isOpen and nextOpening', () => {
  it('returns the same instant when already open', () => {
    const now = at('2026-11-25T10:00:00Z');
    expect(nextOpening(now, madrid)).toEqual(now);
  });

  it('treats 24:00 as the end of the day', () => {
    const mondayAllDay: Schedule = {
      timeZone: 'Europe/Madrid',
      hours: { mon: [range('00:00', '24:00')] },
    };
    expect(isOpen(at('2026-11-23T22:59:00Z'), mondayAllDay)).toBe(true); // Mon 23:59
    expect(isOpen(at('2026-11-23T23:00:00Z'), mondayAllDay)).toBe(false); // Tue 00:00
    expect(nextOpening(at('2026-11-23T23:00:00Z'), mondayAllDay)).toEqual(
      at('2026-11-29T23:00:00Z'),
    );
  });

  it('throws on an unknown zone or a malformed time', () => {
    const now = at('2026-11-25T10:00:00Z');
    expect(() => isOpen(now, { ...madrid, timeZone: 'Mars/Olympus' })).toThrow(RangeError);
    expect(() => isOpen(now, { ...madrid, hours: { wed: [range('9h', '18:00')] } })).toThrow(
      RangeError,
    );
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA zones and rejects anything else', () => {
    expect(isValidTimeZone('Europe/Madrid')).toBe(true);
    expect(isValidTimeZone('America/Los_Angeles')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
