/** A callback request checked: a phone we can call, a preferred time we can keep, and the promise. */
import { normalisePhone } from '../../core/identities.ts';
import {
  checkPreferred,
  parseLocalDateTime,
  promiseCallback,
  type CallbackPromise,
} from '../../core/working-hours.ts';
import type { FieldError } from '../site/page.ts';
import type { AcceptInput, AcceptResult } from '../site/routes.ts';
import { scheduleOf, type CallbackDefinition } from './definition.ts';

/** The callback part of the inbox row (the site plumbing adds widget, submission and visit). */
export interface CallbackBody {
  kind: 'callback';
  country: string | null;
  phone: string;
  name?: string;
  comment?: string;
  preferredTime?: string;
  due: { at: string; kind: CallbackPromise['kind']; text: string };
}

const LABELS = {
  phone: 'Phone number',
  name: 'Your name',
  comment: 'What is it about?',
  preferredTime: 'Preferred time',
};

export function acceptCallback(input: AcceptInput<CallbackDefinition>): AcceptResult {
  const { definition, fields, now, country } = input;
  const schedule = scheduleOf(definition);
  const errors: FieldError[] = [];
  const fail = (key: keyof typeof LABELS, message: string) =>
    errors.push({ key, label: LABELS[key], message });
  const phone = (fields.phone ?? '').trim();
  const name = (fields.name ?? '').trim();
  const comment = (fields.comment ?? '').trim();
  const preferredText = definition.askPreferredTime ? (fields.preferredTime ?? '').trim() : '';

  if (!phone) fail('phone', 'Please enter the number we should call.');
  else if (phone.length > 40 || !normalisePhone(phone, country).ok)
    fail(
      'phone',
      'Please enter a phone number we can call, with its country code if it is not local.',
    );
  if (name.length > 200) fail('name', 'Please keep this under 200 characters.');
  if (comment.length > 2000) fail('comment', 'Please keep this under 2000 characters.');
  let preferred: Date | undefined;
  if (preferredText) {
    preferred = parseLocalDateTime(preferredText, definition.timeZone);
    const check = preferred ? checkPreferred(now, preferred, schedule) : undefined;
    if (!preferred) fail('preferredTime', 'Please choose a date and a time.');
    else if (check && !check.ok) fail('preferredTime', check.reason);
  }
  if (errors.length) return { ok: false, errors };

  const promise = promiseCallback(now, schedule, definition.delayMinutes, preferred);
  const body: CallbackBody = {
    kind: 'callback',
    country: country ?? null,
    phone,
    ...(name ? { name } : {}),
    ...(comment ? { comment } : {}),
    ...(preferredText ? { preferredTime: preferredText } : {}),
    due: { at: promise.dueAt.toISOString(), kind: promise.kind, text: promise.text },
  };
  return { ok: true, body: { ...body }, answer: answerText(promise), files: [] };
}

export function answerText(promise: Pick<CallbackPromise, 'kind' | 'text'>): string {
  switch (promise.kind) {
    case 'within':
      return `Thank you! We will call you ${promise.text}.`;
    case 'at-opening':
      return `Thank you! We are closed right now; we will call you ${promise.text}.`;
    case 'preferred':
      return `Thank you! We will call you ${promise.text}, as you asked.`;
  }
}
