/**
 * The token rendered into every form: which form, when it was rendered and the submission id,
 * signed so a bot cannot forge a render time. The submission id makes a double click (or a
 * refresh that posts again) one submission: it becomes the inbox row's external id.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface FormToken {
  formId: number;
  renderedAt: number;
  submissionId: string;
}

export type TokenCheck =
  | { ok: true; token: FormToken }
  | { ok: false; problem: 'missing' | 'invalid' | 'too_fast' | 'expired'; token?: FormToken };

export interface TokenTiming {
  /** A post sooner than this after rendering is faster than a person fills a form. */
  minFillMs: number;
  /** A token older than this is answered with a fresh form. */
  ttlMs: number;
}

const sign = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(payload).digest('base64url');

export function issueToken(secret: string, formId: number, now: Date): string {
  const payload = `v1.${formId}.${now.getTime()}.${randomBytes(16).toString('base64url')}`;
  return `${payload}.${sign(secret, payload)}`;
}

export function checkToken(
  secret: string,
  formId: number,
  value: string | undefined,
  now: Date,
  timing: TokenTiming,
): TokenCheck {
  if (!value) return { ok: false, problem: 'missing' };
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1') return { ok: false, problem: 'invalid' };
  const [, form, rendered, submissionId = '', signature = ''] = parts;
  const expected = Buffer.from(sign(secret, parts.slice(0, 4).join('.')));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, problem: 'invalid' };
  }
  const token = { formId: Number(form), renderedAt: Number(rendered), submissionId };
  // A token signed for another form of this deployment is not valid here.
  if (token.formId !== formId) return { ok: false, problem: 'invalid' };
  const age = now.getTime() - token.renderedAt;
  if (age > timing.ttlMs) return { ok: false, problem: 'expired', token };
  if (age < timing.minFillMs) return { ok: false, problem: 'too_fast', token };
  return { ok: true, token };
}
