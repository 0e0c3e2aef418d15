/** What every channel's settings code shares: zod issues as the API shows them, plain objects. */
import type { z } from 'zod';
import type { SettingsIssue } from '../core/channel.ts';

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
