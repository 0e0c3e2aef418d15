/** A callback widget's definition: when the center answers the phone and how soon it calls back. */
import { z } from 'zod';
import {
  describeSchedule,
  isValidTimeZone,
  WEEKDAYS,
  type Schedule,
} from '../../core/working-hours.ts';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time like 09:00');
const range = z.object({ from: clock, to: clock }).strict();
const origin = z
  .string()
  .regex(/^https?:\/\/[^/\s?#]+$/, 'an origin like https://www.example.com (no path)');

export const callbackDefinition = z
  .object({
    intro: z.string().max(2000).optional(),
    timeZone: z.string().refine(isValidTimeZone, 'an IANA time zone such as Europe/Madrid'),
    /** Opening ranges per weekday; no hours at all means the center answers around the clock. */
    hours: z.partialRecord(z.enum(WEEKDAYS), z.array(range).max(6)).default({}),
    /** The promise made in working hours: "we will call you within N minutes". */
    delayMinutes: z.number().int().min(1).max(1440).default(15),
    /** Show the "preferred time" field. */
    askPreferredTime: z.boolean().default(true),
    submitLabel: z.string().trim().min(1).max(100).default('Call me back'),
    allowedOrigins: z.array(origin).max(50).default([]),
    dailyCap: z.number().int().positive().default(1000),
  })
  .strict()
  .superRefine((definition, context) => {
    try {
      describeSchedule(scheduleOf(definition));
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['hours'], message: (error as Error).message });
    }
  });
export type CallbackDefinition = z.infer<typeof callbackDefinition>;

export function scheduleOf(definition: Pick<CallbackDefinition, 'timeZone' | 'hours'>): Schedule {
  return { timeZone: definition.timeZone, hours: definition.hours };
}
