import { describe, expect, it } from 'vitest';
import { checkToken, issueToken } from '../../../../connectors/site/token.ts';

const secret = 'a-test-secret-that-is-long-enough-000';
const timing = { minFillMs: 2000, ttlMs: 3_600_000 };
const at = (ms: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, 0) + ms);

describe('form tokens', () => {
  it('accepts a token between the minimum fill time and its age limit', () => {
    const token = issueToken(secret, 7, at(0));
    const check = checkToken(secret, 7, token, at(5000), timing);
    expect(check).toMatchObject({ ok: true, token: { formId: 7, renderedAt: at(0).getTime() } });
    if (check.ok) expect(check.token.submissionId).toMatch(/^[\w-]{22}$/);
  });

  it('gives every render its own submission id', () => {
    expect(issueToken(secret, 7, at(0))).not.toBe(issueToken(secret, 7, at(0)));
  });

  it('tells too fast, expired, missing and forged apart', () => {
    const token = issueToken(secret, 7, at(0));
    expect(checkToken(secret, 7, token, at(1999), timing)).toMatchObject({
      ok: false,
      problem: 'too_fast',
    });
    expect(checkToken(secret, 7, token, at(3_600_001), timing)).toMatchObject({
      ok: false,
      problem: 'expired',
    });
    expect(checkToken(secret, 7, undefined, at(5000), timing)).toEqual({
      ok: false,
      problem: 'missing',
    });
    expect(checkToken('another-secret-that-is-long-enough-0', 7, token, at(5000), timing)).toEqual({
      ok: false,
      problem: 'invalid',
    });
    expect(checkToken(secret, 8, token, at(5000), timing)).toEqual({
      ok: false,
      problem: 'invalid',
    });
    const [v, form, , id, sig] = token.split('.');
    const backdated = [v, form, String(at(-10_000).getTime()), id, sig].join('.');
    expect(checkToken(secret, 7, backdated, at(100), timing)).toEqual({
      ok: false,
      problem: 'invalid',
    });
    expect(checkToken(secret, 7, 'v1.7.x', at(100), timing)).toEqual({
      ok: false,
      problem: 'invalid',
    });
  });
});
