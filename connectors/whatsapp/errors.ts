/**
 * WhatsApp's error objects in words a person can act on (pure). The same code reaches us
 * synchronously (a Graph API error response) or later (a `failed` status on the webhook).
 */
import type { GraphErrorObject } from './schema.ts';

/** "Re-engagement message": free text outside the 24-hour customer-service window. */
export const WINDOW_CLOSED = 131047;

export const WINDOW_CLOSED_HINT =
  'the customer last wrote more than 24 hours ago, so WhatsApp only delivers an approved template now: send the reply as a template';

/** `Message Undeliverable: <details> (131026)`; the 24-hour window gets its hint. */
export function describeError(error: GraphErrorObject | undefined): string {
  if (!error) return 'no reason given';
  const title = error.title ?? error.message?.replace(/^\(#\d+\)\s*/, '');
  const details = error.error_data?.details;
  const said = [title, details && details !== title ? details : undefined]
    .filter(Boolean)
    .join(': ');
  const words = `${said || 'no reason given'}${error.code !== undefined ? ` (${error.code})` : ''}`;
  return error.code === WINDOW_CLOSED ? `${WINDOW_CLOSED_HINT} (WhatsApp: ${words})` : words;
}

export function describeErrors(errors: GraphErrorObject[] | undefined): string | undefined {
  return errors?.length ? errors.map(describeError).join('; ') : undefined;
}
