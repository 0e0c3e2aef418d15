/**
 * What the settings code of every channel and widget shares: the default country field, zod
 * issues as the API shows them, plain objects.
 */
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import type { SettingsIssue } from '../core/channel.ts';

/** A channel's country for phone numbers written without a code (`ES`); null: the deployment's. */
export const defaultCountryField = z
  .string()
  .transform((value) => value.toUpperCase())
  .refine(isSupportedCountry, 'an ISO 3166 alpha-2 country code such as ES')
  .nullable()
  .default(null);

export function issuesOf(error: z.ZodError): SettingsIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

/** A JSON object as a record; anything else (an array, null, a string) as an empty one. */
export function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
